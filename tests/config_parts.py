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
