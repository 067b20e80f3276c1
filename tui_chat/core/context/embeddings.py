"""Embeddings of a session's messages: fetched from the provider's `/embeddings`, stored
beside the session (`<data>/embeddings/<session-id>.json`, not in the session file the user
reads), computed incrementally (only messages not seen yet, or whose text changed).

Vectors are kept normalized (so cosine similarity is a dot product) as base64 float32, with
a short sketch of each (`SKETCH_SIZE` numbers) that ranks thousands of messages within a
few milliseconds in pure Python; the best candidates are then scored on the full vectors.
"""

from __future__ import annotations

import base64
import json
import math
import operator
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_chat.config.keys import redact_secrets
from tui_chat.core.atomic import write_atomic
from tui_chat.core.sanitize import one_line
from tui_chat.core.store.json_files import SHAPE_ERRORS, UnreadableFile, parse_json

FORMAT_VERSION = 1
SKETCH_SIZE = 96
REFINE = 24
"""Candidates scored on the full vectors after the sketch pass."""
MAX_INPUT_CHARS = 6000
"""Longer messages are embedded by their start (providers cap the input length)."""
BATCH = 10
"""Texts per /embeddings request (DashScope text-embedding-v3 takes at most 10)."""


class EmbeddingsUnavailable(Exception):
    """The provider has no embeddings endpoint (or none configured); `problem` says so."""

    def __init__(self, problem: str, permanent: bool = True) -> None:
        problem = one_line(problem, 300)  # it may quote the server's own words
        self.problem = problem
        self.permanent = permanent
        super().__init__(problem)


def fingerprint(text: str) -> str:
    import hashlib  # here: the app imports this module at start, hashing is needed later

    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def normalized(vector: Sequence[float]) -> array[float]:
    norm = math.sqrt(math.fsum(x * x for x in vector)) or 1.0
    return array("f", (x / norm for x in vector))


def sketch(vector: Sequence[float]) -> list[float]:
    """A short random projection (feature hashing with signs): dot products of sketches
    approximate dot products of the vectors."""
    out = [0.0] * SKETCH_SIZE
    for i, x in enumerate(vector):
        h = (i * 2654435761) & 0xFFFFFFFF
        out[h % SKETCH_SIZE] += x if (h >> 16) & 1 else -x
    return out


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    total: float = sum(map(operator.mul, a, b))  # operator.mul is untyped
    return total


@dataclass
class Entry:
    fingerprint: str
    vector: array[float]
    sketch: list[float]


@dataclass
class SessionEmbeddings:
    """The stored embeddings of one session, by message id, for one embedding model."""

    model: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def missing(self, texts: dict[str, str]) -> list[str]:
        """Ids whose text has no embedding yet (or changed since)."""
        return [
            mid
            for mid, text in texts.items()
            if (e := self.entries.get(mid)) is None or e.fingerprint != fingerprint(text)
        ]

    def add(self, message_id: str, text: str, vector: Sequence[float]) -> None:
        unit = normalized(vector)
        self.entries[message_id] = Entry(fingerprint(text), unit, sketch(unit))

    def scores(self, query: Sequence[float], ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of each of `ids` (that has an embedding) to `query`: every
        one by sketch, the best REFINE (and anything close to them) on the full vectors."""
        unit = normalized(query)
        q_sketch = sketch(unit)
        rough: list[tuple[float, str]] = []
        for mid in ids:
            entry = self.entries.get(mid)
            if entry is not None:
                rough.append((dot(q_sketch, entry.sketch), mid))
        rough.sort(reverse=True)
        scores: dict[str, float] = {}
        for _, mid in rough[:REFINE]:
            scores[mid] = dot(unit, self.entries[mid].vector)
        return scores

    # -- file ------------------------------------------------------------------------------

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "model": self.model,
            "entries": {
                mid: {
                    "f": e.fingerprint,
                    "v": base64.b64encode(e.vector.tobytes()).decode("ascii"),
                    "s": [round(x, 5) for x in e.sketch],
                }
                for mid, e in self.entries.items()
            },
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, model: str) -> SessionEmbeddings:
        """Parse a stored file; a broken file or another model's vectors give an empty
        store (they are recomputed)."""
        try:
            data = parse_json(text)
        except UnreadableFile:
            return cls(model)
        if not isinstance(data, dict) or data.get("model") != model:
            return cls(model)
        store = cls(model)
        raw = data.get("entries")
        if not isinstance(raw, dict):
            return store
        for mid, item in raw.items():
            try:
                vector = array("f")
                vector.frombytes(base64.b64decode(item["v"]))
                sk = [float(x) for x in item["s"]]
                if len(sk) != SKETCH_SIZE:
                    continue
                store.entries[mid] = Entry(str(item["f"]), vector, sk)
            except SHAPE_ERRORS:
                continue
        return store


class EmbeddingFiles:
    """`<folder>/<session-id>.json`, loaded once per session and kept in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[str, SessionEmbeddings] = {}

    def path_for(self, session_id: str) -> Path:
        return self.folder / f"{session_id}.json"

    def load(self, session_id: str, model: str) -> SessionEmbeddings:
        cached = self._cache.get(session_id)
        if cached is not None and cached.model == model:
            return cached
        try:
            text = self.path_for(session_id).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, MemoryError):
            store = SessionEmbeddings(model)
        else:
            store = SessionEmbeddings.from_json(text, model)
        self._cache[session_id] = store
        return store

    def save(self, session_id: str, store: SessionEmbeddings) -> None:
        write_atomic(self.path_for(session_id), store.to_json())


async def embed(client: Any, model: str, texts: Sequence[str]) -> list[list[float]]:
    """Vectors for `texts` from `client.embeddings.create` (the SDK's AsyncOpenAI), in
    batches. Raises EmbeddingsUnavailable when the endpoint is missing (404/405/501) or
    the request fails (then `permanent` is False)."""
    import openai  # deferred, as in openai_compat

    vectors: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        batch = [t[:MAX_INPUT_CHARS] or " " for t in texts[start : start + BATCH]]
        try:
            response = await client.embeddings.create(
                model=model, input=batch, encoding_format="float"
            )
        except openai.APIStatusError as exc:
            if exc.status_code in (404, 405, 501):
                raise EmbeddingsUnavailable(
                    f"the provider has no embeddings endpoint (HTTP {exc.status_code})"
                ) from None
            raise EmbeddingsUnavailable(
                f"embeddings failed (HTTP {exc.status_code}): {_said(exc)}", permanent=False
            ) from None
        except openai.APIError as exc:
            said = redact_secrets(str(exc))[:200]
            raise EmbeddingsUnavailable(f"embeddings failed: {said}", permanent=False) from None
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(batch):
            raise EmbeddingsUnavailable(
                f"the embeddings answer had {len(data)} vectors for {len(batch)} texts",
                permanent=False,
            )
        vectors.extend([list(d.embedding) for d in data])
    return vectors


def _said(exc: Any) -> str:
    """The server's words, with anything shaped like a key masked (servers echo keys)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return redact_secrets(error["message"])[:200]
    return redact_secrets(str(getattr(exc, "message", exc)))[:200]
