"""read_file: one text file's contents, for the model to read.

The path is the model's: `~` is expanded and the path resolved (symlinks followed, relative
to the directory the app was started in) before the approval modal shows it, so the user
approves the file that will be read, not a spelling of it. The size is capped
(`[tools] read_file_max_bytes`): a bigger file gives its first bytes and a line saying so,
which is more use to the model than a refusal. Only text: directories, binary files (a NUL
byte, or not UTF-8) and missing files give a sentence the model can act on. The read runs
in a thread, so a slow disk or network mount never stalls the screen."""

from __future__ import annotations

import asyncio
import codecs
import os
import stat
from pathlib import Path
from typing import Any

from tui_chat.tools.base import ToolDefaults, ToolOutcome, ToolSpec, pretty_arguments

SPEC = ToolSpec(
    name="read_file",
    label="read_file",
    description=(
        "Read a UTF-8 text file on the user's computer and return its contents. `~` is the "
        "user's home; a relative path is taken from the directory the app runs in. Large "
        "files are cut."
    ),
    parameters={
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file's path, e.g. ~/notes/todo.md"},
        },
        "required": ["path"],
        "additionalProperties": False,
    },
)


def resolved_path(arguments: dict[str, Any]) -> Path | None:
    """The file a call would read, or None when its `path` is not a usable string."""
    path = arguments.get("path")
    if not isinstance(path, str) or not path.strip() or "\x00" in path:
        return None
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def read_text(path: Path, max_bytes: int) -> ToolOutcome:
    """The file's text, its first `max_bytes` bytes when bigger (blocking: run it in a
    thread)."""
    try:
        # Non-blocking open, then a look at what it is: a FIFO or a device would otherwise
        # block the thread (or never end) before anything could say no.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return ToolOutcome(f"There is no file {path}.", ok=False)
    except IsADirectoryError:
        return ToolOutcome(f"{path} is a directory, not a file.", ok=False)
    except PermissionError:
        return ToolOutcome(f"{path} cannot be read: permission denied.", ok=False)
    except OSError as error:
        return ToolOutcome(f"{path} cannot be read: {error.strerror or error}.", ok=False)
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        if stat.S_ISDIR(status.st_mode):
            return ToolOutcome(f"{path} is a directory, not a file.", ok=False)
        return ToolOutcome(f"{path} is not a regular file: it is not read.", ok=False)
    size = status.st_size
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            return ToolOutcome(f"{path} cannot be read: {error.strerror or error}.", ok=False)
    cut = len(data) > max_bytes
    data = data[:max_bytes]
    if b"\x00" in data:
        return ToolOutcome(f"{path} is a binary file, not text: it is not read.", ok=False)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # A cut may fall inside a character: an unfinished one at the end is left out.
        text = decoder.decode(data, final=not cut)
    except UnicodeDecodeError:
        return ToolOutcome(f"{path} is not UTF-8 text (a binary file?): it is not read.", ok=False)
    if cut:
        total = max(size, len(data) + 1)
        text += (
            f"\n\n[cut: {path} has {total:,} bytes; these are the first {len(data):,} "
            "([tools] read_file_max_bytes)]"
        )
    return ToolOutcome(text)


class ReadFile(ToolDefaults):
    """The read_file tool; `max_bytes` is `[tools] read_file_max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(1, max_bytes)

    spec = SPEC

    def approval_text(self, arguments: dict[str, Any]) -> str:
        path = resolved_path(arguments)
        if path is None:
            return pretty_arguments(arguments)
        return f"read {path}"

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = resolved_path(arguments)
        if path is None:
            return ToolOutcome(
                'read_file needs {"path": "..."}: the path of a file, as a string.', ok=False
            )
        return await asyncio.to_thread(read_text, path, self.max_bytes)
