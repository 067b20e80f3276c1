"""Copy (Alt+Y, Alt+C, the selection view): OSC 52 to the terminal, which may ignore it,
and a clipboard command (wl-copy, xclip, xsel, pbcopy) where one is on PATH; what the user
is told says which happened. The commands here are scripts in a temp dir on PATH."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import Script

from tui_chat.ui.render.probes import notifications

REPLY = "Some code:\n\n```python\nprint('hi')\n```\n"


def fake_command(folder: Path, name: str, body: str = 'cat > "$0.out"') -> Path:
    """A script called `name` that does `body` ($0.out: where it writes what it got)."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s" "$*" > "$0.args"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def notices(app: object) -> list[str]:
    return [str(n.message) for n in notifications(app)]


async def test_copy_uses_xclip_on_path_and_says_so(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    xclip = fake_command(tmp_path / "bin", "xclip")
    monkeypatch.setenv("PATH", f"{xclip.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    server.enqueue(Script(content=[REPLY]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Code please")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+y")
        said = f"Copied the reply ({len(REPLY)} characters) to the clipboard (with xclip)."
        await wait_until(pilot, lambda: said in notices(app))
        assert app.clipboard == REPLY  # sent as OSC 52 as well
        assert Path(f"{xclip}.out").read_text(encoding="utf-8") == REPLY
        assert Path(f"{xclip}.args").read_text() == "-selection clipboard"
        await pilot.press("alt+c")
        said = "Copied code block 1/1 (python 1 line) to the clipboard (with xclip)."
        await wait_until(pilot, lambda: said in notices(app))
        assert Path(f"{xclip}.out").read_text(encoding="utf-8") == "print('hi')\n"
        assert not any(n.startswith("Sent") for n in notices(app))


@pytest.mark.parametrize("in_tmux", [False, True])
async def test_without_a_command_copy_says_it_went_to_the_terminal(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, in_tmux: bool
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    if in_tmux:
        monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1234,0")
    server.enqueue(Script(content=["Plain words."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+y")
        await wait_until(pilot, lambda: any(n.startswith("Sent") for n in notices(app)))
        note = next(n for n in notices(app) if n.startswith("Sent"))
        assert note.startswith("Sent the reply (12 characters) to the terminal's clipboard")
        assert ("set -g set-clipboard on" in note) == in_tmux
        assert not any(n.startswith("Copied") for n in notices(app))
        assert app.clipboard == "Plain words."


def test_a_failing_or_stuck_command_is_passed_over(tmp_path: Path) -> None:
    from tui_chat.services.clipboard import copy_with_command

    folder = tmp_path / "bin"
    fake_command(folder, "wl-copy", "exec sleep 30")  # a display that never answers
    fake_command(folder, "xclip", "exit 1")  # "Error: Can't open display"
    xsel = fake_command(folder, "xsel")
    path = f"{folder}{os.pathsep}{os.environ['PATH']}"  # the scripts need cat and sleep
    environ = {"PATH": path, "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    assert copy_with_command("text 文字", environ, timeout=0.5) == "xsel"
    assert Path(f"{xsel}.out").read_text(encoding="utf-8") == "text 文字"
    assert Path(f"{xsel}.args").read_text() == "--clipboard --input"
    # Without a display only pbcopy would be tried; without any command, nothing is.
    assert copy_with_command("x", {"PATH": str(folder)}) is None
    assert copy_with_command("x", {"PATH": str(tmp_path / "empty"), "DISPLAY": ":0"}) is None
