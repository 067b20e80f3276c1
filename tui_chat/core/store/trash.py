"""Deleted sessions: moved to `trash/` in the data dir, restorable for 30 days, then removed.

A trashed file's mtime is set to when it was deleted, so the folder itself says how old
each deletion is; nothing else is kept. A session's generated images
(`<data>/images/<id>/`) go with it, to `trash/images/<id>/`, and come back or go for good
with it (core/store/image_files.py).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tui_chat.core.atomic import private_dir
from tui_chat.core.images import IMAGES_DIR
from tui_chat.core.sanitize import one_line
from tui_chat.core.session import TITLE_LENGTH
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.core.store.json_files import UnreadableFile, read_json

KEEP_DAYS = 30
KEEP_SECONDS = KEEP_DAYS * 24 * 3600


@dataclass(frozen=True)
class TrashedSession:
    """A session in the trash: enough to list it."""

    id: str
    title: str
    deleted_at: float
    message_count: int

    def expires_at(self) -> float:
        return self.deleted_at + KEEP_SECONDS

    def days_left(self, now: float) -> int:
        """Whole days, counting a started one, until it is removed: 30 right after the
        delete, 1 on its last day, 0 once it is due."""
        return max(0, math.ceil((self.expires_at() - now) / 86400))


class TrashError(Exception):
    """A move to or from the trash failed; the message says why, in plain words."""


class Trash:
    """The trash folder of one data dir."""

    def __init__(
        self, trash_dir: Path, sessions_dir: Path, images: ImageFiles | None = None
    ) -> None:
        self.trash_dir = trash_dir
        self.sessions_dir = sessions_dir
        self.images = images or ImageFiles(sessions_dir.parent)
        """The images folder of the data dir; trashed images go to `trash/images/`."""
        self.images_dir = trash_dir / IMAGES_DIR

    def path_for(self, session_id: str) -> Path:
        return self.trash_dir / f"{session_id}.json"

    def contains(self, session_id: str) -> bool:
        return self.path_for(session_id).exists()

    def move_in(self, session_id: str, now: float | None = None) -> bool:
        """Move a session file into the trash; False when there was no file (never saved)."""
        source = self.sessions_dir / f"{session_id}.json"
        target = self.path_for(session_id)
        try:
            private_dir(self.trash_dir)
            os.replace(source, target)
        except FileNotFoundError:
            # Never saved: no session to restore, but its images (if any) still go, to be
            # purged with the trash.
            self._move_images_in(session_id, time.time() if now is None else now)
            return False
        except OSError as exc:
            raise TrashError(f"Could not move {source.name} to the trash: {exc.strerror}") from exc
        stamp = time.time() if now is None else now
        with contextlib.suppress(OSError):
            os.utime(target, (stamp, stamp))
        self._move_images_in(session_id, stamp)
        return True

    def _move_images_in(self, session_id: str, stamp: float) -> None:
        """The session's images follow it. A move that fails leaves them in place, where
        the session finds them again when restored (the session file is in the trash)."""
        source = self.images.session_dir(session_id)
        if not source.is_dir():
            return
        target = self.images_dir / session_id
        try:
            private_dir(self.images_dir)
            if target.exists():
                shutil.rmtree(target)  # left by an earlier trashing of this id
            os.replace(source, target)
            os.utime(target, (stamp, stamp))
        except OSError:
            return

    def images_of(self, session_id: str) -> Path:
        """Where a trashed session's images are kept."""
        return self.images_dir / session_id

    def restore(self, session_id: str) -> None:
        """Move a trashed session back; refuses to replace a session file of the same id."""
        source = self.path_for(session_id)
        target = self.sessions_dir / f"{session_id}.json"
        if target.exists():
            raise TrashError(f"A session with the id {session_id} exists; it was not replaced.")
        # The images first: a purge running meanwhile never sees them without their session.
        images_back = self._move_images_out(session_id)
        try:
            private_dir(self.sessions_dir)
            os.replace(source, target)
        except OSError as exc:
            if images_back:
                with contextlib.suppress(OSError):
                    os.replace(self.images.session_dir(session_id), self.images_of(session_id))
            if isinstance(exc, FileNotFoundError):
                raise TrashError("That session is no longer in the trash.") from exc
            raise TrashError(f"Could not restore {source.name}: {exc.strerror}") from exc
        now = time.time()
        with contextlib.suppress(OSError):
            os.utime(target, (now, now))

    def _move_images_out(self, session_id: str) -> bool:
        """Move a trashed session's images back; whether they moved. A session folder of
        images already there (written meanwhile) is kept, and the trashed one with it."""
        source = self.images_of(session_id)
        target = self.images.session_dir(session_id)
        if not source.is_dir() or target.exists():
            return False
        try:
            private_dir(self.images.root)
            os.replace(source, target)
        except OSError as exc:
            raise TrashError(
                f"Could not restore the images of {session_id}: {exc.strerror}"
            ) from exc
        return True

    def list(self) -> list[TrashedSession]:
        """Trashed sessions, most recently deleted first (reads each file: the trash is
        small, and this runs when the user opens it)."""
        out: list[TrashedSession] = []
        try:
            entries = list(os.scandir(self.trash_dir))
        except OSError:
            return out
        for entry in entries:
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            if not entry.name.isprintable():
                continue  # not a name the app gives (see scan_session_files)
            try:
                deleted_at = entry.stat().st_mtime
                data = read_json(Path(entry.path))
            except (OSError, UnreadableFile):
                data, deleted_at = {}, 0.0
            title = data.get("title") if isinstance(data, dict) else None
            title = one_line(title, TITLE_LENGTH) if isinstance(title, str) else ""
            messages = data.get("messages") if isinstance(data, dict) else None
            out.append(
                TrashedSession(
                    id=entry.name[:-5],
                    title=title or "(unreadable file)",
                    deleted_at=deleted_at,
                    message_count=len(messages) if isinstance(messages, list) else 0,
                )
            )
        out.sort(key=lambda t: t.deleted_at, reverse=True)
        return out

    def purge(self, now: float | None = None) -> int:
        """Remove files deleted more than KEEP_DAYS ago; how many were removed."""
        limit = (time.time() if now is None else now) - KEEP_SECONDS
        removed = 0
        try:
            entries = list(os.scandir(self.trash_dir))
        except OSError:
            return 0
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
        self._purge_images(limit)
        return removed

    def _purge_images(self, limit: float) -> None:
        """Remove the trashed images whose session is gone from the trash (purged, or
        deleted by hand), once they are as old as a purged session."""
        try:
            folders = list(os.scandir(self.images_dir))
        except OSError:
            return
        for folder in folders:
            try:
                if self.contains(folder.name) or folder.stat().st_mtime >= limit:
                    continue
            except OSError:
                continue
            shutil.rmtree(folder.path, ignore_errors=True)
