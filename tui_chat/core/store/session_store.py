"""One JSON file per session, written atomically, listed through a small summary index.

The summary index is `summaries.py`; what this window last wrote of each file (to merge
with another window's writes) and the saves still owed after a failure are `ledger.py`.
All writes go through one writer thread, so saves of a session land in the order asked.

Every write also updates the search index (`search_index.py`); deleting moves the file to the
trash (`trash.py`). A few keys of a session file belong to the store rather than to `Session`
(`store_keys.py`: pinned, where it was imported from); they are kept across saves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tui_chat.config.watch import stamp_of
from tui_chat.core.atomic import write_atomic
from tui_chat.core.message import now
from tui_chat.core.session import NEW_SESSION_TITLE, TITLE_LENGTH, Session
from tui_chat.core.store.files import resolve_session_id, scan_session_files
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.core.store.json_files import (
    SHAPE_ERRORS,
    UnreadableFile,
    problem_of,
    read_json,
)
from tui_chat.core.store.ledger import SaveLedger, SaveProblem
from tui_chat.core.store.merge import MergeReport
from tui_chat.core.store.peek import peek_session
from tui_chat.core.store.store_keys import StoreKeys
from tui_chat.core.store.summaries import IndexEntry, SessionSummary, SummaryIndex
from tui_chat.core.store.trash import Trash

if TYPE_CHECKING:
    from tui_chat.core.search import SearchIndex

__all__ = [
    "SaveProblem",
    "SessionLoadError",
    "SessionStore",
    "SessionSummary",
    "StoreEvent",
]
"""`SessionSummary` and `SaveProblem` live beside the parts of the store that make them;
callers take them from here, with the store."""

T = TypeVar("T")
COPY_SUFFIX = " (copy)"


class SessionLoadError(Exception):
    """A session file that cannot be read, with the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path.name}: {problem}")


