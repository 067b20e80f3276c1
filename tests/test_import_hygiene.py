"""The domain never imports the UI, and the CLI starts without the heavy libraries."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

UI_PACKAGES = ("tui_chat.ui.",)
UI_MODULES = {
    "tui_chat.__main__",  # runs the app
    "tui_chat.ui",
}
"""Everything else in the package is domain: found, not listed, so a new module is checked
the day it is added."""


def domain_modules() -> list[str]:
    import tui_chat

    found = [m.name for m in pkgutil.walk_packages(tui_chat.__path__, "tui_chat.")]
    return sorted(
        name
        for name in found
        if name not in UI_MODULES and not name.startswith(UI_PACKAGES)
    )


DOMAIN_MODULES = domain_modules()


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
    assert loaded_after_import("tui_chat.providers.models", ["openai", "httpx", "httpx2"]) == []


def test_the_check_itself_sees_imports() -> None:
    """Guard against a vacuous pass: importing the app does load textual."""
    assert "textual" in loaded_after_import("tui_chat.ui.app", ["textual"])


def test_the_domain_is_most_of_the_package() -> None:
    """Guard against a discovery that finds nothing (a vacuous pass)."""
    assert len(DOMAIN_MODULES) > 40
    expected = {
        "tui_chat.core.store.session_store",
        "tui_chat.config.model",
        "tui_chat.providers.dialects",
    }
    assert expected <= set(DOMAIN_MODULES)
