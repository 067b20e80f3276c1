"""The summary index: what the sidebar needs of every session, without parsing its file.

The index (`session-index.json` beside the sessions folder) caches each file's title, model
and time, keyed by the file's size and mtime, so listing thousands of sessions does not parse
thousands of files. It is only a cache: a missing or stale entry is rebuilt from the file.
Its first line is a head: the count and the sessions the sidebar shows first (pinned, then
the newest), so a start with thousands of sessions reads one short line before the first
screen and the rest after it (see `SummaryIndex.head`).
"""

from __future__ import annotations

import contextlib
import heapq
import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tui_chat.core.atomic import write_atomic
from tui_chat.core.sanitize import one_line, single_line
from tui_chat.core.session import NEW_SESSION_TITLE, TITLE_LENGTH, Session
from tui_chat.core.store.json_files import CACHE_ERRORS

INDEX_VERSION = 2
HEAD_SESSIONS = 100
"""Sessions kept in the index's first line (more than a tall sidebar shows)."""


@dataclass(frozen=True)
class SessionSummary:
    """What the sidebar needs of a session, without its messages."""

    id: str
    title: str
    model: str
    provider: str
    updated_at: float
    message_count: int
    pinned: bool = False

    @classmethod
    def of(cls, session: Session, pinned: bool = False) -> SessionSummary:
        return cls(
            id=session.id,
            title=session.title,
            model=session.model,
            provider=session.provider,
            updated_at=session.updated_at,
            message_count=len(session.messages),
            pinned=pinned,
        )

    @classmethod
    def of_snapshot(cls, session_id: str, snapshot: dict[str, Any]) -> SessionSummary:
        """The summary of a session file as the store just wrote it."""
        return cls(
            id=session_id,
            title=snapshot["title"],
            model=snapshot["model"],
            provider=snapshot["provider"],
            updated_at=snapshot["updated_at"],
            message_count=path_length(snapshot),
            pinned=bool(snapshot.get("pinned")),
        )

    @classmethod
    def from_index(cls, item: Any) -> SessionSummary:
        """A summary as the index file holds it. The file is input like any other: a value
        of the wrong type raises TypeError (the index is then rebuilt), text is cleaned."""
        if not isinstance(item, dict):
            raise TypeError("not an object")
        texts = [item[key] for key in ("id", "title", "model", "provider")]
        if not all(isinstance(text, str) for text in texts):
            raise TypeError("not text")
        session_id, title, model, provider = texts
        if not (title.isprintable() and len(title) <= TITLE_LENGTH):  # fast: 10,000 at start
            title = one_line(title, TITLE_LENGTH) or NEW_SESSION_TITLE
        return cls(
            id=session_id,
            title=title,
            model=model if model.isprintable() else single_line(model),
            provider=provider if provider.isprintable() else single_line(provider),
            updated_at=float(item["updated_at"]),
            message_count=int(item["message_count"]),
            pinned=item.get("pinned") is True,
        )

    def sort_key(self) -> tuple[bool, float]:
        """Pinned sessions first, then newest first."""
        return (not self.pinned, -self.updated_at)


@dataclass
class IndexEntry:
    """A summary and the stamp (mtime, size) of the file it was taken from."""

    summary: SessionSummary
    mtime_ns: int
    size: int


