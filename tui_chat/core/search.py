"""Full-text search over every session: titles and message text, Chinese included.

The index is one JSON-lines file beside the sessions folder. A full line holds one session's
title and the text of all its messages (every branch), keyed by the session file's size and
mtime like the summary index. A save appends only what changed (batched: at most every
FLUSH_SECONDS and when the app ends; a crash loses only cache lines, and those sessions are
read again at the next start): a delta line (`"delta": 1`) with the session's message order
and the text of the messages that are new or changed, applied over the lines before it; a
session the file has no line for yet gets a full one. So a reply that streams for minutes in
a long session adds its own text, not the whole session's, at each save. A line
`{"id": ..., "deleted": true}` drops a session. When the file holds more than twice the live
text (or more stale lines than live ones at start-up), it is rewritten (compacted) in one go.

Search is substring search over case-folded text: Chinese has no spaces between words, so
word indexes do not fit it, and scanning a few tens of MB with `str.find` takes milliseconds.
Only the folded text is kept (in memory and in the file); the snippets of the results shown
are cut from the session files, whose text folds to the same positions.
It is only a cache: a missing, stale or unreadable file is rebuilt from the session files.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.core.atomic import atomic_text_writer, make_private, open_private
from tui_chat.core.sanitize import one_line, single_line
from tui_chat.core.store.files import scan_session_files
from tui_chat.core.store.json_files import CACHE_ERRORS, SHAPE_ERRORS, UnreadableFile, read_json

INDEX_VERSION = 2
SNIPPET_CHARS = 60
"""About how much text a result shows around the match."""
SNIPPET_BEFORE = 6
"""Characters shown before the match: a narrow sidebar still shows the match."""
MAX_RESULTS = 200
FLUSH_SECONDS = 30.0
"""Updates are appended to the file at most this often (a streaming reply saves every 2 s)."""
COMPACT_SLACK_BYTES = 1_000_000
"""Stale bytes always allowed before a compaction (small files are not rewritten often)."""
SEPARATOR = "\n\x00"
"""Between messages in the joined text: no query (control characters are dropped) spans it."""


def normalize(text: str) -> str:
    """Case-folded text, the same length as `text`, so a match's position is valid in both.

    `str.casefold` can grow a text ("ß" → "ss"); such characters are folded one by one and
    kept as they are when folding would change their length.
    """
    folded = text.casefold()
    if len(folded) == len(text):
        return text if folded == text else folded
    out = []
    for char in text:
        one = char.casefold()
        if len(one) != 1:
            one = char.lower()
            if len(one) != 1:
                one = char
        out.append(one)
    return "".join(out)


def normalize_query(query: str) -> list[str]:
    """The terms of a query: whitespace-separated, each case-folded; control chars dropped."""
    cleaned = "".join(c if c.isprintable() else " " for c in query)
    return [normalize(term) for term in cleaned.split()]


@dataclass(frozen=True)
class SearchHit:
    """A session that matches, and where: `message_id` None means the title matched."""

    session_id: str
    title: str
    message_id: str | None
    snippet: str
    updated_at: float


@dataclass(frozen=True)
class _Doc:
    session_id: str
    title: str
    updated_at: float
    mtime_ns: int
    size: int
    message_ids: tuple[str, ...]
    starts: tuple[int, ...]
    """Where each message begins in `folded`."""
    folded: str
    """Every message's text, case-folded (`normalize`), joined with SEPARATOR."""
    folded_title: str

    @classmethod
    def build(
        cls,
        session_id: str,
        title: str,
        updated_at: float,
        mtime_ns: int,
        size: int,
        messages: Iterable[tuple[str, str]],
        folded: bool = False,
    ) -> _Doc:
        """`folded`: the texts are already normalized (read from the index file)."""
        ids: list[str] = []
        starts: list[int] = []
        parts: list[str] = []
        position = 0
        for message_id, text in messages:
            ids.append(message_id)
            starts.append(position)
            clean = text.replace("\x00", "")
            parts.append(clean if folded else normalize(clean))
            position += len(clean) + len(SEPARATOR)
        joined = SEPARATOR.join(parts)
        return cls(
            session_id=session_id,
            title=title,
            updated_at=updated_at,
            mtime_ns=mtime_ns,
            size=size,
            message_ids=tuple(ids),
            starts=tuple(starts),
            folded=joined,
            folded_title=normalize(title),
        )

    def texts(self) -> dict[str, str]:
        """Each message's folded text, by id."""
        return {
            message_id: self.message_text(index)
            for index, message_id in enumerate(self.message_ids)
        }

    def to_line(self, only: set[str] | None = None) -> str:
        """The full line of this session, or (`only`: the ids of the messages that changed)
        a delta line over the previous ones."""
        messages = [
            [message_id, self.message_text(i)]
            for i, message_id in enumerate(self.message_ids)
            if only is None or message_id in only
        ]
        line: dict[str, Any] = {
            "id": self.session_id,
            "title": self.title,
            "updated_at": self.updated_at,
            "mtime_ns": self.mtime_ns,
            "size": self.size,
            "m": messages,
        }
        if only is not None:
            line["delta"] = 1
            line["order"] = list(self.message_ids)
        return json.dumps(line, ensure_ascii=False)

    def live_bytes(self) -> int:
        """About what this session's full line takes in the file."""
        return len(self.folded) + len(self.title) + 64 * len(self.message_ids) + 128

    def _end(self, index: int) -> int:
        if index + 1 < len(self.starts):
            return self.starts[index + 1] - len(SEPARATOR)
        return len(self.folded)

    def find(self, terms: list[str]) -> tuple[str | None, int, int] | None:
        """(message id or None for the title, position, length) of the best match of all
        `terms`, or None when a term is in neither the title nor the messages."""
        for term in terms:
            if term not in self.folded_title and term not in self.folded:
                return None
        first = terms[0]
        position = self.folded.find(first)
        if position < 0:
            return None, 0, 0  # every term in the title (or title + text)
        # Prefer a message that holds every term.
        if len(terms) > 1:
            for index, start in enumerate(self.starts):
                end = self._end(index)
                chunk = self.folded[start:end]
                if all(term in chunk for term in terms):
                    return self.message_ids[index], start + chunk.find(first), len(first)
        index = bisect.bisect_right(self.starts, position) - 1
        return self.message_ids[index], position, len(first)

    def window(self, position: int, length: int) -> tuple[int, int, int]:
        """(message index, from, to) of the text around a match, in that message."""
        index = bisect.bisect_right(self.starts, position) - 1
        start, end = self.starts[index], self._end(index)
        before = max(start, position - SNIPPET_BEFORE)
        after = min(end, position + length + SNIPPET_CHARS)
        return index, before - start, after - start

    def message_text(self, index: int) -> str:
        return self.folded[self.starts[index] : self._end(index)]


