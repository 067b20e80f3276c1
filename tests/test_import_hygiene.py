"""The domain never imports the UI, and the CLI starts without the heavy libraries.

The import contract of the layers: every module outside tui_chat.ui (core, config,
providers, services, the CLI) is found by walking the package, imported alone in a fresh
interpreter, and must not load textual or rich. A failure names the module and the chain
of imports that loaded the UI library (read from `python -X importtime`)."""

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
        name for name in found if name not in UI_MODULES and not name.startswith(UI_PACKAGES)
    )


DOMAIN_MODULES = domain_modules()
DOMAIN_PACKAGES = (
    "tui_chat.core",
    "tui_chat.config",
    "tui_chat.providers",
    "tui_chat.services",
    "tui_chat.tools",
)
UI_LIBRARIES = ["textual", "rich"]


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


def import_chain(module: str, target: str) -> list[str]:
    """The chain of imports by which importing `module` first loads `target` (or one of its
    submodules): `module`, …, `target…`. Empty when it does not load it.

    `-X importtime` prints each import when it is done, indented by its depth, so the
    importers of a line are the next lines with less indent."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    imports: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        field = line.split("|", 2)[2][1:]
        name = field.strip()
        if name != "imported package":
            imports.append(((len(field) - len(field.lstrip(" "))) // 2, name))
    for index, (depth, name) in enumerate(imports):
        if name == target or name.startswith(target + "."):
            chain = [name]
            for outer_depth, outer in imports[index + 1 :]:
                if outer_depth < depth:
                    chain.append(outer)
                    depth = outer_depth
            chain.reverse()  # `module` first; cut after the first module of `target`
            first = next(i for i, n in enumerate(chain) if target in (n, n.split(".")[0]))
            return chain[: first + 1]
    return []


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_does_not_import_the_ui(module: str) -> None:
    loaded = loaded_after_import(module, UI_LIBRARIES)
    if loaded:
        chains = [" -> ".join(import_chain(module, library)) for library in loaded]
        pytest.fail(f"{module} imports {', '.join(loaded)}: " + "; ".join(chains))


def test_cli_imports_no_heavy_libraries() -> None:
    heavy = ["openai", "httpx", "httpx2", "textual", "rich"]
    assert loaded_after_import("tui_chat.cli", heavy) == []


def test_models_load_the_sdk_only_when_used() -> None:
    assert loaded_after_import("tui_chat.providers.models", ["openai", "httpx", "httpx2"]) == []


def test_the_check_itself_sees_imports() -> None:
    """Guard against a vacuous pass: importing the app does load textual."""
    assert "textual" in loaded_after_import("tui_chat.ui.app", ["textual"])


def test_a_failure_names_the_chain_of_imports() -> None:
    chain = import_chain("tui_chat.ui.app", "textual")
    assert chain[0] == "tui_chat.ui.app"
    assert chain[-1].split(".")[0] == "textual"
    assert all(name.split(".")[0] != "textual" for name in chain[:-1])
    assert import_chain("tui_chat.core.sanitize", "textual") == []


def test_the_domain_is_most_of_the_package() -> None:
    """Guard against a discovery that finds nothing (a vacuous pass)."""
    assert len(DOMAIN_MODULES) > 40
    for package in DOMAIN_PACKAGES:
        assert sum(name.startswith(package + ".") for name in DOMAIN_MODULES) >= 3, package
    expected = {
        "tui_chat.core.store.session_store",
        "tui_chat.config.model",
        "tui_chat.providers.dialects",
    }
    assert expected <= set(DOMAIN_MODULES)


FIRST_USE_MODULES = [
    # Dialogs and screens a key opens.
    "tui_chat.ui.screens.confirm",
    "tui_chat.ui.screens.session_dialogs",
    "tui_chat.ui.screens.settings",
    "tui_chat.ui.screens.model_picker",
    "tui_chat.ui.screens.config_editor",
    "tui_chat.ui.screens.config_save",
    "tui_chat.ui.screens.provider_form",
    "tui_chat.ui.screens.inspector",
    "tui_chat.ui.screens.message_modals",
    # What a key or a command runs.
    "tui_chat.ui.widgets.session_commands",
    "tui_chat.ui.widgets.session_palette",
    "tui_chat.ui.widgets.message_copy",
    "tui_chat.ui.widgets.message_find",
    "tui_chat.ui.widgets.find_bar",
    "tui_chat.ui.widgets.slash_popup",
    "tui_chat.core.slash",
    "tui_chat.ui.screens.keys",
    "tui_chat.ui.screens.keymap_report",
    "tui_chat.ui.model_lists",
    "tui_chat.services.clipboard",
    "tui_chat.services.editor",
    "tui_chat.config.writer",
    "tui_chat.core.export",
    "tui_chat.core.find_matches",
    "tui_chat.core.search",
    "tui_chat.providers.models",
    # Image generation (and Pillow, which it reads image sizes with): on the first /image.
    "tui_chat.providers.images",
    "PIL",
    # The status line's context fill, one frame after the first (widgets/status.py): the
    # context planner, and the provider dialects and events it brings.
    "tui_chat.core.context.prep",
    "tui_chat.core.context.request",
    "tui_chat.providers.dialects",
    "tui_chat.providers.events",
    # What a reply needs (the warm-up imports these after the first screen).
    "tui_chat.services.tool_loop",
    "tui_chat.tools.approval",
    "tui_chat.providers.openai_compat",
    "tui_chat.providers.demo",
    "tui_chat.ui.widgets.json_view",
    "tui_chat.core.titles",
    "tui_chat.core.side_requests",
    "tui_chat.core.context.embeddings",
    # Tools: the built-ins are built on the first request that offers them, MCP servers
    # (and the SDK, 0.5 s of imports) on the first send of a session that uses one.
    "tui_chat.tools.builtin.current_time",
    "tui_chat.tools.builtin.read_file",
    "tui_chat.tools.builtin.fetch_url",
    "tui_chat.tools.builtin.run_shell",
    "tui_chat.tools.mcp_server_owner",
    "mcp",
    "tui_chat.ui.screens.tool_approval",
    "tui_chat.ui.screens.mcp_servers",
    # Images: textual-image (and PIL, ~60 ms) on the first image shown; its import-time
    # terminal queries are neutralised there (ui/render/image_backend).
    "textual_image",
    "PIL.Image",
    "tui_chat.ui.render.image_backend",
    "tui_chat.services.image_viewer",
    # Maths: pylatexenc (15–20 ms) on the first formula converted.
    "pylatexenc",
    # The Markdown stack (about 35 ms): with the first reply or reasoning shown (the first
    # screen shows none), or by the warm-up after the first screen.
    "markdown_it",
    "textual.widgets._markdown",
    "tui_chat.core.maths",
    "tui_chat.ui.render.stream_markdown",
    "tui_chat.ui.render.stream_maths",
    "tui_chat.ui.widgets.reply_body",
]
"""Modules the first screen does not need: imported where they are first used."""


def test_the_app_imports_what_keys_open_only_when_used() -> None:
    import importlib.util

    for module in FIRST_USE_MODULES:  # guard against a vacuous pass (a renamed module)
        assert importlib.util.find_spec(module) is not None, module
    loaded = loaded_after_import("tui_chat.ui.app", FIRST_USE_MODULES)
    chains = [" -> ".join(import_chain("tui_chat.ui.app", module)) for module in loaded]
    assert not loaded, "imported at start: " + "; ".join(chains)
