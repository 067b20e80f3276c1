"""What the terminal can draw images with, found out once before the screen starts.

Once Textual runs, its input thread owns stdin: a terminal's answer to a query would reach
it as keys (or be lost), so the one round trip happens in the CLI just before `app.run()`.
It sends kitty's graphics query followed by DA1 (`ESC [ c`), kitty's documented trick: every
terminal answers DA1, so a DA1 answer with no graphics answer before it means no kitty
graphics; a `4` among DA1's parameters means sixel. A terminal that answers nothing ends the
wait after PROBE_SECONDS. The cell size in pixels comes from TIOCGWINSZ (no query).

Inside tmux the kitty query is wrapped for passthrough (it comes back only when
`allow-passthrough` is on) while tmux answers DA1 itself: `4` there means tmux draws sixel
(3.4+ built with sixel). textual-image sends kitty graphics unwrapped, so inside tmux they
cannot be used: half-blocks (or tmux's sixel) are shown, and `tmux_advice` says what would
draw sharper ones.
"""

from __future__ import annotations

import os
import re
import select
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

PROBE_SECONDS = 0.3
"""Longest wait for a terminal that never answers."""
DEFAULT_CELL = (10, 20)
"""Cell width and height in pixels when the terminal does not say (a VT340's, as
textual-image assumes)."""
KITTY_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
DA1_QUERY = "\x1b[c"
FORCED_MODES = ("kitty", "sixel", "halfblock")
OUTER_HINTS = ("KITTY_WINDOW_ID", "WEZTERM_PANE", "ITERM_SESSION_ID", "KONSOLE_VERSION")
"""Variables (kept from where the tmux server started) of terminals with sharp graphics."""

_KITTY_OK = re.compile(r"\x1b_Gi=31;OK\x1b\\")
_DA1 = re.compile(r"\x1b\[\?([0-9;]*)c")


@dataclass(frozen=True)
class TerminalGraphics:
    """How images are drawn in this run, and what the probe found. The app keeps one
    (`TuiChatApp.graphics`); widgets read it."""

    mode: str = "halfblock"
    """kitty, sixel, halfblock or off."""
    cell_width: int = DEFAULT_CELL[0]
    cell_height: int = DEFAULT_CELL[1]
    tmux: bool = False
    better_outside: bool = False
    """Inside tmux: the terminal outside could draw sharper images (it answered the
    passthrough kitty query, or its variables say it is one that draws kitty or sixel)."""
    probed: bool = False


@dataclass(frozen=True)
class ProbeAnswer:
    """What a terminal said to the kitty query and DA1."""

    kitty: bool
    sixel: bool
    da1: bool
    """DA1 was answered (so the answer is complete)."""


def parse_answers(data: str) -> ProbeAnswer:
    """Read the terminal's answers (whatever else was typed meanwhile is ignored)."""
    da1 = _DA1.search(data)
    sixel = da1 is not None and "4" in da1.group(1).split(";")
    return ProbeAnswer(kitty=_KITTY_OK.search(data) is not None, sixel=sixel, da1=da1 is not None)


