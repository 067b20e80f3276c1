"""One JSON file per session, written atomically, listed through a small summary index.

The index (`session-index.json` beside the sessions folder) caches each file's title, model
and time, keyed by the file's size and mtime, so listing thousands of sessions does not parse
thousands of files. It is only a cache: a missing or stale entry is rebuilt from the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tui_chat.atomic import write_atomic
from tui_chat.session import Session

INDEX_VERSION = 1


class SessionLoadError(Exception):
    """A session file that cannot be read, with the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path.name}: {problem}")


@dataclass(frozen=True)
class SessionSummary:
    """What the sidebar needs of a session, without its messages."""

    id: str
    title: str
    model: str
    provider: str
    updated_at: float
    message_count: int

    @classmethod
    def of(cls, session: Session) -> SessionSummary:
        return cls(
            id=session.id,
            title=session.title,
            model=session.model,
            provider=session.provider,
            updated_at=session.updated_at,
            message_count=len(session.messages),
        )


@dataclass
class _IndexEntry:
    summary: SessionSummary
    mtime_ns: int
    size: int


class SessionStore:
    """Reads and writes the session files in one folder."""

    def __init__(self, sessions_dir: Path, index_file: Path) -> None:
        self.sessions_dir = sessions_dir
        self.index_file = index_file
        self._index: dict[str, _IndexEntry] = {}
        self._index_dirty = False
        self._index_lock = threading.Lock()
        # One writer thread: saves of the same session land in the order they were asked for.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-writer")

    def path_for(self, session_id: str) -> Path:
        return self.sessions_dir / f"{session_id}.json"

    # -- listing ---------------------------------------------------------------------------

    def list_sessions(self) -> tuple[list[SessionSummary], list[SessionLoadError]]:
        """Every readable session, newest first, and the files that could not be read."""
        if not self._index:
            self._read_index()
        problems: list[SessionLoadError] = []
        seen: dict[str, _IndexEntry] = {}
        try:
            entries = list(os.scandir(self.sessions_dir))
        except FileNotFoundError:
            entries = []
        for entry in entries:
            name = entry.name
            if not name.endswith(".json") or name.startswith("."):
                continue
            session_id = name[:-5]
            try:
                info = entry.stat()
            except OSError:
                continue
            cached = self._index.get(session_id)
            if cached and cached.mtime_ns == info.st_mtime_ns and cached.size == info.st_size:
                seen[session_id] = cached
                continue
            try:
                session = self._read(Path(entry.path))
            except SessionLoadError as problem:
                problems.append(problem)
                continue
            seen[session_id] = _IndexEntry(
                SessionSummary.of(session), info.st_mtime_ns, info.st_size
            )
            self._index_dirty = True
        with self._index_lock:
            if seen.keys() != self._index.keys():
                self._index_dirty = True
            self._index = seen
        self.flush_index()
        summaries = sorted(
            (entry.summary for entry in seen.values()), key=lambda s: s.updated_at, reverse=True
        )
        return summaries, problems

    def _read_index(self) -> None:
        try:
            data = json.loads(self.index_file.read_text(encoding="utf-8"))
            if data.get("version") != INDEX_VERSION:
                return
            self._index = {
                key: _IndexEntry(
                    SessionSummary(**value["summary"]), value["mtime_ns"], value["size"]
                )
                for key, value in data["entries"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._index = {}  # a cache: rebuilt from the files

    def flush_index(self) -> None:
        """Write the summary index if it changed."""
        with self._index_lock:
            if not self._index_dirty:
                return
            data = {
                "version": INDEX_VERSION,
                "entries": {
                    key: {"summary": asdict(e.summary), "mtime_ns": e.mtime_ns, "size": e.size}
                    for key, e in self._index.items()
                },
            }
        with contextlib.suppress(OSError):
            write_atomic(self.index_file, json.dumps(data, ensure_ascii=False))
            self._index_dirty = False

    # -- reading ---------------------------------------------------------------------------

    def load(self, session_id: str) -> Session:
        return self._read(self.path_for(session_id))

    def _read(self, path: Path) -> Session:
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise SessionLoadError(path, "the file is gone") from exc
        except OSError as exc:
            raise SessionLoadError(path, f"cannot read it ({exc.strerror})") from exc
        try:
            data = json.loads(raw)
        except UnicodeDecodeError as exc:
            raise SessionLoadError(path, "it is not UTF-8 text") from exc
        except json.JSONDecodeError as exc:
            raise SessionLoadError(
                path, f"it is not valid JSON (line {exc.lineno}, column {exc.colno})"
            ) from exc
        try:
            session = Session.from_dict(data)
        except (ValueError, TypeError) as exc:
            raise SessionLoadError(path, f"it is not a tui-chat session ({exc})") from exc
        if session.id != path.stem:
            session.id = path.stem  # the file name is the identity
        return session

    # -- writing ---------------------------------------------------------------------------

    def save(self, session: Session) -> None:
        """Write the session now and wait for it; queued behind pending async saves, so an
        older snapshot can never land after this one."""
        snapshot = self.snapshot(session)
        try:
            future = self._writer.submit(self._write, session.id, snapshot)
        except RuntimeError:  # closed: nothing is pending any more
            self._write(session.id, snapshot)
        else:
            future.result()

    async def save_async(self, session: Session) -> None:
        """Snapshot the session here, write it on the writer thread, in call order."""
        snapshot = self.snapshot(session)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self._write, session.id, snapshot)

    @staticmethod
    def snapshot(session: Session) -> dict[str, Any]:
        return session.to_dict()

    def _write(self, session_id: str, snapshot: dict[str, Any]) -> None:
        path = self.path_for(session_id)
        write_atomic(path, json.dumps(snapshot, ensure_ascii=False, indent=1))
        info = path.stat()
        summary = SessionSummary(
            id=session_id,
            title=snapshot["title"],
            model=snapshot["model"],
            provider=snapshot["provider"],
            updated_at=snapshot["updated_at"],
            message_count=len(snapshot["messages"]),
        )
        with self._index_lock:
            self._index[session_id] = _IndexEntry(summary, info.st_mtime_ns, info.st_size)
            self._index_dirty = True

    def close(self) -> None:
        """Finish pending writes and save the index."""
        self._writer.shutdown(wait=True)
        self.flush_index()
