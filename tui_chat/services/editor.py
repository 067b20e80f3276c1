"""Editing text in the user's editor ($VISUAL / $EDITOR) through a temporary file.

No UI here: the app suspends itself around `edit_text`, which blocks until the editor exits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FALLBACK_EDITORS = ("vi", "nano")


def editor_command(environ: Mapping[str, str] | None = None) -> list[str] | None:
    """$VISUAL or $EDITOR split into words, else vi or nano if installed; None if none."""
    env = os.environ if environ is None else environ
    for variable in ("VISUAL", "EDITOR"):
        value = env.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            if words:
                return words
    for fallback in FALLBACK_EDITORS:
        if shutil.which(fallback):
            return [fallback]
    return None


@dataclass(frozen=True)
class EditResult:
    """What came back from the editor: the new text, or why there is none."""

    text: str | None
    problem: str | None = None


def edit_text(text: str, command: list[str], suffix: str = ".md") -> EditResult:
    """Write `text` to a private temporary file, run `command FILE`, read the file back.

    The file is removed afterwards. A failing editor (cannot start, non-zero exit, file
    unreadable) gives `text=None` and a problem; the caller keeps the old text."""
    fd, name = tempfile.mkstemp(prefix="tui-chat-prompt-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            return EditResult(None, f"Cannot run {command[0]}: {exc.strerror or exc}")
        if result.returncode != 0:
            return EditResult(None, f"{command[0]} exited with status {result.returncode}.")
        try:
            edited = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return EditResult(None, f"Cannot read the edited text back: {exc}")
    finally:
        path.unlink(missing_ok=True)
    # Editors add a final newline; the prompt should not end with an empty line.
    if edited.endswith("\n") and not text.endswith("\n"):
        edited = edited[:-1]
        if edited.endswith("\r"):
            edited = edited[:-1]
    return EditResult(edited)
