"""Copying text for the user: OSC 52 to the terminal, and a clipboard command as well.

OSC 52 asks the terminal to put text on the clipboard; it works over SSH, but a terminal
may ignore it (tmux does with its default `set-clipboard external`, and so do some
terminals), and the app cannot tell. So where a clipboard command is on PATH (wl-copy,
xclip, xsel, pbcopy) it is run too, off the event loop, with the text on stdin, and what
the user is told says which of the two happened.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

COMMAND_TIMEOUT = 3.0
"""Seconds a clipboard command may take (one waiting for a display that never answers)."""

COMMANDS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard"), "DISPLAY"),
    ("xsel", ("--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", (), None),
)
"""(command, arguments, the variable that says its display is there), in order of trial."""


def clipboard_commands(environ: Mapping[str, str] | None = None) -> list[list[str]]:
    """The clipboard commands on PATH whose display is there, as argument lists."""
    env = os.environ if environ is None else environ
    found = []
    for name, args, display in COMMANDS:
        if display is not None and not env.get(display):
            continue
        program = shutil.which(name, path=env.get("PATH"))
        if program is not None:
            found.append([program, *args])
    return found


def copy_with_command(
    text: str, environ: Mapping[str, str] | None = None, timeout: float = COMMAND_TIMEOUT
) -> str | None:
    """Put `text` on the clipboard with the first clipboard command that works; its name,
    or None when there is none or none worked. Blocks: run it in a thread."""
    for command in clipboard_commands(environ):
        try:
            done = subprocess.run(
                command,
                input=text.encode("utf-8"),
                # Not pipes: xclip and wl-copy stay behind to serve the clipboard, and
                # would keep a pipe (and this call) open.
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
                env=None if environ is None else dict(environ),
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return os.path.basename(command[0])
    return None


def copied_text(what: str, command: str | None, environ: Mapping[str, str] | None = None) -> str:
    """What to tell the user once `what` ("the reply (120 characters)") was copied."""
    if command is not None:
        return f"Copied {what} to the clipboard (with {command})."
    env = os.environ if environ is None else environ
    said = f"Sent {what} to the terminal's clipboard (OSC 52)"
    if env.get("TMUX"):
        return f"{said}; tmux passes it on only with `set -g set-clipboard on`."
    return f"{said}; a terminal that does not take OSC 52 ignores it."


def copy_text(app: App[Any], text: str, what: str) -> None:
    """Copy `text` for the user: OSC 52 at once, a clipboard command in a thread, then a
    note that says which of them did it."""
    app.copy_to_clipboard(text)

    async def also_with_a_command() -> None:
        command = await asyncio.to_thread(copy_with_command, text)
        app.notify(copied_text(what, command), timeout=4, markup=False)

    app.run_worker(also_with_a_command(), group="clipboard", exit_on_error=False)