class SummaryIndex:
    """The summaries of one sessions folder by id, thread-safe, written back when changed.

    The file is read once, lazily, before the first listing or write (a write before any
    listing, e.g. `tui-chat import`, must not drop the other entries)."""

    def __init__(self, index_file: Path) -> None:
        self.index_file = index_file
        self._entries: dict[str, IndexEntry] = {}
        self._read = False
        self._dirty = False
        self._lock = threading.Lock()

    def ensure_read(self) -> None:
        """Read the index file once."""
        with self._lock:
            if self._read:
                return
            self._read = True
            self._entries = self._read_file()

    def _read_file(self) -> dict[str, IndexEntry]:
        try:
            data = read_index_file(self.index_file)
            if data.get("version") != INDEX_VERSION:
                return {}
            return {
                key: IndexEntry(
                    SessionSummary.from_index(value["summary"]), value["mtime_ns"], value["size"]
                )
                for key, value in data["entries"].items()
            }
        except CACHE_ERRORS:
            return {}  # a cache: rebuilt from the files

    def entries(self) -> dict[str, IndexEntry]:
        """A copy of every entry by id (one lock for a listing of thousands)."""
        with self._lock:
            return dict(self._entries)

    def get(self, session_id: str) -> IndexEntry | None:
        with self._lock:
            return self._entries.get(session_id)

    def put(self, session_id: str, summary: SessionSummary, mtime_ns: int, size: int) -> None:
        with self._lock:
            self._entries[session_id] = IndexEntry(summary, mtime_ns, size)
            self._dirty = True

    def pop(self, session_id: str) -> None:
        with self._lock:
            if self._entries.pop(session_id, None) is not None:
                self._dirty = True

    def replace_all(self, entries: dict[str, IndexEntry], changed: bool) -> None:
        """The entries of a full listing; `changed` when any was read from its file."""
        with self._lock:
            if changed or entries.keys() != self._entries.keys():
                self._dirty = True
            self._entries = entries

    def stamps(self) -> dict[str, tuple[int, int]]:
        """(mtime_ns, size) of each session file as the index last saw it."""
        with self._lock:
            return {key: (e.mtime_ns, e.size) for key, e in self._entries.items()}

    def head(self) -> tuple[list[SessionSummary], int]:
        """The first sessions of the sidebar (pinned, then newest) and how many sessions
        there are, read from the file's first line only. ([], 0) without a usable file."""
        try:
            with self.index_file.open(encoding="utf-8") as handle:
                head = json.loads(handle.readline())
            if head.get("version") != INDEX_VERSION:
                return [], 0
            return [SessionSummary.from_index(item) for item in head["head"]], int(head["count"])
        except CACHE_ERRORS:
            return [], 0

    def flush(self) -> None:
        """Write the index file if it changed."""
        with self._lock:
            if not self._dirty:
                return
            entries = list(self._entries.items())
        text = index_text(entries)
        with contextlib.suppress(OSError):
            write_atomic(self.index_file, text)
            self._dirty = False


def index_text(entries: Iterable[tuple[str, IndexEntry]]) -> str:
    """The index file: a head line (count, the sidebar's first sessions), then the entries."""
    entries = list(entries)
    # The sidebar's first sessions, in its order, without sorting all of them.
    first = heapq.nsmallest(
        HEAD_SESSIONS, (e.summary for _, e in entries), key=SessionSummary.sort_key
    )
    head = {
        "version": INDEX_VERSION,
        "count": len(entries),
        "head": [asdict(summary) for summary in first],
    }
    data = {
        "entries": {
            key: {"summary": asdict(e.summary), "mtime_ns": e.mtime_ns, "size": e.size}
            for key, e in entries
        },
    }
    return json.dumps(head, ensure_ascii=False) + "\n" + json.dumps(data, ensure_ascii=False) + "\n"


def read_index_file(path: Path) -> dict[str, Any]:
    """The whole index file as one document: its head's keys and `entries`."""
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.loads(handle.readline())
        document.update(json.loads(handle.readline()))
    return document


def path_length(snapshot: dict[str, Any]) -> int:
    """How many messages the current path of a session snapshot has (the file keeps every
    branch; the sidebar counts what the user sees, as `SessionSummary.of` does)."""
    parents = {m["id"]: m.get("parent_id") for m in snapshot["messages"]}
    count, node, seen = 0, snapshot.get("current"), set()
    while node in parents and node not in seen:
        seen.add(node)
        count += 1
        node = parents[node]
    return count
