"""The probe of the terminal's graphics before the screen starts (parsing its answers, what
it decides, when it does not ask), the tmux advice, and which viewer opens an image."""

from __future__ import annotations

import io
import os
import pty
import threading
from pathlib import Path

import pytest

from tui_chat.services.image_viewer import viewer_command
from tui_chat.services.terminal_graphics import (
    DA1_QUERY,
    DEFAULT_CELL,
    KITTY_QUERY,
    PASSTHROUGH_LINE,
    TerminalGraphics,
    ask_terminal,
    choose_mode,
    detect_graphics,
    parse_answers,
    probe_query,
    tmux_advice,
)

KITTY_OK = "\x1b_Gi=31;OK\x1b\\"


def test_kitty_answer_then_da1_is_kitty() -> None:
    answer = parse_answers(KITTY_OK + "\x1b[?62;22c")
    assert (answer.kitty, answer.sixel, answer.da1) == (True, False, True)
    assert choose_mode(answer, tmux=False) == "kitty"


def test_da1_with_4_is_sixel() -> None:
    answer = parse_answers("\x1b[?63;1;2;4;6;9;15;22c")
    assert (answer.kitty, answer.sixel, answer.da1) == (False, True, True)
    assert choose_mode(answer, tmux=False) == "sixel"


def test_da1_alone_is_half_blocks_and_a_4_inside_a_number_is_not_sixel() -> None:
    answer = parse_answers("\x1b[?64;14;42c")
    assert (answer.kitty, answer.sixel, answer.da1) == (False, False, True)
    assert choose_mode(answer, tmux=False) == "halfblock"


def test_no_answer_is_half_blocks() -> None:
    answer = parse_answers("")
    assert (answer.kitty, answer.sixel, answer.da1) == (False, False, False)
    assert choose_mode(answer, tmux=False) == "halfblock"


def test_kitty_error_answer_is_not_kitty() -> None:
    answer = parse_answers("\x1b_Gi=31;ENOENT:no such\x1b\\\x1b[?62c")
    assert not answer.kitty and answer.da1


def test_inside_tmux_kitty_is_wrapped_and_not_used() -> None:
    query = probe_query(tmux=True)
    assert query.startswith("\x1bPtmux;\x1b\x1b_G") and query.endswith("\x1b\\" + DA1_QUERY)
    assert probe_query(tmux=False) == KITTY_QUERY + DA1_QUERY
    assert choose_mode(parse_answers(KITTY_OK + "\x1b[?62c"), tmux=True) == "halfblock"
    assert choose_mode(parse_answers("\x1b[?62;4c"), tmux=True) == "sixel"


def test_the_round_trip_on_a_real_pty() -> None:
    """What a terminal answers on the other end of a pty is read back, until DA1."""
    controller, terminal = pty.openpty()
    try:

        def answer() -> None:
            received = b""
            while not received.endswith(DA1_QUERY.encode()):
                received += os.read(controller, 1024)
            os.write(controller, (KITTY_OK + "\x1b[?62;4c").encode())

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        data = ask_terminal(terminal, terminal, probe_query(tmux=False), seconds=10)
        thread.join(5)
        assert parse_answers(data) == parse_answers(KITTY_OK + "\x1b[?62;4c")
    finally:
        os.close(controller)
        os.close(terminal)


def test_a_terminal_that_never_answers_ends_the_wait() -> None:
    controller, terminal = pty.openpty()
    try:
        assert ask_terminal(terminal, terminal, probe_query(tmux=False), seconds=0.05) == ""
    finally:
        os.close(controller)
        os.close(terminal)


class Unreadable(io.StringIO):
    """A stream that fails the test if anything reads or writes it (no probe)."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def fileno(self) -> int:
        raise AssertionError("the probe must not touch this stream")


@pytest.mark.parametrize(
    ("display", "environ", "tty", "mode"),
    [
        ("off", {"TERM": "xterm"}, True, "off"),
        ("auto", {"TERM": "xterm"}, False, "halfblock"),
        ("auto", {"TERM": "dumb"}, False, "halfblock"),
        ("sixel", {"TERM": "xterm"}, False, "sixel"),
        ("kitty", {"TERM": "xterm", "TMUX": "/tmp/tmux"}, False, "kitty"),
    ],
)
def test_when_nothing_is_asked(display: str, environ: dict[str, str], tty: bool, mode: str) -> None:
    graphics = detect_graphics(display, environ, Unreadable(tty), Unreadable(False))
    assert graphics.mode == mode and not graphics.probed
    assert (graphics.cell_width, graphics.cell_height) == DEFAULT_CELL
    assert graphics.tmux == ("TMUX" in environ)


def test_dumb_terminal_on_a_pty_is_not_asked() -> None:
    controller, terminal = pty.openpty()
    try:
        with open(terminal, "w", closefd=False) as stream:
            graphics = detect_graphics("auto", {"TERM": "dumb"}, stream, stream)
        assert graphics.mode == "halfblock" and not graphics.probed
    finally:
        os.close(controller)
        os.close(terminal)


def test_tmux_advice() -> None:
    assert tmux_advice(TerminalGraphics("kitty")) is None  # not in tmux
    assert tmux_advice(TerminalGraphics("off", tmux=True)) is None
    kitty = tmux_advice(TerminalGraphics("kitty", tmux=True))  # forced in tmux: never drawn
    assert kitty is not None and PASSTHROUGH_LINE in kitty and 'display = "sixel"' in kitty
    sixel = tmux_advice(TerminalGraphics("sixel", tmux=True))
    assert sixel is not None and "3.4" in sixel
    assert tmux_advice(TerminalGraphics("sixel", tmux=True, probed=True)) is None  # tmux draws
    assert tmux_advice(TerminalGraphics("halfblock", tmux=True)) is None  # nothing known better
    better = tmux_advice(TerminalGraphics("halfblock", tmux=True, better_outside=True))
    assert better is not None and "3.4" in better and "outside tmux" in better


def test_viewer_command(tmp_path: Path) -> None:
    for name in ("xdg-open", "open"):
        script = tmp_path / name
        script.write_text("#!/bin/sh\n", encoding="utf-8")
        script.chmod(0o755)
    path = str(tmp_path)
    assert viewer_command({"PATH": path, "DISPLAY": ":1"}, "linux") == [str(tmp_path / "xdg-open")]
    assert viewer_command({"PATH": path, "WAYLAND_DISPLAY": "w"}, "linux") is not None
    assert viewer_command({"PATH": path}, "linux") is None  # a console: no viewer
    assert viewer_command({"PATH": path}, "darwin") == [str(tmp_path / "open")]
    assert viewer_command({"PATH": str(tmp_path / "none"), "DISPLAY": ":1"}, "linux") is None


def test_textual_image_is_imported_without_asking_the_terminal() -> None:
    """On a real terminal, our import of textual-image sends no query (its sixel, kitty
    and cell-size queries would read stdin, which Textual owns) and keeps our cell size."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys\n"
        "from tui_chat.ui.render.image_backend import textual_image_widgets\n"
        "widgets = textual_image_widgets((9, 18))\n"
        "from textual_image.renderable import sixel\n"
        "print('cell', tuple(sixel.get_cell_size()), sys.__stdout__.isatty(), flush=True)\n"
    )
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=terminal,
            stdout=terminal,
            stderr=subprocess.PIPE,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the process ended and closed the terminal
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(60) == 0, process.stderr.read() if process.stderr else ""
    finally:
        os.close(controller)
    text = output.decode("utf-8", "replace")
    assert "cell (9, 18) True" in text
    assert "\x1b" not in text, repr(text)
