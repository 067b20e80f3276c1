"""Noticing that the config file changed on disk, by polling its stat on a timer.

Polling (mtime, size, inode) is enough for a file people edit by hand and costs one `stat`
per tick; it also sees editors that save by writing a new file and renaming it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import load_config


@dataclass(frozen=True)
class FileStamp:
    """What `stat` says about a file, enough to tell that it was rewritten."""

    mtime_ns: int
    size: int
    inode: int


def stamp_of(st: os.stat_result) -> FileStamp:
    """The stamp of a `stat` result already taken."""
    return FileStamp(st.st_mtime_ns, st.st_size, st.st_ino)


def file_stamp(path: Path) -> FileStamp | None:
    """The file's stamp (following symlinks); None when it does not exist or cannot be
    stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return stamp_of(st)


def config_changed(path: Path, last: FileStamp | None) -> bool:
    """True when the file at `path` is not the one `last` describes (created, removed,
    rewritten)."""
    return file_stamp(path) != last


class ConfigWatcher:
    """Call `poll()` from a timer. It returns None while the file is unchanged; after a
    change, the reloaded Config, or the ConfigError that explains why it cannot be used, so
    the caller keeps its last good Config and shows the problem. Each change is reported
    once."""

    def __init__(self, path: Path) -> None:
        """Create it right after loading the config: the file as it is now counts as seen."""
        self.path = path
        self.stamp: FileStamp | None = file_stamp(path)

    def changed(self) -> bool:
        return config_changed(self.path, self.stamp)

    def poll(self) -> Config | ConfigError | None:
        stamp = file_stamp(self.path)
        if stamp == self.stamp:
            return None
        # Stamp before reading: a write during the read shows up at the next poll.
        self.stamp = stamp
        try:
            return load_config(self.path)
        except ConfigError as error:
            return error

    def acknowledge(self, stamp: FileStamp | None) -> None:
        """Treat the file with this stamp as seen: pass `Saved.stamp` after the app saved
        the file itself, so its own save is not reported as a change."""
        self.stamp = stamp
