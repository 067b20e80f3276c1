"""Pilot tests: a session's settings (the settings modal, the model and provider pickers)
reach the request and the session file; JSON mode is checked before sending and shown."""

from __future__ import annotations

import json
from pathlib import Path

from app_harness import (
    make_app,
    notices,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import Script
from textual.widgets import DataTable, Input, OptionList, Select, Static, Switch, TextArea

from tui_chat.config.parse import load_config
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.key_help import key_rows
from tui_chat.ui.screens.keys import KeysScreen
from tui_chat.ui.screens.model_picker import ModelPickerScreen, ProviderPickerScreen
from tui_chat.ui.screens.settings import SessionSettingsScreen
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.widgets.prompt import PromptInput


def chats(server) -> list[dict]:
    return [r["json"] for r in server.requests if r["path"].endswith("/chat/completions")]


async def press_button(pilot, selector: str) -> None:
    """Focus a button and press Enter (a click could land on a notification toast)."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_session_settings_shape_the_request_and_are_saved(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, 'dialect = "dashscope"\n')
    server.enqueue(
        Script(status=429, headers={"Retry-After": "0"}, error_body="slow down"),
        Script(content=["Fine."]),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        session = screen.session
        assert session is not None
        session.settings = session.settings.replace(
            temperature=0.4, thinking="on", reasoning_effort="high", extra_body={"seed": 3}
        )
        await type_and_send(pilot, "Second")
        await wait_for_replies(pilot, app)
        # The effort DashScope does not have was announced, not sent.
        assert any("no reasoning effort" in n for n in notices(app))
    first, retried, second = chats(server)
    assert "temperature" not in first
    assert first == retried  # the rate-limited request was sent again as it was
    assert second["temperature"] == 0.4
    assert second["enable_thinking"] is True
    assert second["seed"] == 3
    assert "reasoning_effort" not in second
    data = read_only_session(tmp_path)
    assert data["settings"] == {
        "temperature": 0.4,
        "thinking": "on",
        "reasoning_effort": "high",
        "extra_body": {"seed": 3},
    }
    assert [m["status"] for m in data["messages"] if m["role"] == "assistant"] == [
        "complete",
        "complete",
    ]


async def test_settings_modal_changes_the_next_request_and_a_restart_keeps_them(
    tmp_path: Path, server
) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, 'dialect = "deepseek"\n')
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        # What the user types, field by field.
        modal.query_one("#temperature", Input).focus()
        await pilot.press(*"0.4")
        modal.query_one("#max_tokens", Input).focus()
        await pilot.press(*"5OO")  # letters, not zeros: refused inline
        await pilot.pause()
        error = modal.query_one("#error-max_tokens", Static)
        assert error.display
        assert "whole number" in str(error.render())
        await pilot.press("backspace", "backspace", *"00")
        await pilot.pause()
        assert not modal.query_one("#error-max_tokens", Static).display
        modal.query_one("#thinking", Select).value = "off"
        modal.query_one("#json_mode", Switch).focus()
        await pilot.press("space")
        await pilot.pause()
        # DeepSeek needs the word "json": said in the modal before anything is sent.
        warning = modal.query_one("#json-problem", Static)
        assert warning.display and "JSON" in str(warning.render())
        prompt = modal.query_one("#system_prompt", TextArea)
        prompt.focus()
        prompt.insert("Answer in json.")
        await pilot.pause()
        assert not modal.query_one("#json-problem", Static).display
        modal.query_one("#extra_body", TextArea).text = "seed = 7"
        await press_button(pilot, "#save")
        assert isinstance(app.screen, ChatScreen)
        session = app.screen.session
        assert session is not None
        assert session.settings.temperature == 0.4
        assert session.settings.max_tokens == 500
        assert session.settings.thinking == "off"
        assert session.settings.json_mode
        assert session.settings.system_prompt == "Answer in json."
        assert session.settings.extra_body == {"seed": 7}
        assert "JSON" in str(app.screen.query_one("#status").render())
        # Saved at once, before the next message.
        assert read_only_session(tmp_path)["settings"]["temperature"] == 0.4
        server.enqueue(Script(content=['{"ok": true}']))
        await type_and_send(pilot, "Second")
        await wait_for_replies(pilot, app)
    second = chats(server)[-1]
    assert second["temperature"] == 0.4
    assert second["max_tokens"] == 500
    assert second["thinking"] == {"type": "disabled"}
    assert second["response_format"] == {"type": "json_object"}
    assert second["seed"] == 7
    assert second["messages"][0] == {"role": "system", "content": "Answer in json."}

    # A new app on the same data dir: the session comes back with its settings.
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        session = app.screen.session
        assert session is not None and session.settings.temperature == 0.4
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        assert modal.query_one("#temperature", Input).value == "0.4"
        assert modal.query_one("#thinking", Select).value == "off"
        assert modal.query_one("#json_mode", Switch).value is True
        await pilot.press("escape")
        server.enqueue(Script(content=['{"again": 1}']))
        await type_and_send(pilot, "Third")
        await wait_for_replies(pilot, app)
    third = chats(server)[-1]
    assert (third["temperature"], third["max_tokens"], third["seed"]) == (0.4, 500, 7)
    assert third["response_format"] == {"type": "json_object"}
    data = read_only_session(tmp_path)
    assert data["system_prompt"] == "Answer in json."
    assert data["settings"] == {
        "temperature": 0.4,
        "max_tokens": 500,
        "thinking": "off",
        "json_mode": True,
        "extra_body": {"seed": 7},
    }
    replies = [m for m in data["messages"] if m["role"] == "assistant"]
    assert [m.get("json_mode", False) for m in replies] == [False, True, True]


async def test_settings_modal_shows_the_thinking_controls_of_the_dialect(
    tmp_path: Path, server
) -> None:
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        'dialect = "openai"\ndefault_model = "o4-mini"\n'
        '[providers.dash]\nbase_url = "http://127.0.0.1:9/v1"\ndialect = "dashscope"\n'
        'models = ["qwen-plus"]\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        # OpenAI's o4-mini: an effort, no budget.
        assert modal.query_one("#reasoning_effort-row").display
        assert not modal.query_one("#thinking_budget-row").display
        modal.query_one("#temperature", Input).value = "0.5"
        await pilot.pause()
        # DashScope: a budget, no effort; the model follows the provider.
        modal.query_one("#provider", Select).value = "dash"
        await pilot.pause()
        assert modal.query_one("#thinking_budget-row").display
        assert not modal.query_one("#reasoning_effort-row").display
        assert modal.model == "qwen-plus"
        await press_button(pilot, "#save")
        session = app.screen.session
        assert session is not None
        assert (session.provider, session.model) == ("dash", "qwen-plus")
        assert session.settings.temperature == 0.5
        status = str(app.screen.query_one("#status").render())
        assert "dash · qwen-plus" in status


async def test_json_mode_without_the_word_json_is_not_sent(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, 'dialect = "dashscope"\n')
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        session = app.screen.session
        assert session is not None
        session.settings = session.settings.replace(json_mode=True)
        await type_and_send(pilot, "List three colours")
        await pilot.pause()
        assert any("needs the word “JSON”" in n for n in notices(app))
        assert app.screen.query_one(PromptInput).text == "List three colours"
        assert not session.messages
        assert chats(server) == []
        app.screen.query_one(PromptInput).insert(" as JSON")
        server.enqueue(Script(content=['{"colours": ["red", "green", "blue"]}']))
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        assert app.screen.query_one(PromptInput).text == ""
    (request,) = chats(server)
    assert request["response_format"] == {"type": "json_object"}
    reply = read_only_session(tmp_path)["messages"][-1]
    assert reply["json_mode"] is True
    assert json.loads(reply["content"]) == {"colours": ["red", "green", "blue"]}


async def test_json_mode_replies_are_shown_pretty_printed(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url)
    server.enqueue(Script(content=['{"name":', '"小明","tags":["a","b"]}']))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        session = app.screen.session
        assert session is not None
        session.settings = session.settings.replace(json_mode=True)
        await type_and_send(pilot, "Who? Answer in JSON.")
        await wait_for_replies(pilot, app)
        reply = app.screen.query(AssistantMessage).last()
        assert (
            reply.body.source
            == '```json\n{\n  "name": "小明",\n  "tags": [\n    "a",\n    "b"\n  ]\n}\n```'
        )
        assert '"name": "小明",' in screen_text(app)
    # Shown pretty, saved as it came.
    assert read_only_session(tmp_path)["messages"][-1]["content"] == (
        '{"name":"小明","tags":["a","b"]}'
    )
    # Reopened from disk it is pretty too.
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        reply = app.screen.query(AssistantMessage).last()
        assert reply.body.source.startswith("```json\n{\n")


async def test_model_picker_lists_the_servers_models_and_sets_the_next_model(
    tmp_path: Path, server
) -> None:
    server.models = ["alpha-7b", "beta-70b", "gamma-1"]
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        picker = app.screen
        assert isinstance(picker, ModelPickerScreen)
        options = picker.query_one(OptionList)
        # The config's model at once; the server's list once fetched.
        assert options.get_option_at_index(0).id == "test-model"
        await wait_until(pilot, lambda: options.option_count == 4)
        status = str(picker.query_one("#picker-status", Static).render())
        assert "3 models listed by the provider" in status
        await pilot.press(*"70b")
        await pilot.pause()
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "beta-70b",
            "\0typed",
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.session is not None
        assert app.screen.session.model == "beta-70b"
        assert "beta-70b" in str(app.screen.query_one("#status").render())
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
    assert chats(server)[-1]["model"] == "beta-70b"
    reply = read_only_session(tmp_path)["messages"][-1]
    assert reply["model"] == "beta-70b"
    cache = json.loads((tmp_path / "data" / "models-cache.json").read_text())
    assert cache["lists"][0]["models"] == ["alpha-7b", "beta-70b", "gamma-1"]


async def test_model_picker_when_the_provider_does_not_list(tmp_path: Path, server) -> None:
    server.models_status = 404
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        picker = app.screen
        assert isinstance(picker, ModelPickerScreen)
        status = picker.query_one("#picker-status", Static)
        await wait_until(pilot, lambda: "does not list" in str(status.render()))
        assert "showing the ones in your config" in str(status.render())
        # A model the list does not name can be typed.
        await pilot.press(*"my-own-model", "enter")
        await pilot.pause()
        assert app.screen.session is not None
        assert app.screen.session.model == "my-own-model"


async def test_switch_provider_from_the_palette_keys(tmp_path: Path, server) -> None:
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        f'[providers.other]\nlabel = "Other"\nbase_url = "{server.base_url}"\n'
        'models = ["other-model"]\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        picker = app.screen
        assert isinstance(picker, ProviderPickerScreen)
        await pilot.press(*"other", "enter")
        await pilot.pause()
        session = app.screen.session
        assert session is not None
        assert (session.provider, session.model) == ("other", "other-model")
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
    assert chats(server)[-1]["model"] == "other-model"
    assert read_only_session(tmp_path)["messages"][-1]["provider"] == "other"


async def test_session_commands_are_in_the_palette_and_the_keys_screen(
    tmp_path: Path, server
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 35)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "session: Settings",
            "session: Choose model",
            "session: Switch provider",
            "config: Edit providers",
            "config: Open in $EDITOR",
            "config: Reload",
        ):
            assert title in titles
        rows = dict((description, key) for key, description in key_rows(app))
        assert rows["Session settings"] == "f2"
        assert rows["Choose model"] == "f3"
        assert rows["Switch provider"] == "f4"
        assert rows["Edit providers (the config file)"] == "f5"
        assert rows["Providers screen: Test it (GET /models)"] == "t"
        await pilot.press("f1")
        keys = app.screen
        assert isinstance(keys, KeysScreen)
        table = keys.query_one(DataTable)
        shown = [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]
        # F1 shows each binding's id after its description (dim), for [keymap].
        assert ("f2", "Session settings  session.settings") in shown
        assert ("f5", "Edit providers (the config file)  config.edit") in shown


async def test_a_reply_cut_off_at_max_tokens_says_so(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["Half a"], finish_reason="length"))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Tell me everything")
        await wait_for_replies(pilot, app)
        assert "Cut off at max tokens" in screen_text(app)


async def test_new_sessions_start_with_the_config_defaults_and_save_as_defaults(
    tmp_path: Path, server
) -> None:
    path = write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        'dialect = "deepseek"\n[defaults]\ntemperature = 0.2\npersona = "pirate"\n'
        '[personas]\npirate = "Talk like a pirate."\nclerk = "Answer in JSON only."\n',
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        session = app.screen.session
        assert session is not None
        assert session.settings.temperature == 0.2
        assert session.settings.system_prompt == "Talk like a pirate."
        await type_and_send(pilot, "Ahoy")
        await wait_for_replies(pilot, app)
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        assert modal.query_one("#persona", Select).value == "pirate"
        modal.query_one("#persona", Select).value = "clerk"
        await pilot.pause()
        assert modal.query_one("#system_prompt", TextArea).text == "Answer in JSON only."
        modal.query_one("#temperature", Input).value = "0.9"
        modal.query_one("#json_mode", Switch).value = True
        await pilot.pause()
        await press_button(pilot, "#save-defaults")
        # The file was written by hand: the app says what saving loses first.
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(
            pilot, lambda: "[defaults]" in path.read_text() and "clerk" in path.read_text()
        )
        await pilot.pause()
        assert app.screen is modal
        await pilot.press("escape")  # this session keeps its own settings
        await pilot.pause()
        assert session.settings.temperature == 0.2
        await pilot.press("ctrl+n")
        await pilot.pause()
        fresh = app.screen.session
        assert fresh is not None and fresh is not session
        assert fresh.settings.temperature == 0.9
        assert fresh.settings.json_mode
        assert fresh.settings.system_prompt == "Answer in JSON only."
        await type_and_send(pilot, "Status report")
        await wait_for_replies(pilot, app)
    first, second = chats(server)
    assert first["temperature"] == 0.2
    assert first["messages"][0] == {"role": "system", "content": "Talk like a pirate."}
    assert second["temperature"] == 0.9
    assert second["response_format"] == {"type": "json_object"}
    saved = load_config(path)
    assert saved.defaults.persona == "clerk"
    assert saved.defaults.temperature == 0.9
    assert saved.defaults.json_mode
    assert (path.parent / "config.toml.bak").exists()