@dataclass(frozen=True)
class StoreEvent:
    """Told to the store's listener, from the writer thread: a save merged in what another
    app window wrote (`merged`), failed (`problem`), or succeeded after failing (neither)."""

    session_id: str
    merged: MergeReport | None = None
    problem: str | None = None


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
        self.summaries = SummaryIndex(index_file)
        self._search_file = search_file or sessions_dir.parent / "search-index.jsonl"
        self._search: SearchIndex | None = None
        self.images = ImageFiles(sessions_dir.parent)
        """Generated images (`<data>/images/<id>/`): trashed and restored with their session."""
        self.trash = Trash(trash_dir or sessions_dir.parent / "trash", sessions_dir, self.images)
        self.store_keys = StoreKeys()
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
        self._ledger = SaveLedger()
        """Two windows on one session, and failed saves: see ledger.py."""
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
        self.summaries.ensure_read()
        problems: list[SessionLoadError] = []
        seen: dict[str, IndexEntry] = {}
        changed = False
        known = self.summaries.entries()
        for session_id, path, info in scan_session_files(self.sessions_dir):
            cached = known.get(session_id)
            if cached and cached.mtime_ns == info.st_mtime_ns and cached.size == info.st_size:
                seen[session_id] = cached
                continue
            try:
                summary = self._peek_summary(session_id, Path(path))
            except SessionLoadError as problem:
                problems.append(problem)
                continue
            seen[session_id] = IndexEntry(summary, info.st_mtime_ns, info.st_size)
            changed = True
        self.summaries.replace_all(seen, changed)
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
        meta = self.store_keys.remember(session_id, peeked.keys)
        summary = SessionSummary.of(peeked.session, bool(meta.get("pinned")))
        return replace(summary, id=session_id, message_count=peeked.path_length)

    def index_head(self) -> tuple[list[SessionSummary], int]:
        """The first sessions of the sidebar (pinned, then newest) and how many sessions
        there are, as the index last saw them: read from its first line only, the files
        not checked (`list_sessions` does both). ([], 0) without a usable index."""
        return self.summaries.head()

    def flush_index(self) -> None:
        """Write the summary index if it changed."""
        self.summaries.flush()

    def known_files(self) -> dict[str, tuple[int, int]]:
        """(mtime_ns, size) of each session file as the summary index last saw it."""
        self.summaries.ensure_read()
        return self.summaries.stamps()

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
        self.summaries.put(session_id, summary, info.st_mtime_ns, info.st_size)
        self.search.refresh(session_id)
        return summary

    def forget(self, session_id: str) -> None:
        """A session file another process removed: out of the summary and search indexes."""
        self.summaries.pop(session_id)
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
        self.store_keys.remember(session.id, data)
        if session.id == path.stem and path.parent == self.sessions_dir:
            self._ledger.read(session.id, data, stamp_of(info))
        return session

    def resolve_id(self, prefix: str) -> str:
        """The id of the one saved session whose id is or starts with `prefix`."""
        return resolve_session_id(self.sessions_dir, prefix)

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
        return self.store_keys.of(session_id)

    def set_meta(self, session_id: str, **values: Any) -> None:
        """Set store-held keys for the next save of `session_id` (a falsy value removes one)."""
        self.store_keys.set(session_id, **values)

    def is_pinned(self, session_id: str) -> bool:
        return self.store_keys.is_pinned(session_id)

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
        self.summaries.ensure_read()
        self.own_changes += 1
        moved = self._on_writer(lambda: self.trash.move_in(session_id))
        self.summaries.pop(session_id)
        self.search.remove(session_id)
        return bool(moved)

    def restore_session(self, session_id: str) -> SessionSummary:
        """Move a session back from the trash and return its summary; raises TrashError,
        or SessionLoadError when the restored file cannot be read (it stays restored)."""
        self.summaries.ensure_read()
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
        for message in copy.all_messages():
            if message.images:
                message.images = self.images.copy_to(message.images, copy.id)
        self.save(copy)
        return copy

    def wait_for_writes(self) -> None:
        """Return once every save asked for so far is on disk."""
        self._on_writer(lambda: None)

    def _on_writer(self, job: Callable[[], T]) -> T:
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
                written, report = self._ledger.merge_with_disk(session_id, path, snapshot)
            write_atomic(path, json.dumps(written, ensure_ascii=False, indent=1))
            info = path.stat()
        except OSError as exc:
            # The folder, not the temporary file the write failed in.
            problem = f"{exc.strerror or exc} in {path.parent}"
            self._ledger.failed(session_id, problem, snapshot)
            self._tell(StoreEvent(session_id, problem=problem))
            raise
        recovered = self._ledger.wrote(
            session_id, snapshot, written, stamp_of(info), report, from_disk
        )
        if report is not None and report.changed:
            self._tell(StoreEvent(session_id, merged=report))
        elif recovered:
            self._tell(StoreEvent(session_id))
        self.summaries.ensure_read()
        summary = SessionSummary.of_snapshot(session_id, written)
        self.summaries.put(session_id, summary, info.st_mtime_ns, info.st_size)
        self.search.update(session_id, written, info.st_mtime_ns, info.st_size)
        return summary

    def _tell(self, event: StoreEvent) -> None:
        listener = self.listener
        if listener is not None:
            with contextlib.suppress(Exception):  # a listener's bug must not fail a save
                listener(event)

    # -- saves that failed -------------------------------------------------------------------

    def unsaved(self) -> list[SaveProblem]:
        """Sessions whose last save failed and that are not written yet."""
        return self._ledger.unsaved()

    def refresh_unsaved(self, session: Session) -> None:
        """`session` changed in memory after its save failed (a message taken back into the
        prompt): the save still owed is of what it holds now."""
        snapshot = self.snapshot(session)
        self._ledger.refresh(session.id, snapshot)

    def title_of(self, session_id: str) -> str | None:
        """The title a session has in memory if its save failed, else as last indexed."""
        owed = self._ledger.owed(session_id)
        if owed is not None and isinstance(owed.get("title"), str):
            return str(owed["title"])
        entry = self.summaries.get(session_id)
        return entry.summary.title if entry is not None else None

    def unsaved_snapshots(self) -> dict[str, dict[str, Any]]:
        """What each failed save should have written, by session id."""
        return self._ledger.snapshots()

    def is_unsaved(self, session_id: str) -> bool:
        return self._ledger.is_unsaved(session_id)

    def retry_unsaved(self) -> list[SaveProblem]:
        """Try every failed save again (on the writer thread, after pending saves); what is
        still unsaved afterwards. Blocking: call it in a thread."""

        def retry() -> None:
            for session_id, snapshot in self._ledger.snapshots().items():
                with contextlib.suppress(OSError):
                    self._write(session_id, snapshot)

        self._on_writer(retry)
        return self.unsaved()

    @property
    def search(self) -> SearchIndex:
        """The search index, made (and its module imported) when first used: the first
        screen lists sessions without it."""
        if self._search is None:
            from tui_chat.core.search import SearchIndex

            self._search = SearchIndex(self._search_file, self.sessions_dir)
        return self._search

    def close(self) -> None:
        """Finish pending writes and save the indexes."""
        self._writer.shutdown(wait=True)
        self.flush_index()
        if self._search is not None:
            self._search.flush()
