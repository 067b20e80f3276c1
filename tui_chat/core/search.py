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
Folding and the text of one session (`SearchDoc`, where matches are found) are search_text.py.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.core.atomic import atomic_text_writer, make_private, open_private
from tui_chat.core.sanitize import single_line
from tui_chat.core.search_text import (
    SearchDoc,
    messages_of,
    normalize_query,
    original_text,
    snippet_at,
)
from tui_chat.core.store.files import scan_session_files
from tui_chat.core.store.json_files import CACHE_ERRORS, SHAPE_ERRORS, UnreadableFile, read_json

INDEX_VERSION = 3
"""3: messages are indexed as read, without Markdown markup (markdown_plain)."""
MAX_RESULTS = 200
"""Sessions listed at most."""
PER_SESSION = 20
"""Hits listed at most under one session."""
MAX_HITS = 400
"""Beyond this many hits in all, each further session lists only its first."""
FLUSH_SECONDS = 30.0
"""Updates are appended to the file at most this often (a streaming reply saves every 2 s)."""
COMPACT_SLACK_BYTES = 1_000_000
"""Stale bytes always allowed before a compaction (small files are not rewritten often)."""


@dataclass(frozen=True)
class SearchHit:
    """One match in a session: `message_id` None means the title matched (no snippet).
    The match is `snippet[match_start:match_end]`."""

    session_id: str
    title: str
    message_id: str | None
    snippet: str
    updated_at: float
    match_start: int = 0
    match_end: int = 0


class SearchIndex:
    """The search index of one sessions folder. Thread-safe: the store's writer thread
    updates it, a worker loads it, searches run in workers."""

    def __init__(self, index_file: Path, sessions_dir: Path) -> None:
        self.index_file = index_file
        self.sessions_dir = sessions_dir
        self._docs: dict[str, SearchDoc] = {}
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
            fresh: list[SearchDoc] = []
            present: dict[str, SearchDoc] = {}
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

    def _read_file(self) -> tuple[dict[str, SearchDoc], int]:
        docs: dict[str, SearchDoc] = {}
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
                    docs[session_id] = SearchDoc.build(
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

    def _read_session(self, path: Path, session_id: str) -> SearchDoc | None:
        try:
            info = path.stat()
            data = read_json(path)
        except (OSError, UnreadableFile):
            return None
        if not isinstance(data, dict):
            return None
        return self._doc_from_dict(session_id, data, info.st_mtime_ns, info.st_size)

    @staticmethod
    def _doc_from_dict(
        session_id: str, data: dict[str, Any], mtime_ns: int, size: int
    ) -> SearchDoc:
        title = data.get("title")
        updated = data.get("updated_at")
        return SearchDoc.build(
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

    def _note_change(self, session_id: str, old: SearchDoc | None, new: SearchDoc) -> None:
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
        """Every match of `query` (each term a case-folded substring; all in the title or
        in one message), grouped by session: sessions with a title match first, then
        newest first, at most `limit` of them and PER_SESSION hits each (one each once
        MAX_HITS are listed); in a session, hits in reading order."""
        terms = normalize_query(query)
        if not terms:
            return []
        with self._lock:
            docs = list(self._docs.values())
        found: list[tuple[bool, SearchDoc]] = []
        for doc in docs:
            if doc.find(terms) is not None:
                found.append((all(term in doc.folded_title for term in terms), doc))
        found.sort(key=lambda item: (not item[0], -item[1].updated_at))
        hits: list[SearchHit] = []
        for _in_title, doc in found[:limit]:
            wheres = doc.find_all(terms, PER_SESSION if len(hits) < MAX_HITS else 1)
            originals: dict[str, str | None] = {}
            data = self._session_data(doc.session_id) if wheres[0][0] is not None else None
            for message_id, position, length in wheres:
                if message_id is None:
                    hits.append(SearchHit(doc.session_id, doc.title, None, "", doc.updated_at))
                    continue
                if message_id not in originals:  # the file read once, each message once
                    originals[message_id] = original_text(data, message_id)
                snippet, start, end = snippet_at(doc, originals[message_id], position, length)
                hits.append(
                    SearchHit(
                        doc.session_id, doc.title, message_id, snippet, doc.updated_at, start, end
                    )
                )
        return hits

    def _session_data(self, session_id: str) -> dict[str, Any] | None:
        """A session file's data, to cut snippets from (None: unreadable)."""
        try:
            data = read_json(self.sessions_dir / f"{session_id}.json")
        except UnreadableFile:
            return None
        return data if isinstance(data, dict) else None


def first_per_session(hits: list[SearchHit]) -> list[SearchHit]:
    """The first hit of each session (where one line per session is shown)."""
    first: dict[str, SearchHit] = {}
    for hit in hits:
        first.setdefault(hit.session_id, hit)
    return list(first.values())
