"""The session files of a folder, with their stat, as the caches (summary and search
indexes) check them: a file is known by its mtime and size."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def scan_session_files(sessions_dir: Path) -> Iterator[tuple[str, str, os.stat_result]]:
    """(session id, path, stat) of every `<id>.json` in `sessions_dir`; a missing folder
    has none, and a file that vanishes while listed is skipped, as is a name with control
    characters. The path is a string: a caller makes a `Path` only of a file it reads (with
    10,000 sessions, making one for each file took as long as the stat calls)."""
    try:
        entries = list(os.scandir(sessions_dir))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not name.endswith(".json") or name.startswith("."):
            continue
        if not name.isprintable():
            continue  # control characters: not a name the app gives, and not for the screen
        try:
            info = entry.stat()
        except OSError:
            continue
        yield name[:-5], entry.path, info


class SessionIdError(Exception):
    """An id (or prefix) that names no session, or several; the message says which."""


def resolve_session_id(sessions_dir: Path, prefix: str) -> str:
    """The id of the one session file in `sessions_dir` whose id is or starts with `prefix`
    (what a user types on the command line); SessionIdError names what is wrong."""
    prefix = prefix.strip()
    if not prefix:
        raise SessionIdError("No session id given.")
    if (sessions_dir / f"{prefix}.json").is_file():
        return prefix
    try:
        names = [p.stem for p in sessions_dir.glob("*.json")]
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