def tmux_wrap(sequence: str) -> str:
    """`sequence` in tmux's passthrough envelope (each ESC doubled)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def probe_query(tmux: bool) -> str:
    """The kitty graphics query, then DA1 (which every terminal answers)."""
    return (tmux_wrap(KITTY_QUERY) if tmux else KITTY_QUERY) + DA1_QUERY


def ask_terminal(in_fd: int, out_fd: int, query: str, seconds: float = PROBE_SECONDS) -> str:
    """Send `query` and read the answers until DA1's or `seconds` passed, with echo and
    line buffering off meanwhile (restored after)."""
    import termios
    import tty

    saved = termios.tcgetattr(in_fd)
    received = ""
    try:
        tty.setcbreak(in_fd, termios.TCSANOW)
        os.write(out_fd, query.encode())
        deadline = time.monotonic() + seconds
        while not _DA1.search(received):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([in_fd], [], [], left)[0]:
                break
            chunk = os.read(in_fd, 1024)
            if not chunk:
                break
            received += chunk.decode("utf-8", "replace")
    finally:
        termios.tcsetattr(in_fd, termios.TCSANOW, saved)
    return received


def cell_pixels(fd: int) -> tuple[int, int] | None:
    """(width, height) of a cell in pixels from TIOCGWINSZ; None when it is not known."""
    import fcntl
    import termios

    try:
        packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return None
    rows, columns, width, height = struct.unpack("HHHH", packed)
    if not (rows and columns and width and height):
        return None
    return width // columns or DEFAULT_CELL[0], height // rows or DEFAULT_CELL[1]


def choose_mode(answer: ProbeAnswer, tmux: bool) -> str:
    """kitty when the terminal has kitty graphics (not usable through tmux), then sixel,
    else half-block cells."""
    if answer.kitty and not tmux:
        return "kitty"
    return "sixel" if answer.sixel else "halfblock"


def detect_graphics(
    display: str, environ: Mapping[str, str], stdin: IO[str] | None, stdout: IO[str] | None
) -> TerminalGraphics:
    """The graphics for `[images] display`: "off" and forced modes as they are (the cell
    size still read when stdout is a terminal); "auto" probes a real terminal (both ends a
    tty, TERM not dumb), half-blocks otherwise."""
    tmux = bool(environ.get("TMUX"))
    if display == "off":
        return TerminalGraphics(mode="off", tmux=tmux)
    out_fd = _tty_fd(stdout)
    cell = cell_pixels(out_fd) if out_fd is not None else None
    width, height = cell or DEFAULT_CELL
    if display in FORCED_MODES:
        return TerminalGraphics(display, width, height, tmux=tmux)
    in_fd = _tty_fd(stdin)
    if in_fd is None or out_fd is None or environ.get("TERM", "") in ("dumb", ""):
        return TerminalGraphics("halfblock", width, height, tmux=tmux)
    try:
        answer = parse_answers(ask_terminal(in_fd, out_fd, probe_query(tmux)))
    except OSError:
        return TerminalGraphics("halfblock", width, height, tmux=tmux)
    return TerminalGraphics(
        choose_mode(answer, tmux),
        width,
        height,
        tmux=tmux,
        better_outside=tmux and (answer.kitty or any(key in environ for key in OUTER_HINTS)),
        probed=True,
    )


def _tty_fd(stream: IO[str] | None) -> int | None:
    try:
        if stream is not None and stream.isatty():
            return stream.fileno()
    except (OSError, ValueError):
        return None
    return None


PASSTHROUGH_LINE = "set -g allow-passthrough on"
SIXEL_TMUX = "tmux 3.4 or later built with sixel (`tmux -V`; ./configure --enable-sixel)"


def tmux_advice(graphics: TerminalGraphics) -> str | None:
    """What to do inside tmux for sharper images, or None when nothing helps (outside
    tmux, images off, or tmux already draws sixel).

    tmux hands kitty graphics to the terminal only inside its passthrough envelope (with
    `allow-passthrough on`), and textual-image sends them without it, so kitty graphics
    are never drawn inside tmux: tmux's own sixel or half-block cells are."""
    if not graphics.tmux or graphics.mode == "off":
        return None
    if graphics.mode == "kitty":
        return (
            "Kitty graphics cannot be drawn inside tmux: tmux lets them through only in "
            f"its passthrough envelope (`{PASSTHROUGH_LINE}`), which the image library "
            'does not use. Set `display = "sixel"` under [images] (with '
            f'{SIXEL_TMUX}) or `display = "halfblock"`, or run tui-chat outside tmux.'
        )
    if graphics.mode == "sixel" and not graphics.probed:
        return f"Sixel inside tmux needs {SIXEL_TMUX}."
    if graphics.mode == "halfblock" and graphics.better_outside:
        return (
            "Images are drawn with half-block cells inside tmux. Your terminal can draw "
            f"sharper ones: run tui-chat outside tmux, or use {SIXEL_TMUX} in a sixel "
            "terminal. (Kitty graphics do not reach the terminal from inside tmux, even "
            f"with `{PASSTHROUGH_LINE}`.)"
        )
    return None
