"""Opening an image file with the system's viewer (Enter on an image in the conversation).

`open` on macOS; `xdg-open` where a graphical session runs (DISPLAY or WAYLAND_DISPLAY);
none otherwise (a console, ssh without forwarding): the caller then says where the file is.
The viewer is started without a shell (a file name is an argument, never parsed), in its own
session with stdio on /dev/null (it can neither draw over the screen nor read keys), and a
daemon thread waits for it so it leaves no zombie.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path


def viewer_command(environ: Mapping[str, str], platform: str = sys.platform) -> list[str] | None:
    """The command that opens a file in the system viewer, or None where there is none."""
    path = environ.get("PATH")
    if platform == "darwin":
        found = shutil.which("open", path=path)
        return [found] if found else None
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return None
    found = shutil.which("xdg-open", path=path)
    return [found] if found else None


def open_in_viewer(
    file: Path, environ: Mapping[str, str], platform: str = sys.platform
) -> bool:
    """Start the viewer on `file`; False when there is no viewer or it cannot start."""
    command = viewer_command(environ, platform)
    if command is None:
        return False
    try:
        process = subprocess.Popen(
            [*command, str(file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=dict(environ),
        )
    except OSError:
        return False
    threading.Thread(target=process.wait, name="image viewer", daemon=True).start()
    return True
