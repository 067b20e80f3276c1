"""Pilot tests of the input side: prompt history, slash commands and their completion
list, the prompt in $EDITOR, the keymap, F1 and the command palette."""

from __future__ import annotations

import contextlib
import json
import stat
from pathlib import Path

import pytest
from app_harness import (
    make_app,
    notices,
    read_only_session,
    run_command,
    session_files,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from textual.widgets import DataTable

from tui_chat.core.slash import SlashCommand
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.keys import KeysScreen
from tui_chat.ui.widgets.messages import UserMessage
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.slash_popup import SlashPopup


def chats(server) -> list[dict]:
    return [r["json"] for r in server.requests if r["path"].endswith("/chat/completions")]


def prompt_of(app: TuiChatApp) -> PromptInput:
    return app.screen.query_one(PromptInput)


async def type_text(pilot, text: str) -> None:
    """Type key by key, so the completion list sees every change."""
    prompt_of(pilot.app).focus()
    for char in text:
        await pilot.press(char if char != " " else "space")
    await pilot.pause()


# -- prompt history -------------------------------------------------------------------------


async def test_up_and_down_browse_earlier_prompts_and_keep_the_draft(
    tmp_path: Path, server
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        for text in ("First question", "Second\nquestion"):
            await type_and_send(pilot, text)
            await wait_for_replies(pilot, app)
        prompt = prompt_of(app)
        prompt.focus()
        assert prompt.text == ""
        await pilot.press("up")
        assert prompt.text == "Second\nquestion"
        # The cursor is on the last line of a two-line prompt: Up moves it first.
        await pilot.press("up")
        assert prompt.text == "Second\nquestion" and prompt.cursor_location[0] == 0
        await pilot.press("up")
        assert prompt.text == "First question"
        await pilot.press("up")  # nothing older: stays
        assert prompt.text == "First question"
        await pilot.press("down")
        assert prompt.text == "Second\nquestion"
        await pilot.press("down")
        assert prompt.text == ""  # back to the (empty) draft

        # A draft: Up in the middle of it moves the cursor; at the very start it browses,
        # and Down brings the draft back.
        prompt.insert("my draft")
        await pilot.press("up")
        assert prompt.text == "my draft"
        prompt.move_cursor((0, 0))
        await pilot.press("up")
        assert prompt.text == "Second\nquestion"
        await pilot.press("down")
        assert prompt.text == "my draft"

        # An edited recall is the user's text: Up no longer replaces it.
        prompt.clear()
        await pilot.press("up")
        prompt.insert("!")
        await pilot.press("up")
        assert "!" in prompt.text

        # History is per session.
        await pilot.press("ctrl+n")
        await pilot.pause()
        prompt = prompt_of(app)
        prompt.clear()
        prompt.focus()
        await pilot.press("up")
        assert prompt.text == ""


# -- slash commands -------------------------------------------------------------------------


async def test_unknown_command_sends_nothing_and_keeps_the_text(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "/frobnicate the widget")
        assert prompt_of(app).text == "/frobnicate the widget"
        assert any("Unknown command /frobnicate" in n for n in notices(app))
        assert not app.screen.query(UserMessage)
        await run_command(pilot, "")  # Enter again: still nothing sent
    assert chats(server) == []
    assert session_files(tmp_path) == []


async def test_double_slash_sends_a_literal_slash(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "//etc/hosts is a file")
        await wait_for_replies(pilot, app)
    assert chats(server)[-1]["messages"][-1] == {
        "role": "user",
        "content": "/etc/hosts is a file",
    }
    assert read_only_session(tmp_path)["messages"][0]["content"] == "/etc/hosts is a file"


async def test_model_think_and_system_commands_change_the_session_on_disk(
    tmp_path: Path, server
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        await run_command(pilot, "/model other-model")
        assert prompt_of(app).text == ""
        # Said once the provider's list has been fetched (in a worker).
        await wait_until(pilot, lambda: any("not among the models" in n for n in notices(app)))
        await run_command(pilot, "/think off")
        await run_command(pilot, "/system Answer in one word.")
        data = read_only_session(tmp_path)
        assert data["model"] == "other-model"
        assert data["settings"]["thinking"] == "off"
        assert data["system_prompt"] == "Answer in one word."
        await run_command(pilot, "/think maybe")
        assert prompt_of(app).text == "/think maybe"  # a problem keeps the text
        prompt_of(app).clear()
        await run_command(pilot, "/system")
        await type_and_send(pilot, "Again")
        await wait_for_replies(pilot, app)
    data = read_only_session(tmp_path)
    assert data["system_prompt"] == ""
    body = chats(server)[-1]
    assert body["model"] == "other-model"
    assert body["messages"][0]["role"] == "user"  # no system message any more
    assert [m["content"] for m in data["messages"] if m["role"] == "user"] == ["Hi", "Again"]


async def test_model_command_with_a_known_model_says_nothing_more(tmp_path: Path, server) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url)
    config.write_text(config.read_text().replace('["test-model"]', '["test-model", "big"]'))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "/model big")
        assert app.screen.session.model == "big"
        await wait_until(pilot, lambda: not any(w.name == "check model" for w in app.workers))
        assert not any("not among" in n for n in notices(app))
        await run_command(pilot, "/provider nowhere")
        assert any("No provider called 'nowhere'" in n for n in notices(app))
        assert app.screen.session.provider == "local"


async def test_new_retry_help_and_quit_commands(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "/retry")
        assert "Nothing to regenerate yet." in notices(app)
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        first = app.screen.session
        await run_command(pilot, "/new")
        assert app.screen.session is not first and not app.screen.session.messages
        assert not app.screen.query(UserMessage)
        await run_command(pilot, "/help")
        assert isinstance(app.screen, KeysScreen)
        await pilot.press("escape")
        await pilot.pause()
        await run_command(pilot, "/quit")
        await pilot.pause()
        assert app.return_code == 0  # exited


async def test_a_command_whose_action_is_missing_says_so(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        missing = SlashCommand("zap", "no_such_action", "Not built")
        assert await screen.prompt_area.run_command(missing) is False
        await pilot.pause()
        assert any("/zap is not available" in n for n in notices(app))
        assert all(screen.action_owner(c.action) for c in screen.prompt_area.available_commands())


# -- the completion list --------------------------------------------------------------------


async def test_completion_list_opens_on_slash_and_completes(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = prompt_of(app)
        assert not app.screen.query(SlashPopup)  # mounted on the first "/"
        await type_text(pilot, "/")
        popup = app.screen.query_one(SlashPopup)
        assert popup.display
        names = [c.name for c in popup.commands]
        assert names[:3] == ["new", "model", "provider"]
        assert popup.option_count == len(names)
        await type_text(pilot, "mo")
        assert [c.name for c in popup.commands] == ["model"]
        await pilot.press("tab")
        await pilot.pause()
        assert prompt.text == "/model "
        assert prompt.has_focus
        # Then the values the argument can take: here the provider's models (those in
        # the config, then those it lists, once fetched).
        assert popup.display
        await wait_until(
            pilot,
            lambda: [c.usage for c in popup.choices] == ["test-model", "gpt-4o", "gpt-4o-mini"],
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not popup.display and prompt.text == "/model "

        prompt.clear()
        await type_text(pilot, "/think o")
        assert [c.usage for c in popup.choices] == ["on", "off"]
        await pilot.press("down", "enter")  # Enter on a value runs the command
        await pilot.pause()
        assert app.screen.session.settings.thinking == "off"
        assert prompt.text == ""
        await type_text(pilot, "/think on")
        assert not popup.display  # nothing left to complete
        prompt.clear()

        # Arrows move in the list; Esc closes it and keeps the text.
        prompt.clear()
        await type_text(pilot, "/t")
        assert popup.display and popup.commands[0].name == "think"
        await pilot.press("down")
        assert popup.highlighted == 1
        await pilot.press("up", "up")
        assert popup.highlighted == len(popup.commands) - 1  # wraps around
        await pilot.press("escape")
        await pilot.pause()
        assert not popup.display and prompt.text == "/t"

        # Enter on a command that takes nothing runs it at once.
        prompt.clear()
        await type_text(pilot, "/he")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert prompt_of(app).text == ""

        # No list for a message, or once the command name is followed by a space.
        await type_text(pilot, "hello /")
        assert not popup.display
        prompt.clear()
        await type_text(pilot, "/zzz")
        assert not popup.display
    assert chats(server) == []


async def test_clicking_a_command_completes_it(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/sys")
        popup = app.screen.query_one(SlashPopup)
        assert popup.display
        await pilot.click(SlashPopup, offset=(3, popup.region.height - 1))
        await pilot.pause()
        assert prompt_of(app).text == "/system "
        assert prompt_of(app).has_focus


# -- $EDITOR --------------------------------------------------------------------------------


def fake_editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.fixture
def suspendable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless tests cannot hand the terminal over: let suspend() do nothing instead."""
    monkeypatch.setattr(TuiChatApp, "suspend", lambda self: contextlib.nullcontext())


async def test_editor_round_trip(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, suspendable
) -> None:
    seen = tmp_path / "seen.txt"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv(
        "EDITOR",
        fake_editor(
            tmp_path, f'cp "$1" "{seen}"\nprintf "Long text\\n\\nfrom the editor\\n" > "$1"'
        ),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        prompt.insert("Short draft")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert seen.read_text(encoding="utf-8") == "Short draft"
        assert prompt.text == "Long text\n\nfrom the editor"
        assert chats(server) == []  # not sent by itself
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        # /editor from the prompt: the command itself is not what gets edited.
        seen.unlink()
        await run_command(pilot, "/editor")
        assert seen.read_text(encoding="utf-8") == ""
        assert prompt_of(app).text == "Long text\n\nfrom the editor"
    data = read_only_session(tmp_path)
    assert data["messages"][0]["content"] == "Long text\n\nfrom the editor"


async def test_a_failing_editor_keeps_the_text(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, suspendable
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, 'echo lost > "$1"\nexit 1'))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        prompt.insert("Keep me")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert prompt.text == "Keep me"
        assert any("exited with status 1" in n and "unchanged" in n for n in notices(app))


async def test_editor_without_a_terminal_says_so(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, 'echo lost > "$1"'))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        prompt.insert("Keep me")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert prompt.text == "Keep me"
        assert any("cannot hand over" in n for n in notices(app))


# -- keymap, F1 and the palette -------------------------------------------------------------


def keys_screen_rows(app: TuiChatApp) -> list[tuple[str, str]]:
    table = app.screen.query_one(DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_keymap_rebinds_keys_and_f1_shows_them(tmp_path: Path, server) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(
        config,
        server.base_url,
        '\n[keymap]\n"session.new" = "ctrl+l"\n"no.such" = "f9"\n"reply.retry" = "ctrl+t"\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = notices(app)
        assert any("'no.such' is not a binding id" in n for n in said)
        assert any("ctrl+t is also view.thinking" in n for n in said)
        assert app.keymap == {"session.new": "ctrl+l", "reply.retry": "ctrl+t"}
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        first = app.screen.session
        await pilot.press("ctrl+n")  # no longer bound
        await pilot.pause()
        assert app.screen.session is first
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.screen.session is not first
        await pilot.press("f1")
        await pilot.pause()
        rows = keys_screen_rows(app)
        assert ("^l", "New  session.new") in rows
        assert ("Sessions", "") in rows and ("Slash commands", "") in rows
        assert any(key.startswith("/model") for key, _ in rows)
        await pilot.press("escape")

        # A reload applies the new keymap.
        config.write_text(
            config.read_text().split("[keymap]")[0] + '[keymap]\n"session.new" = "f11"\n'
        )
        assert app.config_file.reload()
        await pilot.pause()
        assert app.keymap == {"session.new": "f11"}
        await type_and_send(pilot, "Second")
        await wait_for_replies(pilot, app)
        second = app.screen.session
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.screen.session is second
        await pilot.press("f11")
        await pilot.pause()
        assert app.screen.session is not second
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["session: New"] == "Key: f11"


async def test_palette_lists_every_binding_by_group(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "session: New",
            "session: Settings",
            "reply: Retry",
            "reply: Stop",
            "view: Thinking",
            "input: Edit in $EDITOR",
            "app: Keys",
            "app: Quit",
            "config: Edit providers",
        ):
            assert title in titles, title
        assert len(titles) == len(set(titles))
        # Every chat screen binding with an id is there.
        for entry in app.key_entries():
            assert entry.title in titles


async def test_keys_screen_fits_80_columns(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.region.right <= 80
        # Long descriptions wrap instead of running off the table.
        widths = sum(c.get_render_width(table) for c in table.ordered_columns)
        assert widths <= table.size.width
        rows = keys_screen_rows(app)
        long = [r for r in rows if len(r[1]) > 50]
        assert long
        assert json.dumps(rows)  # plain strings


async def test_an_argument_the_action_cannot_take_is_said(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        command = SlashCommand("sidebar", "toggle_sidebar", "x", "[X]", "optional")
        assert await screen.prompt_area.run_command(command, "please") is True
        await pilot.pause()
        assert not screen.query_one("#sidebar").display
        assert any("does not take text here" in n for n in notices(app))


async def test_enter_runs_a_typed_value_that_is_the_start_of_another(
    tmp_path: Path, server
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url)
    config.write_text(
        config.read_text().replace('["test-model"]', '["test-model", "qwen3", "qwen3-max"]')
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/model qwen3")
        popup = app.screen.query_one(SlashPopup)
        assert popup.display and [c.usage for c in popup.choices] == ["qwen3", "qwen3-max"]
        await pilot.press("enter")  # as typed, not the first entry
        await pilot.pause()
        assert app.screen.session.model == "qwen3"
        await type_text(pilot, "/model qwen3")
        await pilot.press("down", "enter")  # moved: the highlighted entry
        await pilot.pause()
        assert app.screen.session.model == "qwen3-max"
