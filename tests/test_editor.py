"""Editing text in $EDITOR through a temporary file, with fake editors."""

from __future__ import annotations

import stat
from pathlib import Path

from tui_chat.services.editor import edit_text, editor_command


def fake_editor(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_editor_command_prefers_visual_then_editor() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vim"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "nvim -u NONE"}) == ["nvim", "-u", "NONE"]
    assert editor_command({"EDITOR": "'unbalanced"}) == ["'unbalanced"]


def test_round_trip_replaces_the_text(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    editor = fake_editor(tmp_path, f'cp "$1" "{seen}"\nprintf "New text\\nline 2\\n" > "$1"\n')
    result = edit_text("Old 你好", [str(editor)])
    assert result.problem is None
    assert result.text == "New text\nline 2"  # the editor's final newline is dropped
    assert seen.read_text(encoding="utf-8") == "Old 你好"


def test_the_file_is_markdown_private_and_removed(tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    editor = fake_editor(tmp_path, f'echo "$1" > "{record}"\nstat -c %a "$1" >> "{record}"\n')
    edit_text("x", [str(editor)])
    name, mode = record.read_text().split()
    assert name.endswith(".md")
    assert mode == "600"
    assert not Path(name).exists()


def test_non_zero_exit_keeps_nothing(tmp_path: Path) -> None:
    editor = fake_editor(tmp_path, 'echo changed > "$1"\nexit 3\n')
    result = edit_text("Old", [str(editor)])
    assert result.text is None
    assert result.problem is not None and "status 3" in result.problem


def test_missing_editor(tmp_path: Path) -> None:
    result = edit_text("Old", [str(tmp_path / "no-such-editor")])
    assert result.text is None and "Cannot run" in (result.problem or "")
