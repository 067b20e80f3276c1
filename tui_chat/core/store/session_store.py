"""One JSON file per session, written atomically, listed through a small summary index.

The index (`session-index.json` beside the sessions folder) caches each file's title, model
and time, keyed by the file's size and mtime, so listing thousands of sessions does not parse
thousands of files. It is only a cache: a missing or stale entry is rebuilt from the file.
Its first line is a head: the count and the sessions the sidebar shows first (pinned, then
the newest), so a start with thousands of sessions reads one short line before the first
screen and the rest after it (see `index_head`).

Every write also updates the search index (`search_index.py`); deleting moves the file to the
trash (`trash.py`). A few keys of a session file belong to the store rather than to `Session`
(`STORE_KEYS`: pinned, where it was imported from); they are kept across saves.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from tui_chat.config.watch import FileStamp, stamp_of
from tui_chat.core.atomic import write_atomic
from tui_chat.core.sanitize import one_line, single_line
from tui_chat.core.search import SearchIndex
from tui_chat.core.session import NEW_SESSION_TITLE, TITLE_LENGTH, Session, now
from tui_chat.core.store.files import scan_session_files
from tui_chat.core.store.json_files import (
    CACHE_ERRORS,
    SHAPE_ERRORS,
    UnreadableFile,
    problem_of,
    read_json,
)
from tui_chat.core.store.merge import MergeReport, merge_snapshots
from tui_chat.core.store.peek import peek_session
from tui_chat.core.store.trash import Trash

INDEX_VERSION = 2
HEAD_SESSIONS = 100
"""Sessions kept in the index's first line (more than a tall sidebar shows)."""
STORE_KEYS = ("pinned", "imported_from")
"""Top-level keys of a session file kept by the store, not by `Session`."""
COPY_SUFFIX = " (copy)"


class SessionIdError(Exception):
    """An id (or prefix) that names no session, or several; the message says which."""


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


@dataclass(frozen=True)
class SaveProblem:
    """A session whose last save failed: what went wrong. The store keeps what it could
    not write and tries again (`retry_unsaved`); the app shows a mark and asks before
    quitting while any is left."""

    session_id: str
    problem: str


@dataclass(frozen=True)
class StoreEvent:
    """Told to the store's listener, from the writer thread: a save merged in what another
    app window wrote (`merged`), failed (`problem`), or succeeded after failing (neither)."""

    session_id: str
    merged: MergeReport | None = None
    problem: str | None = None


@dataclass
class _IndexEntry:
    summary: SessionSummary
    mtime_ns: int
    size: int


