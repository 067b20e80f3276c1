"""Test helpers for config files: one way to write one (private, as the app expects), and
a minimal provider table to build on."""

from __future__ import annotations

import os
from pathlib import Path

PROVIDER = '[providers.local]\nbase_url = "http://localhost:8000/v1"\nmodels = ["m1"]\n'


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    """Write `tmp_path/config.toml` with `text` and these permission bits; its path."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def problems_of(tmp_path: Path, text: str) -> list[tuple[int | None, str, bool]]:
    """(line, text, is a warning) of each problem `config check` would list for `text`,
    whether the config loads or not."""
    from tui_chat.config.model import ConfigError
    from tui_chat.config.parse import load_config

    try:
        config = load_config(write(tmp_path, text))
    except ConfigError as error:
        found = error.problems
    else:
        found = config.problems
    return [(p.line, p.text, p.warning) for p in found]
