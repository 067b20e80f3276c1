"""[keymap] in the app: a key it gives runs that binding, wherever else the key was bound
(the prompt's own keys, another binding, an app binding marked priority); what cannot
work is said; F1 and the palette show each key on the binding it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import make_app, notices, wait_until, write_config
from test_app_input import fake_editor, keys_screen_rows, prompt_of
from test_app_input import suspendable as suspendable  # a fixture

from tui_chat.ui.screens.keys import KeysScreen


def with_keymap(tmp_path: Path, server, keymap: str) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, f"\n[keymap]\n{keymap}")


async def f1_rows(pilot) -> dict[str, str]:
    """F1's rows: description (with the binding id) → keys; F1 is closed again after."""
    app = pilot.app
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
    rows = {said: key for key, said in keys_screen_rows(app)}
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, KeysScreen))
    return rows


async def test_readme_example_f7_opens_the_editor_from_the_prompt(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, suspendable
) -> None:
    """`"input.editor" = "f7,ctrl+g"` (README): F7 in the prompt, which Textual's text
    area binds to Select all, opens the editor; the prompt's F6 is still its own."""
    seen = tmp_path / "seen.txt"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(
        "EDITOR", fake_editor(tmp_path, f'cp "$1" "{seen}"\nprintf "From the editor" > "$1"')
    )
    with_keymap(tmp_path, server, '"input.editor" = "f7,ctrl+g"\n')
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = prompt_of(app)
        await wait_until(pilot, lambda: prompt.has_focus)
        prompt.insert("first line\nsecond line")
        await pilot.press("f6")  # the text area's Select line: not in the keymap
        await wait_until(pilot, lambda: prompt.selected_text == "second line")
        await pilot.press("f7")
        await wait_until(pilot, lambda: prompt.text == "From the editor")
        assert seen.read_text(encoding="utf-8") == "first line\nsecond line"
        said = notices(app)
        assert any(
            'input.editor = "f7": f7 was the prompt\'s own Select all; it runs input.editor' in n
            for n in said
        ), said
        assert not any("works only when the prompt does not have focus" in n for n in said)
        rows = await f1_rows(pilot)
        assert (
            rows[
                "Edit the prompt in $VISUAL / $EDITOR; the text comes back to the "
                "prompt  input.editor"
            ]
            == "f7 / ^g"
        )


async def test_keys_the_prompt_types_are_said(tmp_path: Path, server) -> None:
    """Keys the prompt uses while typing (characters, Enter, new line) cannot run a
    binding while it has focus: the keymap warning says so."""
    with_keymap(
        tmp_path,
        server,
        '"view.sidebar" = "x"\n"session.new" = "shift+enter"\n"reply.retry" = "question_mark"\n'
        '"session.settings" = "up"\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: prompt_of(app).has_focus)
        said = notices(app)
        for binding_id, key in (
            ("view.sidebar", "x"),
            ("session.new", "shift+enter"),
            ("reply.retry", "question_mark"),
            ("session.settings", "up"),
        ):
            assert any(
                f'{binding_id} = "{key}": the prompt uses {key} itself, so it works only when '
                "the prompt does not have focus" in n
                for n in said
            ), (binding_id, said)
        prompt = prompt_of(app)
        await pilot.press("x", "question_mark", "shift+enter", "y")
        await wait_until(pilot, lambda: prompt.text == "x?\ny")  # typed, as said
        await pilot.press("up")  # moves up a line, as said (no settings)
        await wait_until(pilot, lambda: prompt.cursor_location[0] == 0)
        assert app.screen is app.chat_screen


async def test_a_shared_key_runs_one_binding_and_f1_shows_it_there(tmp_path: Path, server) -> None:
    """A key the keymap gives to one binding runs that one, whether the other had it on
    the chat screen (ctrl+t, ctrl+n for an app binding) or was a priority app binding
    (ctrl+q); of two keymap entries with one key the first runs. F1 and the palette show
    each key on the binding it runs only."""
    with_keymap(
        tmp_path,
        server,
        '"reply.retry" = "ctrl+t"\n'
        '"app.keys" = "ctrl+n"\n'
        '"view.sidebar" = "ctrl+q"\n'
        '"session.rename" = "f11"\n'
        '"session.pin" = "f11"\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.session is not None and prompt_of(app).has_focus)
        said = notices(app)
        expected = [
            'reply.retry = "ctrl+t": ctrl+t is also view.thinking by default; '
            "it runs reply.retry now",
            'app.keys = "ctrl+n": ctrl+n is also session.new by default; it runs app.keys now',
            'view.sidebar = "ctrl+q": ctrl+q is also app.quit by default; it runs view.sidebar now',
            'session.pin = "f11": f11 is also session.rename, earlier in the keymap; '
            "it runs session.rename",
        ]
        for text in expected:
            assert any(text in n for n in said), (text, said)

        sidebar = screen.query_one("#sidebar")
        shown = sidebar.display
        await pilot.press("ctrl+q")  # the sidebar, not quit
        await wait_until(pilot, lambda: sidebar.display != shown)
        assert app.is_running
        first = screen.session
        await pilot.press("ctrl+n")  # the keys screen, not a new session
        await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
        assert screen.session is first
        rows = {said: key for key, said in keys_screen_rows(app)}
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert rows["Retry  reply.retry"] == "^t"
        assert rows["Thinking  view.thinking"] == "—"
        assert rows["Keys  app.keys"] == "^n"
        assert rows["New  session.new"] == "—"
        assert rows["Sidebar  view.sidebar"] == "^q"
        assert rows["Quit  app.quit"] == "—"
        assert rows["Rename the session  session.rename"] == "f11"
        assert rows["Pin or unpin the session  session.pin"] == "f10"
        titles = {c.title: c.help for c in app.get_system_commands(screen)}
        assert titles["view: Thinking"] == "Key: no key"
        assert titles["reply: Retry"] == "Key: ^t"


async def test_a_reload_gives_the_prompt_its_keys_back(tmp_path: Path, server) -> None:
    with_keymap(tmp_path, server, '"view.sidebar" = "f7"\n')
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        prompt = prompt_of(app)
        await wait_until(pilot, lambda: prompt.has_focus)
        sidebar = screen.query_one("#sidebar")
        shown = sidebar.display
        await pilot.press("f7")
        await wait_until(pilot, lambda: sidebar.display != shown)
        config = tmp_path / "config" / "config.toml"
        config.write_text(config.read_text().split("[keymap]")[0])
        assert app.config_file.reload()
        assert app.keymap == {}
        prompt.focus()
        prompt.insert("all of it")
        await pilot.press("f7")  # Select all again
        await wait_until(pilot, lambda: prompt.selected_text == "all of it")
        assert sidebar.display != shown
        rows = await f1_rows(pilot)
        assert rows["Sidebar  view.sidebar"] == "^b"
