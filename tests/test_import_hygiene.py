"""The domain never imports the UI, and the CLI starts without the heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

DOMAIN_MODULES = [
    "tui_chat.config",
    "tui_chat.config_writer",
    "tui_chat.config_watch",
    "tui_chat.keys",
    "tui_chat.models",
    "tui_chat.session",
    "tui_chat.store",
    "tui_chat.session_watch",
    "tui_chat.context",
    "tui_chat.sanitize",
    "tui_chat.paths",
    "tui_chat.atomic",
    "tui_chat.tokens",
    "tui_chat.timefmt",
    "tui_chat.settings",
    "tui_chat.providers",
    "tui_chat.providers.openai_compat",
    "tui_chat.providers.demo",
    "tui_chat.providers.think",
    "tui_chat.providers.errors",
    "tui_chat.providers.events",
    "tui_chat.providers.dialects",
]


def loaded_after_import(module: str, watched: list[str]) -> list[str]:
    """Import `module` in a fresh interpreter; return which of `watched` got loaded."""
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(n for n in {watched!r} if n in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    return out.split(",") if out else []


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_does_not_import_the_ui(module: str) -> None:
    assert loaded_after_import(module, ["textual", "rich"]) == []


def test_cli_imports_no_heavy_libraries() -> None:
    heavy = ["openai", "httpx", "httpx2", "textual", "rich"]
    assert loaded_after_import("tui_chat.cli", heavy) == []


def test_models_load_the_sdk_only_when_used() -> None:
    assert loaded_after_import("tui_chat.models", ["openai", "httpx", "httpx2"]) == []


def test_the_check_itself_sees_imports() -> None:
    """Guard against a vacuous pass: importing the app does load textual."""
    assert "textual" in loaded_after_import("tui_chat.app", ["textual"])