def messages_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, searchable text) of every message in a session dict (all branches): the
    content, and the reasoning of replies."""
    out: list[tuple[str, str]] = []
    raw = data.get("messages")
    if not isinstance(raw, list):
        return out
    for message in raw:
        if not isinstance(message, dict):
            continue
        message_id = message.get("id")
        content = message.get("content")
        if not isinstance(message_id, str):
            continue
        text = content if isinstance(content, str) else ""
        if isinstance(content, list):  # content parts, should a format use them
            text = " ".join(
                p.get("text", "") for p in content if isinstance(p, dict) and "text" in p
            )
        out.append((message_id, text))
    return out


class SearchIndex:
    """The search index of one sessions folder. Thread-safe: the store's writer thread
    updates it, a worker loads it, searches run in workers."""

    def __init__(self, index_file: Path, sessions_dir: Path) -> None:
        self.index_file = index_file
        self.sessions_dir = sessions_dir
        self._docs: dict[str, _Doc] = {}
        self._lock = threading.Lock()
        self._file_lock = threading.Lock()
        self._touched: set[str] = set()
        """Sessions updated while `load` ran: what it read for them is older."""
        self._loading = False
        self._pending: dict[str, set[str] | None] = {}
        """Sessions updated or removed in memory, not yet in the file: the ids of the
        messages whose text changed (None: write the whole session)."""
        self._in_file: set[str] = set()
        """Sessions the file has lines for, that a delta line can build on."""
        self._file_bytes = 0
        """The size of the file as this process last wrote it."""
        self._last_flush = time.monotonic()
        self.ready = threading.Event()
        self.stale_lines = 0

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Read the index file, bring it up to date with the session files (reading only
        new or changed ones) and compact it when it is mostly stale lines. Call in a thread."""
        with self._lock:
            if self.ready.is_set() or self._loading:
                return
            self._loading = True
            self._touched.clear()
        try:
            make_private(self.index_file)  # an older version wrote it readable by all
            try:
                docs, lines = self._read_file()
            except CACHE_ERRORS:  # e.g. not UTF-8: rebuilt from the sessions
                docs, lines = {}, 0
            fresh: list[_Doc] = []
            present: dict[str, _Doc] = {}
            for session_id, path, info in scan_session_files(self.sessions_dir):
                doc = docs.get(session_id)
                if doc is None or doc.mtime_ns != info.st_mtime_ns or doc.size != info.st_size:
                    doc = self._read_session(Path(path), session_id)
                    if doc is None:
                        continue
                    fresh.append(doc)
                present[session_id] = doc
            with self._lock:
                for session_id, doc in present.items():
                    if session_id not in self._touched:
                        self._docs[session_id] = doc
                for session_id in list(self._docs):
                    if session_id not in present and session_id not in self._touched:
                        del self._docs[session_id]
                live = len(self._docs)
            self.stale_lines = max(0, lines - len(present)) + len(fresh)
            with self._file_lock:
                self._in_file = {sid for sid in present if sid in docs}
                with contextlib.suppress(OSError):
                    self._file_bytes = self.index_file.stat().st_size
            if not self.index_file.exists() or self.stale_lines > max(100, live):
                self.compact()
            elif fresh:
                self._append([doc.to_line() for doc in fresh])
                with self._file_lock:
                    self._in_file.update(doc.session_id for doc in fresh)
        finally:
            with self._lock:
                self._loading = False
            self.ready.set()

    def _read_file(self) -> tuple[dict[str, _Doc], int]:
        docs: dict[str, _Doc] = {}
        lines = 0
        try:
            handle = self.index_file.open(encoding="utf-8")
        except OSError:
            return docs, 0
        with handle:
            header = handle.readline()
            try:
                if json.loads(header).get("version") != INDEX_VERSION:
                    return {}, 0
            except SHAPE_ERRORS:
                return {}, 0
            for line in handle:
                lines += 1
                session_id = None
                try:
                    data = json.loads(line)
                    session_id = data["id"]
                    if data.get("deleted"):
                        docs.pop(session_id, None)
                        continue
                    texts = {str(i): str(t) for i, t in data["m"]}
                    if data.get("delta"):
                        base = docs.get(session_id)
                        if base is None:
                            continue  # nothing to apply it to: the session is re-read
                        texts = {**base.texts(), **texts}
                        order = [str(i) for i in data["order"]]
                    else:
                        order = list(texts)
                    docs[session_id] = _Doc.build(
                        session_id,
                        single_line(str(data["title"])),
                        float(data["updated_at"]),
                        int(data["mtime_ns"]),
                        int(data["size"]),
                        ((i, texts.get(i, "")) for i in order),
                        folded=True,
                    )
                except SHAPE_ERRORS:
                    # A torn last line (a crash mid-append): that session is re-read.
                    if isinstance(session_id, str):
                        docs.pop(session_id, None)
                    continue
        return docs, lines

    def _read_session(self, path: Path, session_id: str) -> _Doc | None:
        try:
            info = path.stat()
            data = read_json(path)
        except (OSError, UnreadableFile):
            return None
        if not isinstance(data, dict):
            return None
        return self._doc_from_dict(session_id, data, info.st_mtime_ns, info.st_size)

    @staticmethod
    def _doc_from_dict(session_id: str, data: dict[str, Any], mtime_ns: int, size: int) -> _Doc:
        title = data.get("title")
        updated = data.get("updated_at")
        return _Doc.build(
            session_id,
            single_line(title) if isinstance(title, str) else "",
            float(updated) if isinstance(updated, int | float) else 0.0,
            mtime_ns,
            size,
            messages_of(data),
        )

    # -- updating --------------------------------------------------------------------------

    def update(self, session_id: str, data: dict[str, Any], mtime_ns: int, size: int) -> None:
        """The session file was just written with `data` (a session dict)."""
        doc = self._doc_from_dict(session_id, data, mtime_ns, size)
        with self._lock:
            old = self._docs.get(session_id)
            self._docs[session_id] = doc
            self._touched.add(session_id)
            self._note_change(session_id, old, doc)
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def _note_change(self, session_id: str, old: _Doc | None, new: _Doc) -> None:
        """Add what changed between `old` and `new` to what the next flush writes (None:
        the whole session, when there is nothing to compare with)."""
        pending = self._pending.get(session_id, set())
        if pending is None:
            return  # the whole session is written anyway
        if old is None:
            self._pending[session_id] = None
            return
        before = old.texts()
        changed = {i for i, text in new.texts().items() if before.get(i) != text}
        self._pending[session_id] = pending | changed

    def refresh(self, session_id: str) -> None:
        """Read one session file again (e.g. after it was restored from the trash)."""
        doc = self._read_session(self.sessions_dir / f"{session_id}.json", session_id)
        if doc is None:
            self.remove(session_id)
            return
        with self._lock:
            self._docs[session_id] = doc
            self._touched.add(session_id)
            self._pending[session_id] = None
        self.flush()

    def remove(self, session_id: str) -> None:
        with self._lock:
            self._docs.pop(session_id, None)
            self._touched.add(session_id)
            self._pending[session_id] = None
        self.flush()

    def flush(self) -> None:
        """Append the lines of the sessions updated since the last flush."""
        with self._lock:
            pending, self._pending = self._pending, {}
            docs = [(sid, self._docs.get(sid), changed) for sid, changed in pending.items()]
            live = sum(doc.live_bytes() for doc in self._docs.values())
        self._last_flush = time.monotonic()
        with self._file_lock:
            in_file = set(self._in_file)
        lines = []
        for sid, doc, changed in docs:
            if doc is None:
                lines.append(json.dumps({"id": sid, "deleted": True}))
                in_file.discard(sid)
            elif changed is not None and sid in in_file:
                lines.append(doc.to_line(changed))
            else:
                lines.append(doc.to_line())
                in_file.add(sid)
        if self._append(lines):
            with self._file_lock:
                self._in_file = in_file
        if self._file_bytes > 2 * live + COMPACT_SLACK_BYTES:
            self.compact()

    def _append(self, lines: list[str]) -> bool:
        """Append `lines`; False when they could not be (no file yet, a full disk)."""
        if not lines:
            return True
        text = "\n".join(lines) + "\n"
        with self._file_lock:
            if not self.index_file.exists():
                return False  # not built yet: `load` writes it whole
            self.stale_lines += len(lines)
            try:
                with open_private(self.index_file) as out:
                    out.write(text)
            except OSError:
                # A full disk: a torn line is skipped when read; the sessions changed since
                # the last good write are read again from their files at the next start.
                self._in_file.clear()
                return False
            self._file_bytes += len(text.encode("utf-8"))
            return True

    def compact(self) -> None:
        """Rewrite the file with one line per session."""
        with self._lock:
            docs = list(self._docs.values())
            self._pending.clear()
        # Line by line into a temporary file, then one rename: the whole text (often over a
        # hundred MB) is never held in memory at once.
        with self._file_lock, contextlib.suppress(OSError):  # the next load builds it again
            with atomic_text_writer(self.index_file) as out:
                out.write(json.dumps({"version": INDEX_VERSION}) + "\n")
                for doc in docs:
                    out.write(doc.to_line() + "\n")
            self.stale_lines = 0
            self._in_file = {doc.session_id for doc in docs}
            self._file_bytes = self.index_file.stat().st_size

    # -- searching -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
        """Sessions whose title or messages contain every term of `query` (case-folded
        substrings), title matches first, then newest first."""
        terms = normalize_query(query)
        if not terms:
            return []
        with self._lock:
            docs = list(self._docs.values())
        found: list[tuple[bool, _Doc, tuple[str | None, int, int]]] = []
        for doc in docs:
            where = doc.find(terms)
            if where is not None:
                in_title = all(term in doc.folded_title for term in terms)
                found.append((in_title, doc, where))
        found.sort(key=lambda item: (not item[0], -item[1].updated_at))
        hits: list[SearchHit] = []
        for _in_title, doc, (message_id, position, length) in found[:limit]:
            snippet = ""
            if message_id is not None:
                index, start, end = doc.window(position, length)
                snippet = self._snippet(doc, index, start, end)
            hits.append(SearchHit(doc.session_id, doc.title, message_id, snippet, doc.updated_at))
        return hits

    def _snippet(self, doc: _Doc, index: int, start: int, end: int) -> str:
        """The text around a match as the session file has it (the index only keeps it
        case-folded); the folded text when the file no longer matches."""
        folded = doc.message_text(index)
        text = folded
        original = self._original_text(doc.session_id, doc.message_ids[index])
        if original is not None:
            original = original.replace("\x00", "")
            if len(original) == len(folded) and normalize(original) == folded:
                text = original
        cut = one_line(text[start:end], SNIPPET_CHARS * 2)
        return ("…" if start > 0 else "") + cut + ("…" if end < len(text) else "")

    def _original_text(self, session_id: str, message_id: str) -> str | None:
        try:
            data = read_json(self.sessions_dir / f"{session_id}.json")
        except UnreadableFile:
            return None
        if not isinstance(data, dict):
            return None
        for found_id, text in messages_of(data):
            if found_id == message_id:
                return text
        return None