class SessionStore:
    """Reads and writes the session files in one folder."""

    def __init__(
        self,
        sessions_dir: Path,
        index_file: Path,
        search_file: Path | None = None,
        trash_dir: Path | None = None,
    ) -> None:
        self.sessions_dir = sessions_dir
        self.index_file = index_file
        self.search = SearchIndex(
            search_file or sessions_dir.parent / "search-index.jsonl", sessions_dir
        )
        self.trash = Trash(trash_dir or sessions_dir.parent / "trash", sessions_dir)
        self._meta: dict[str, dict[str, Any]] = {}
        """The STORE_KEYS of each session read or written, by id."""
        self._meta_lock = threading.Lock()
        self._index: dict[str, _IndexEntry] = {}
        self._index_read = False
        self._index_dirty = False
        self._index_lock = threading.Lock()
        self.own_changes = 0
        """Counts the changes this store made to the sessions folder (writes, moves to and
        from the trash): a folder that changed while it did not was changed by another
        process (see `session_watch`)."""
        self.listing_lock = threading.Lock()
        """Held while the folder is listed or checked against the index (`list_sessions`,
        `session_watch.sync_folder`): one check at a time, none reading what another
        is still writing into the index."""
        # One writer thread: saves of the same session land in the order they were asked for.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="session-writer")
        # Two windows on one session: what this process last wrote or read of each file,
        # so a save can tell that another process wrote it meanwhile and merge (see
        # session_merge). Touched on the writer thread and in `_read`.
        self._bases: dict[str, dict[str, Any]] = {}
        """Our last snapshot of each session (as we wrote or read it, unmerged)."""
        self._stamps: dict[str, FileStamp] = {}
        """Each session file's stamp right after we wrote or read it: every atomic write
        makes a new inode, so it tells versions apart even within one mtime tick."""
        self._merged: dict[str, dict[str, Any]] = {}
        """Sessions whose file holds more than this window has: what we last wrote."""
        self._unsaved: dict[str, tuple[str, dict[str, Any]]] = {}
        """Sessions whose last save failed: the problem and the snapshot still to write."""
        self._unsaved_lock = threading.Lock()
        self.listener: Callable[[StoreEvent], None] | None = None
        """Called on the writer thread after a merge, a failed save or a recovered one; it
        must not block (the app posts a message)."""

    def path_for(self, session_id: str) -> Path:
        return self.sessions_dir / f"{session_id}.json"

    # -- listing ---------------------------------------------------------------------------

    def list_sessions(self) -> tuple[list[SessionSummary], list[SessionLoadError]]:
        """Every readable session, newest first, and the files that could not be read."""
        with self.listing_lock:
            return self._list_sessions()

    def _list_sessions(self) -> tuple[list[SessionSummary], list[SessionLoadError]]:
        self._ensure_index_read()
        problems: list[SessionLoadError] = []
        seen: dict[str, _IndexEntry] = {}
        for session_id, path, info in scan_session_files(self.sessions_dir):
            cached = self._index.get(session_id)
            if cached and cached.mtime_ns == info.st_mtime_ns and cached.size == info.st_size:
                seen[session_id] = cached
                continue
            try:
                summary = self._peek_summary(session_id, Path(path))
            except SessionLoadError as problem:
                problems.append(problem)
                continue
            seen[session_id] = _IndexEntry(summary, info.st_mtime_ns, info.st_size)
            self._index_dirty = True
        with self._index_lock:
            if seen.keys() != self._index.keys():
                self._index_dirty = True
            self._index = seen
        self.flush_index()
        # Newest first (the newest opens at start); the sidebar puts pinned ones first.
        summaries = sorted(
            (entry.summary for entry in seen.values()), key=lambda s: s.updated_at, reverse=True
        )
        return summaries, problems

    def _peek_summary(self, session_id: str, path: Path) -> SessionSummary:
        """The summary of a file the index has no fresh entry for: read cheaply from a big
        file (see session_peek), else from the whole file parsed. Raises SessionLoadError."""
        try:
            peeked = peek_session(path)
        except OSError:
            peeked = None  # `_read` says what is wrong
        if peeked is None:
            return SessionSummary.of(self._read(path), self.is_pinned(session_id))
        meta = {key: peeked.keys[key] for key in STORE_KEYS if peeked.keys.get(key)}
        with self._meta_lock:
            self._meta[session_id] = meta
        summary = SessionSummary.of(peeked.session, bool(meta.get("pinned")))
        return replace(summary, id=session_id, message_count=peeked.path_length)

    def index_head(self) -> tuple[list[SessionSummary], int]:
        """The first sessions of the sidebar (pinned, then newest) and how many sessions
        there are, as the index last saw them: read from its first line only, the files
        not checked (`list_sessions` does both). ([], 0) without a usable index."""
        try:
            with self.index_file.open(encoding="utf-8") as handle:
                head = json.loads(handle.readline())
            if head.get("version") != INDEX_VERSION:
                return [], 0
            return [SessionSummary.from_index(item) for item in head["head"]], int(head["count"])
        except CACHE_ERRORS:
            return [], 0

    def _ensure_index_read(self) -> None:
        """Read the summary index file once, before the first listing or write (a write
        before any listing, e.g. `tui-chat import`, must not drop the other entries)."""
        with self._index_lock:
            if self._index_read:
                return
            self._index_read = True
            self._read_index()

    def _read_index(self) -> None:
        try:
            data = read_index_file(self.index_file)
            if data.get("version") != INDEX_VERSION:
                return
            self._index = {
                key: _IndexEntry(
                    SessionSummary.from_index(value["summary"]), value["mtime_ns"], value["size"]
                )
                for key, value in data["entries"].items()
            }
        except CACHE_ERRORS:
            self._index = {}  # a cache: rebuilt from the files

    def flush_index(self) -> None:
        """Write the summary index if it changed."""
        with self._index_lock:
            if not self._index_dirty:
                return
            entries = list(self._index.items())
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
        text = json.dumps(head, ensure_ascii=False) + "\n" + json.dumps(data, ensure_ascii=False)
        with contextlib.suppress(OSError):
            write_atomic(self.index_file, text + "\n")
            self._index_dirty = False

    def known_files(self) -> dict[str, tuple[int, int]]:
        """(mtime_ns, size) of each session file as the summary index last saw it."""
        self._ensure_index_read()
        with self._index_lock:
            return {key: (e.mtime_ns, e.size) for key, e in self._index.items()}

    def reread(self, session_id: str) -> SessionSummary:
        """Read a session file another process wrote, or one just restored from the trash
        (SessionLoadError when it cannot): its summary, with the summary and search indexes
        brought up to date."""
        path = self.path_for(session_id)
        try:
            info = path.stat()  # before reading: a later write differs from it
        except OSError as exc:
            raise SessionLoadError(path, "the file is gone") from exc
        session = self._read(path)
        summary = SessionSummary.of(session, self.is_pinned(session_id))
        with self._index_lock:
            self._index[session_id] = _IndexEntry(summary, info.st_mtime_ns, info.st_size)
            self._index_dirty = True
        self.search.refresh(session_id)
        return summary

    def forget(self, session_id: str) -> None:
        """A session file another process removed: out of the summary and search indexes."""
        with self._index_lock:
            if self._index.pop(session_id, None) is not None:
                self._index_dirty = True
        self.search.remove(session_id)

    # -- reading ---------------------------------------------------------------------------

    def load(self, session_id: str) -> Session:
        return self._read(self.path_for(session_id))

    def _read(self, path: Path) -> Session:
        try:
            info = path.stat()
        except FileNotFoundError as exc:
            raise SessionLoadError(path, "the file is gone") from exc
        except OSError as exc:
            raise SessionLoadError(path, f"cannot read it ({exc.strerror})") from exc
        try:
            data = read_json(path)
        except UnreadableFile as exc:
            raise SessionLoadError(path, exc.problem) from exc
        try:
            session = Session.from_dict(data)
        except SHAPE_ERRORS as exc:  # whatever a hand-edited or hostile file makes it raise
            raise SessionLoadError(
                path, f"it is not a tui-chat session ({problem_of(exc)})"
            ) from exc
        if session.id != path.stem:
            session.id = path.stem  # the file name is the identity
        meta = {key: data[key] for key in STORE_KEYS if data.get(key)}
        with self._meta_lock:
            self._meta[session.id] = meta
        if session.id == path.stem and path.parent == self.sessions_dir:
            with self._unsaved_lock:
                if session.id not in self._unsaved:  # an unsaved snapshot is newer
                    self._bases[session.id] = data
                    self._stamps[session.id] = stamp_of(info)
                    self._merged.pop(session.id, None)
        return session

    def resolve_id(self, prefix: str) -> str:
        """The id of the one saved session whose id is or starts with `prefix`."""
        prefix = prefix.strip()
        if not prefix:
            raise SessionIdError("No session id given.")
        if self.path_for(prefix).is_file():
            return prefix
        try:
            names = [p.stem for p in self.sessions_dir.glob("*.json")]
        except OSError:
            names = []
        matches = sorted(n for n in names if n.startswith(prefix) and not n.startswith("."))
        if not matches:
            raise SessionIdError(f"No session has an id starting with '{prefix}'.")
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (" …" if len(matches) > 10 else "")
            raise SessionIdError(
                f"'{prefix}' matches {len(matches)} sessions ({shown}); give more of the id."
            )
        return matches[0]

    def load_raw(self, session_id: str) -> dict[str, Any]:
        """A session file as parsed JSON (for exports of the whole file)."""
        path = self.path_for(session_id)
        try:
            data = read_json(path)
        except UnreadableFile as exc:
            raise SessionLoadError(path, exc.problem) from exc
        if not isinstance(data, dict):
            raise SessionLoadError(path, "it is not a tui-chat session")
        return data

    # -- store-held keys: pinned, imported_from ----------------------------------------------

    def meta(self, session_id: str) -> dict[str, Any]:
        with self._meta_lock:
            return dict(self._meta.get(session_id, {}))

    def set_meta(self, session_id: str, **values: Any) -> None:
        """Set store-held keys for the next save of `session_id` (a falsy value removes one)."""
        with self._meta_lock:
            meta = self._meta.setdefault(session_id, {})
            for key, value in values.items():
                if key not in STORE_KEYS:
                    raise KeyError(key)
                if value:
                    meta[key] = value
                else:
                    meta.pop(key, None)

    def is_pinned(self, session_id: str) -> bool:
        with self._meta_lock:
            return bool(self._meta.get(session_id, {}).get("pinned"))

    def set_pinned(self, session_id: str, pinned: bool) -> SessionSummary | None:
        """Pin or unpin a saved session: the key is written into its file (on the writer
        thread, after any pending save). None when the file does not exist."""
        self.set_meta(session_id, pinned=pinned)

        def rewrite() -> SessionSummary | None:
            path = self.path_for(session_id)
            try:
                data = read_json(path)
            except UnreadableFile:
                return None
            if not isinstance(data, dict):
                return None
            data.pop("pinned", None)
            if pinned:
                data["pinned"] = True
            return self._write(session_id, data, from_disk=True)

        return self._on_writer(rewrite)

    # -- delete, restore, duplicate ----------------------------------------------------------

    def trash_session(self, session_id: str) -> bool:
        """Move a session's file to the trash (after pending saves); False if it had none."""
        self._ensure_index_read()
        self.own_changes += 1
        moved = self._on_writer(lambda: self.trash.move_in(session_id))
        with self._index_lock:
            if self._index.pop(session_id, None) is not None:
                self._index_dirty = True
        self.search.remove(session_id)
        return bool(moved)

    def restore_session(self, session_id: str) -> SessionSummary:
        """Move a session back from the trash and return its summary; raises TrashError,
        or SessionLoadError when the restored file cannot be read (it stays restored)."""
        self._ensure_index_read()
        self.own_changes += 1
        self._on_writer(lambda: self.trash.restore(session_id))
        return self.reread(session_id)

    def duplicate(self, session: Session) -> Session:
        """A saved copy of `session` with a new id, titled "… (copy)"."""
        copy = Session.from_dict(session.to_dict())
        fresh = Session()
        copy.id = fresh.id
        base = session.title if session.title != NEW_SESSION_TITLE else "Chat"
        copy.title = base[: TITLE_LENGTH - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX
        copy.title_is_custom = True
        copy.created_at = copy.updated_at = now()
        self.save(copy)
        return copy

    def wait_for_writes(self) -> None:
        """Return once every save asked for so far is on disk."""
        self._on_writer(lambda: None)

    def _on_writer(self, job: Any) -> Any:
        """Run `job` on the writer thread (after pending saves) and wait for its result."""
        try:
            future = self._writer.submit(job)
        except RuntimeError:  # closed
            return job()
        return future.result()

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

    def snapshot(self, session: Session) -> dict[str, Any]:
        data = session.to_dict()
        data.update(self.meta(session.id))
        return data

    def _write(
        self, session_id: str, snapshot: dict[str, Any], from_disk: bool = False
    ) -> SessionSummary:
        """Write a snapshot (merged with what another window wrote since we last did);
        on failure remember it for `retry_unsaved`, tell the listener, and raise.

        `from_disk`: the snapshot is the file itself with a store key changed (pinning),
        not what this window holds: written as it is, and it does not become our base."""
        path = self.path_for(session_id)
        self.own_changes += 1
        try:
            if from_disk:
                written, report = snapshot, None
            else:
                written, report = self._merge_with_disk(session_id, path, snapshot)
            write_atomic(path, json.dumps(written, ensure_ascii=False, indent=1))
            info = path.stat()
        except OSError as exc:
            # The folder, not the temporary file the write failed in.
            problem = f"{exc.strerror or exc} in {path.parent}"
            with self._unsaved_lock:
                self._unsaved[session_id] = (problem, snapshot)
            self._tell(StoreEvent(session_id, problem=problem))
            raise
        with self._unsaved_lock:
            recovered = not from_disk and self._unsaved.pop(session_id, None) is not None
            self._stamps[session_id] = stamp_of(info)
            if from_disk:
                if session_id in self._bases:
                    self._merged[session_id] = written  # it may hold more than we do
            else:
                self._bases[session_id] = snapshot
                if report is not None and (report.changed or session_id in self._merged):
                    self._merged[session_id] = written
        if report is not None and report.changed:
            self._tell(StoreEvent(session_id, merged=report))
        elif recovered:
            self._tell(StoreEvent(session_id))
        self._ensure_index_read()
        summary = SessionSummary(
            id=session_id,
            title=written["title"],
            model=written["model"],
            provider=written["provider"],
            updated_at=written["updated_at"],
            message_count=path_length(written),
            pinned=bool(written.get("pinned")),
        )
        with self._index_lock:
            self._index[session_id] = _IndexEntry(summary, info.st_mtime_ns, info.st_size)
            self._index_dirty = True
        self.search.update(session_id, written, info.st_mtime_ns, info.st_size)
        return summary

    def _merge_with_disk(
        self, session_id: str, path: Path, snapshot: dict[str, Any]
    ) -> tuple[dict[str, Any], MergeReport | None]:
        """`snapshot`, or merged with the file when another process changed it since our
        last read or write (or when an earlier merge put more in it than we hold)."""
        with self._unsaved_lock:
            stamp = self._stamps.get(session_id)
            base = self._bases.get(session_id)
            theirs = self._merged.get(session_id)
        try:
            info = path.stat()
        except FileNotFoundError:
            return snapshot, None  # new, or deleted by another window: ours stands
        if stamp is None or stamp != stamp_of(info):
            if stamp is None and base is None:
                return snapshot, None  # a session this store never read (new, an import)
            try:
                on_disk = read_json(path)
            except UnreadableFile:
                on_disk = None  # unreadable: ours replaces it
            if isinstance(on_disk, dict):
                theirs = on_disk
        if theirs is None:
            return snapshot, None
        return merge_snapshots(base, snapshot, theirs)

    def _tell(self, event: StoreEvent) -> None:
        listener = self.listener
        if listener is not None:
            with contextlib.suppress(Exception):  # a listener's bug must not fail a save
                listener(event)

    # -- saves that failed -------------------------------------------------------------------

    def unsaved(self) -> list[SaveProblem]:
        """Sessions whose last save failed and that are not written yet."""
        with self._unsaved_lock:
            return [SaveProblem(sid, problem) for sid, (problem, _) in self._unsaved.items()]

    def refresh_unsaved(self, session: Session) -> None:
        """`session` changed in memory after its save failed (a message taken back into the
        prompt): the save still owed is of what it holds now."""
        snapshot = self.snapshot(session)
        with self._unsaved_lock:
            if session.id in self._unsaved:
                self._unsaved[session.id] = (self._unsaved[session.id][0], snapshot)

    def title_of(self, session_id: str) -> str | None:
        """The title a session has in memory if its save failed, else as last indexed."""
        with self._unsaved_lock:
            pending = self._unsaved.get(session_id)
        if pending is not None and isinstance(pending[1].get("title"), str):
            return str(pending[1]["title"])
        with self._index_lock:
            entry = self._index.get(session_id)
        return entry.summary.title if entry is not None else None

    def unsaved_snapshots(self) -> dict[str, dict[str, Any]]:
        """What each failed save should have written, by session id."""
        with self._unsaved_lock:
            return {sid: snapshot for sid, (_, snapshot) in self._unsaved.items()}

    def is_unsaved(self, session_id: str) -> bool:
        with self._unsaved_lock:
            return session_id in self._unsaved

    def retry_unsaved(self) -> list[SaveProblem]:
        """Try every failed save again (on the writer thread, after pending saves); what is
        still unsaved afterwards. Blocking: call it in a thread."""

        def retry() -> None:
            with self._unsaved_lock:
                pending = [(sid, snap) for sid, (_, snap) in self._unsaved.items()]
            for session_id, snapshot in pending:
                with contextlib.suppress(OSError):
                    self._write(session_id, snapshot)

        self._on_writer(retry)
        return self.unsaved()

    def close(self) -> None:
        """Finish pending writes and save the indexes."""
        self._writer.shutdown(wait=True)
        self.flush_index()
        self.search.flush()


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
