"""Pilot tests of the config in the app: the providers screen (add, edit, default, remove,
test, save), a broken file, changes on disk, $EDITOR, and keys from api_key_cmd."""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import make_app, notices, screen_text, type_and_send, wait_for_replies, wait_until
from textual.widgets import DataTable, Input, Select, Static

from tui_chat.config.keys import forget_keys
from tui_chat.config.parse import load_config
from tui_chat.config.presets import PRESETS
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.config_editor import ConfigEditorScreen
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.provider_form import ProviderFormScreen

THREE = """\
# My providers, by hand.
default_provider = "local"

[providers.local]
label = "Local test"
base_url = "{url}"
models = ["test-model"]
timeout = 5

[providers.second]
base_url = "http://127.0.0.1:9/v1"
api_key_env = "SECOND_KEY"
models = ["s-1", "s-2"]
dialect = "deepseek"

[providers.third]
label = "Third"   # the spare
base_url = "http://127.0.0.1:9/v2"
models = ["t-1"]
"""

SECRET = "sk-app-cmd-0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    forget_keys()
    yield
    forget_keys()


def config_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"


def write_three(tmp_path: Path, url: str) -> Path:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(THREE.format(url=url), encoding="utf-8")
    return path


def banner(app) -> str:
    shown = app.screen.query_one("#banner", Static)
    return str(shown.render()) if shown.display else ""


async def open_editor(pilot) -> ConfigEditorScreen:
    await pilot.press("f5")
    await pilot.pause()
    editor = pilot.app.screen
    assert isinstance(editor, ConfigEditorScreen)
    return editor


async def select_row(pilot, editor: ConfigEditorScreen, name: str) -> None:
    table = editor.query_one(DataTable)
    names = list(editor.config.providers)
    table.move_cursor(row=names.index(name))
    await pilot.pause()
    assert editor.selected_name == name


async def test_config_editor_round_trips_three_providers(tmp_path: Path, server) -> None:
    path = write_three(tmp_path, server.base_url)
    original = path.read_bytes()
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await open_editor(pilot)
        table = editor.query_one(DataTable)
        assert table.row_count == 3
        assert "written by hand" in str(editor.query_one("#editor-banner", Static).render())

        # Add one from a preset.
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ProviderFormScreen)
        form.query_one("#preset", Select).value = "deepseek"
        await pilot.pause()
        assert form.query_one("#name", Input).value == "deepseek"
        assert form.query_one("#base_url", Input).value == PRESETS["deepseek"].base_url
        await pilot.click("#ok")
        await pilot.pause()
        assert app.screen is editor
        assert table.row_count == 4
        assert editor.selected_name == "deepseek"

        # Edit one: a bad timeout is refused in the form, then fixed.
        await select_row(pilot, editor, "second")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ProviderFormScreen)
        form.query_one("#label", Input).value = "Second one"
        form.query_one("#models", Input).value = "s-1, s-2 s-3"
        form.query_one("#timeout", Input).value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "Timeout must be a number" in str(form.query_one("#form-error", Static).render())
        form.query_one("#timeout", Input).value = "30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor

        # Set the default.
        await select_row(pilot, editor, "third")
        await pilot.press("d")
        assert editor.config.default_provider == "third"
        assert path.read_bytes() == original  # nothing written before Save

        # Save: first the warning about a hand-written file.
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "written by hand" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("y")
        # Written in a thread, then taken in: done once the editor has no unsaved edits.
        await wait_until(pilot, lambda: not editor.dirty)
        assert path.read_bytes() != original
        assert app.config.default_provider == "third"
        assert app.registry.config is app.config
        assert any("Saved" in n and "config.toml.bak" in n for n in notices(app))

    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "default_provider": "third",
        "providers": {
            "local": {
                "label": "Local test",
                "base_url": server.base_url,
                "models": ["test-model"],
                "timeout": 5,
            },
            "second": {
                "label": "Second one",
                "base_url": "http://127.0.0.1:9/v1",
                "api_key_env": "SECOND_KEY",
                "models": ["s-1", "s-2", "s-3"],
                "dialect": "deepseek",
                "timeout": 30,
            },
            "third": {"label": "Third", "base_url": "http://127.0.0.1:9/v2", "models": ["t-1"]},
            "deepseek": {
                "label": "DeepSeek",
                "base_url": PRESETS["deepseek"].base_url,
                "api_key_env": "DEEPSEEK_API_KEY",
                "models": list(PRESETS["deepseek"].models),
                "default_model": PRESETS["deepseek"].default_model,
                "dialect": "deepseek",
            },
        },
    }
    assert (path.parent / "config.toml.bak").read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # What was saved is what the app reads next time.
    assert load_config(path).providers == app.config.providers


async def test_remove_test_and_nothing_to_save(tmp_path: Path, server) -> None:
    path = write_three(tmp_path, server.base_url)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Nothing to save." in notices(app)

        # Test: GET /models on the fake server, with its latency.
        await select_row(pilot, editor, "local")
        await pilot.press("t")
        await wait_until(pilot, lambda: editor.tests.get("local", ("…",))[0].startswith("✓"))
        assert editor.tests["local"][0].endswith(" ms")
        assert "GET /models listed 2 models" in str(editor.query_one("#detail").render())
        # A provider whose key is missing says so in plain words.
        await select_row(pilot, editor, "second")
        await pilot.press("t")
        await wait_until(pilot, lambda: editor.tests.get("second", ("…",))[0] != "…")
        assert editor.tests["second"][1] == "✗ No key: SECOND_KEY is not set"
        # A server that refuses: the error, not a traceback.
        server.models_status = 401
        await select_row(pilot, editor, "local")
        await pilot.press("t")
        await wait_until(pilot, lambda: editor.tests.get("local", ("…",))[0].startswith("✗"))
        assert editor.tests["local"][0] == "✗ 401"

        # Remove asks first; "n" keeps it.
        await select_row(pilot, editor, "third")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause()
        assert "third" in editor.config.providers
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await pilot.pause()
        assert "third" not in editor.config.providers
        assert editor.dirty
        # Closing with unsaved changes asks; the file is unchanged.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert "third" in app.config.providers
    assert path.read_text(encoding="utf-8") == THREE.format(url=server.base_url)


