"""Noticing session files that another process wrote or removed while the app runs
(`tui-chat import`, a second tui-chat, a sync tool), by polling like `config_watch` does.

Each poll is one `stat` of the sessions folder: creating, renaming or removing a file in it
changes its mtime (the app and `tui-chat import` write by renaming a temporary file). Only
then is the folder read, in a thread, and compared with what the summary index knows; only
new or changed files are read. How much is read depends on who changed the folder:

- the app did not write since the last poll: another process did; every file's (mtime,
  size) is checked (a `stat` each: about 0.1 s for 10,000 sessions);
- the app wrote (a streaming reply saves every few seconds): only the names are listed,
  which finds new and removed files; files rewritten under the same name wait for the
  full check that runs every FULL_SCAN_POLLS polls anyway (it also finds files rewritten
  in place, which leave the folder's mtime alone).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from tui_chat.config.watch import FileStamp, file_stamp
from tui_chat.core.store.files import scan_session_files
from tui_chat.core.store.session_store import SessionLoadError, SessionStore, SessionSummary

FULL_SCAN_POLLS = 15
"""Every file is checked at least every this many polls, even when the folder did not
change (30 s with the app's 2 s polls)."""
RACY_SECONDS = 2.0
"""A folder stamp this recent may hide a change made in the same clock tick (coarse mtimes):
the next poll looks again."""


@dataclass
class FolderChanges:
    """What a scan found that the app did not write itself."""

    summaries: list[SessionSummary] = field(default_factory=list)
    """Sessions whose files are new or changed, as the files say."""
    removed: list[str] = field(default_factory=list)
    """Sessions whose files are gone."""
    problems: list[SessionLoadError] = field(default_factory=list)
    """New or changed files that cannot be read (not listed; read again once they change)."""

    def __bool__(self) -> bool:
        return bool(self.summaries or self.removed or self.problems)


def _stamps(store: SessionStore, full: bool) -> dict[str, tuple[int, int] | None]:
    """Every session file of the folder, with its (mtime, size) when `full`, else None
    (names only: no `stat` per file)."""
    if full:
        return {
            session_id: (info.st_mtime_ns, info.st_size)
            for session_id, _path, info in scan_session_files(store.sessions_dir)
        }
    try:
        names = os.listdir(store.sessions_dir)
    except OSError:
        return {}
    return {n[:-5]: None for n in names if n.endswith(".json") and not n.startswith(".")}


def sync_folder(
    store: SessionStore,
    unreadable: dict[str, tuple[int, int]] | None = None,
    *,
    full: bool = True,
) -> FolderChanges:
    """Bring the store's summary and search indexes up to date with the session files and
    say what changed. `full`: check every file's (mtime, size); else only look for new and
    removed names. `unreadable`: files that could not be read, by id, with the (mtime,
    size) they had; kept up to date, and such a file is only read (and reported) again once
    it changes. Call in a thread."""
    changes = FolderChanges()
    bad = {} if unreadable is None else unreadable
    with store.listing_lock:
        known = store.known_files()
        on_disk = _stamps(store, full)
        for session_id, stamp in on_disk.items():
            if stamp is None:  # names only: a name the indexes know is not read
                if session_id in known or session_id in bad:
                    continue
            elif known.get(session_id) == stamp or bad.get(session_id) == stamp:
                continue
            try:
                changes.summaries.append(store.reread(session_id))
            except SessionLoadError as problem:
                if problem.problem != "the file is gone":  # removed while scanned
                    bad[session_id] = stamp or file_stamp_pair(problem) or (0, 0)
                    changes.problems.append(problem)
            else:
                bad.pop(session_id, None)
        for session_id in known.keys() - on_disk.keys():
            store.forget(session_id)
            changes.removed.append(session_id)
        for session_id in bad.keys() - on_disk.keys():
            del bad[session_id]
        if changes.summaries or changes.removed:
            store.flush_index()
    return changes


def file_stamp_pair(problem: SessionLoadError) -> tuple[int, int] | None:
    """(mtime, size) of the file a problem is about, None when it cannot be stat'ed."""
    stamp = file_stamp(problem.path)
    return (stamp.mtime_ns, stamp.size) if stamp is not None else None


class SessionFolderWatcher:
    """`due()` from a timer (one stat); when it says so, `scan()` in a thread, one at a
    time. The first scan reports no unreadable files: the start-up listing did."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.stamp: FileStamp | None = None
        """The folder as the last scan saw it (None: no folder)."""
        self.unreadable: dict[str, tuple[int, int]] = {}
        self._own_changes = store.own_changes
        self._scanned = False
        self._polls = 0
        self._racy = False
        self._full = True

    def due(self) -> bool:
        """True when a scan should run; it decides how much the scan reads."""
        self._polls += 1
        if not self._scanned or self._polls >= FULL_SCAN_POLLS:
            self._full = True
            return True
        if not self._racy and file_stamp(self.store.sessions_dir) == self.stamp:
            return False
        # Changed: by another process for sure when the app changed nothing meanwhile.
        self._full = self.store.own_changes == self._own_changes
        return True

    def scan(self) -> FolderChanges:
        first = not self._scanned
        full = self._full
        # Taken before scanning: a change during the scan shows up at the next poll.
        self._own_changes = self.store.own_changes
        stamp = file_stamp(self.store.sessions_dir)
        self._racy = stamp is not None and time.time_ns() - stamp.mtime_ns < RACY_SECONDS * 1e9
        if full:
            self._polls = 0
        changes = sync_folder(self.store, self.unreadable, full=full)
        self.stamp = stamp
        self._scanned = True
        if first:
            changes.problems.clear()
        return changes
