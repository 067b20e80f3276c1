"""What this window last wrote or read of each session file, and the saves it still owes.

Two windows on one session: the store keeps its last snapshot of each file (the base) and
the file's stamp right after it wrote or read it, so a save can tell that another process
wrote the file meanwhile and merge (see `merge.py`). A save that fails keeps its snapshot
here until `SessionStore.retry_unsaved` writes it. Touched on the writer thread and when a
file is read; every method takes the one lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.config.watch import FileStamp, stamp_of
from tui_chat.core.store.json_files import UnreadableFile, read_json
from tui_chat.core.store.merge import MergeReport, merge_snapshots


@dataclass(frozen=True)
class SaveProblem:
    """A session whose last save failed: what went wrong. The store keeps what it could
    not write and tries again (`retry_unsaved`); the app shows a mark and asks before
    quitting while any is left."""

    session_id: str
    problem: str


class SaveLedger:
    """Per session: our base snapshot, the file's stamp, what a merge put on disk, and the
    snapshot of a failed save."""

    def __init__(self) -> None:
        self._bases: dict[str, dict[str, Any]] = {}
        """Our last snapshot of each session (as we wrote or read it, unmerged)."""
        self._stamps: dict[str, FileStamp] = {}
        """Each session file's stamp right after we wrote or read it: every atomic write
        makes a new inode, so it tells versions apart even within one mtime tick."""
        self._merged: dict[str, dict[str, Any]] = {}
        """Sessions whose file holds more than this window has: what we last wrote."""
        self._unsaved: dict[str, tuple[str, dict[str, Any]]] = {}
        """Sessions whose last save failed: the problem and the snapshot still to write."""
        self._lock = threading.Lock()

    # -- reads and writes ------------------------------------------------------------------

    def read(self, session_id: str, data: dict[str, Any], stamp: FileStamp) -> None:
        """The file was just read: it is our base, unless an unsaved snapshot is newer."""
        with self._lock:
            if session_id not in self._unsaved:
                self._bases[session_id] = data
                self._stamps[session_id] = stamp
                self._merged.pop(session_id, None)

    def merge_with_disk(
        self, session_id: str, path: Path, snapshot: dict[str, Any]
    ) -> tuple[dict[str, Any], MergeReport | None]:
        """`snapshot`, or merged with the file when another process changed it since our
        last read or write (or when an earlier merge put more in it than we hold)."""
        with self._lock:
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

    def wrote(
        self,
        session_id: str,
        snapshot: dict[str, Any],
        written: dict[str, Any],
        stamp: FileStamp,
        report: MergeReport | None,
        from_disk: bool,
    ) -> bool:
        """A save landed: `written` is on disk (`snapshot` merged per `report`). True when
        it recovers a save that had failed.

        `from_disk`: the file itself with a store key changed (pinning), not what this
        window holds: it does not become our base."""
        with self._lock:
            recovered = not from_disk and self._unsaved.pop(session_id, None) is not None
            self._stamps[session_id] = stamp
            if from_disk:
                if session_id in self._bases:
                    self._merged[session_id] = written  # it may hold more than we do
            else:
                self._bases[session_id] = snapshot
                if report is not None and (report.changed or session_id in self._merged):
                    self._merged[session_id] = written
        return recovered

    def failed(self, session_id: str, problem: str, snapshot: dict[str, Any]) -> None:
        with self._lock:
            self._unsaved[session_id] = (problem, snapshot)

    # -- saves still owed ------------------------------------------------------------------

    def unsaved(self) -> list[SaveProblem]:
        with self._lock:
            return [SaveProblem(sid, problem) for sid, (problem, _) in self._unsaved.items()]

    def refresh(self, session_id: str, snapshot: dict[str, Any]) -> None:
        """The snapshot still owed for `session_id` (if any) is now `snapshot`."""
        with self._lock:
            if session_id in self._unsaved:
                self._unsaved[session_id] = (self._unsaved[session_id][0], snapshot)

    def owed(self, session_id: str) -> dict[str, Any] | None:
        """The snapshot a failed save of `session_id` should have written."""
        with self._lock:
            pending = self._unsaved.get(session_id)
        return pending[1] if pending is not None else None

    def snapshots(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {sid: snapshot for sid, (_, snapshot) in self._unsaved.items()}

    def is_unsaved(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._unsaved