async def test_an_invalid_file_is_reported_and_left_untouched(tmp_path: Path, server) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(
        'default_provider = "local"\n[providers.local]\nbase_url = "http://x/v1"\n'
        'dialect = "nope"\n',
        encoding="utf-8",
    )
    original = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        shown = banner(app)
        assert f"{path}:4: [providers.local] has unknown dialect 'nope'" in shown
        assert "running on built-in defaults" in shown
        # The providers screen says so too, and Save asks before replacing the file.
        editor = await open_editor(pilot)
        assert "has a problem" in str(editor.query_one("#editor-banner", Static).render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "has a problem" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # Reloading by hand does not change it either.
        app.config_file.reload()
        await pilot.pause()
        assert "still using the last good config" in banner(app)
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == mtime
    assert not (path.parent / "config.toml.bak").exists()


async def test_a_file_changed_on_disk_is_reloaded(tmp_path: Path, server) -> None:
    path = write_three(tmp_path, server.base_url)
    app = make_app(tmp_path, server)
    app.config_poll_seconds = 0.05
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        status = app.screen.query_one("#status")
        assert "Local test · test-model" in str(status.render())
        path.write_text(
            THREE.format(url=server.base_url).replace("Local test", "Renamed on disk"),
            encoding="utf-8",
        )
        await wait_until(pilot, lambda: "Renamed on disk" in str(status.render()))
        assert app.config.providers["local"].label == "Renamed on disk"
        assert app.registry.config is app.config
        assert any("Config reloaded" in n for n in notices(app))

        # Broken: shown with file:line, the last good config stays in use.
        broken = THREE.format(url=server.base_url).replace("timeout = 5", 'timeout = "soon"')
        path.write_text(broken, encoding="utf-8")
        await wait_until(pilot, lambda: "still using the last good config" in banner(app))
        assert f"{path}:8: [providers.local] timeout must be a positive number" in banner(app)
        assert app.config.providers["local"].label == "Renamed on disk"
        # Still chatting on it.
        await type_and_send(pilot, "Still there?")
        await wait_for_replies(pilot, app)
        assert "Hello world" in screen_text(app)

        # Fixed: the banner goes.
        path.write_text(THREE.format(url=server.base_url), encoding="utf-8")
        await wait_until(pilot, lambda: banner(app) == "")
        assert app.config.providers["local"].label == "Local test"
    assert path.read_text(encoding="utf-8") == THREE.format(url=server.base_url)
    assert not (path.parent / "config.toml.bak").exists()


def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: str, by: str) -> None:
    """$EDITOR: a script that replaces `replace` by `by` in the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"p.write_text(p.read_text().replace({replace!r}, {by!r}))\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")


async def test_open_in_editor_then_reload(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_three(tmp_path, server.base_url)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        # The headless test terminal cannot hand over: said, not crashed.
        fake_editor(tmp_path, monkeypatch, "Local test", "Edited")
        app.action_open_config_in_editor()
        await pilot.pause()
        assert any("cannot hand over to an editor" in n for n in notices(app))
        assert "Local test" in path.read_text()

        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        editor = await open_editor(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: app.config.providers["local"].label == "Edited")
        await pilot.pause()
        assert editor.config.providers["local"].label == "Edited"

        # The editor leaves the file broken: the problem is shown, nothing is overwritten.
        fake_editor(tmp_path, monkeypatch, 'dialect = "deepseek"', 'dialect = "klingon"')
        await pilot.press("o")
        await wait_until(pilot, lambda: app.config_error is not None)
        assert any(f"{path}:14:" in n and "klingon" in n for n in notices(app))
        assert app.config.providers["local"].label == "Edited"
    text = path.read_text()
    assert 'dialect = "klingon"' in text and "Edited" in text


async def test_the_api_key_cmd_key_reaches_the_server_and_no_file(tmp_path: Path, server) -> None:
    runs = tmp_path / "runs.txt"
    command = f"echo run >> {shlex.quote(str(runs))}; echo {SECRET}"
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(
        'default_provider = "local"\n[providers.local]\nlabel = "Local test"\n'
        f'base_url = "{server.base_url}"\nmodels = ["test-model"]\ntimeout = 5\n'
        f"api_key_cmd = '''{command}'''\n",
        encoding="utf-8",
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not runs.exists()  # starting the app runs no key command
        await pilot.press("f3")  # the model picker fetches GET /models with the key
        await wait_until(pilot, lambda: any(r["method"] == "GET" for r in server.requests))
        await pilot.press("escape")
        await type_and_send(pilot, "Hello")
        await wait_for_replies(pilot, app)
        editor = await open_editor(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: editor.tests.get("local", ("…",))[0].startswith("✓"))
        assert str(editor.query_one(DataTable).get_row("local")[3]) == "command ✓ sk-…fXYZ"
        assert SECRET not in screen_text(app)
    assert len(server.requests) >= 3
    assert all(r["headers"]["authorization"] == f"Bearer {SECRET}" for r in server.requests)
    assert len(runs.read_text().splitlines()) == 1
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"models-cache.json"}
    for file in files:
        data = file.read_bytes()
        assert SECRET.encode() not in data, file
        assert SECRET[-12:].encode() not in data, file
    assert os.path.exists(path)
