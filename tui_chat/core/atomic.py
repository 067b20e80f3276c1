"""Every file tui-chat writes goes through here: private (files 0600, folders 0700) whatever
the umask, since sessions, the search index, caches and logs all hold the user's messages.

Atomic writes: a temporary file in the same folder, flushed, then `os.replace`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO, cast

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` and its missing parents, each 0700 (as the XDG spec asks of folders an
    app creates). `mkdir(mode)` is cut down by the umask, hence the chmod. Folders that
    exist are left alone: the user may have chosen them."""
    missing: list[Path] = []
    folder = path
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # made meanwhile by another thread or process: not ours to change
        os.chmod(folder, DIR_MODE)
    return path


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` so that readers see the old file or the new one, never half.

    `mode` sets the permission bits of the new file; None: private (0600).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _atomic_file(path, "wb", FILE_MODE if mode is None else mode) as handle:
        handle.write(payload)


@contextlib.contextmanager
def atomic_text_writer(path: Path, mode: int = FILE_MODE) -> Iterator[TextIO]:
    """A text file to write line by line that replaces `path` when the block ends without an
    error (and is removed otherwise), for files too large to build in memory first."""
    with _atomic_file(path, "w", mode) as handle:
        yield cast(TextIO, handle)


@contextlib.contextmanager
def _atomic_file(path: Path, how: str, mode: int) -> Iterator[IO[Any]]:
    private_dir(path.parent)
    # mkstemp makes the file 0600 itself; the chmod gives the mode asked for exactly.
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, how, encoding=None if "b" in how else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def open_private(path: Path, exclusive: bool = False) -> TextIO:
    """`path` opened for appending (created 0600 in a private folder when missing), or
    created with `exclusive` and never opened when it exists (FileExistsError: O_EXCL never
    follows a link either). An existing file is made private too: one written by an older
    version may be readable by others."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_APPEND)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "w" if exclusive else "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def make_private(path: Path) -> None:
    """Take group and other permissions off an existing file the app owns (left by an older
    version); a missing file is fine."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, FILE_MODE)
