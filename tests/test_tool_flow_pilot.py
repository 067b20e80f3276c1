"""Pilot tests of the tool flow through the whole app, beyond allow once / deny / Esc on the
modal (tests/test_tool_approval_flow.py): "always" and "for this session" answers and what
they leave on disk, the round cap and Alt+G, a model that refuses tools, and `/tools off`.
The MCP half (Esc while a server's tool runs, a server that dies) is in
test_tool_flow_pilot_mcp.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app_harness import (
    approval_shown,
    make_app,
    notices,
    read_only_session,
    screen_text,
    session_files,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script, ToolCallScript
from test_app_input import run_command
from test_tool_approval_flow import SIZE, app_with_read_file, read_file_turn, tool_messages
from textual.widgets import Switch

from tui_chat.config.parse import load_config
from tui_chat.services.tool_loop import capped_sentence, tools_off_sentence
from tui_chat.tools.approval import ApprovalRequest
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.settings import SessionSettingsScreen
from tui_chat.ui.screens.tool_approval import ToolApprovalScreen


def record_approvals(app: TuiChatApp) -> list[ApprovalRequest]:
    """Every approval the app asks from now on (the modals it pushes), so a test can tell
    a call that ran unasked from one that was asked."""
    asked: list[ApprovalRequest] = []
    push = app.push_screen

    def recording(screen: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, ToolApprovalScreen):
            asked.append(screen.request)
        return push(screen, *args, **kwargs)

    app.push_screen = recording  # type: ignore[method-assign]
    return asked


def chat_bodies(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    """The JSON bodies of the chat requests the server got, in order."""
    return [r["json"] for r in server.requests if r["path"].endswith("/chat/completions")]


def notes_file(tmp_path: Path) -> Path:
    notes = tmp_path / "notes.md"
    notes.write_text("hello from the notes", encoding="utf-8")
    return notes


async def test_always_allow_writes_the_config_and_the_next_call_runs_unasked(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    notes = notes_file(tmp_path)
    read_file_turn(server, notes)
    app = app_with_read_file(tmp_path, server)
    asked = record_approvals(app)
    config = tmp_path / "config" / "config.toml"
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        assert app.screen.query("#always")  # read_file may be always allowed
        await pilot.press("A")
        await wait_for_replies(pilot, app)
        assert "⚙ read_file(path=" in screen_text(app) and "✓" in screen_text(app)
        assert "hello from the notes" in tool_messages(server)[0]["content"]
        assert load_config(config).tools.allow == ("read_file",)
        assert 'allow = ["read_file"]' in config.read_text(encoding="utf-8")
        assert "[tools]" in config.read_text(encoding="utf-8")
        assert "read_file runs without asking from now on ([tools] allow)." in notices(app)

        read_file_turn(server, notes)
        await type_and_send(pilot, "Read them again")
        await wait_for_replies(pilot, app)
        assert not isinstance(app.screen, ToolApprovalScreen)
        assert [request.label for request in asked] == ["read_file"]  # the first turn only
    assert len(chat_bodies(server)) == 4
    assert "hello from the notes" in tool_messages(server)[-1]["content"]
    turn = read_only_session(tmp_path)["messages"][3]
    assert turn["tool_rounds"][0]["calls"][0]["status"] == "ok"
    assert "tool_approvals" not in read_only_session(tmp_path)  # "always" is the config's


async def test_allow_for_this_session_is_saved_and_a_new_session_asks_again(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    notes = notes_file(tmp_path)
    read_file_turn(server, notes)
    app = app_with_read_file(tmp_path, server)
    asked = record_approvals(app)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.press("s")
        await wait_for_replies(pilot, app)
        (request,) = asked
        await wait_until(
            pilot, lambda: read_only_session(tmp_path).get("tool_approvals") == [request.scope]
        )
        first = app.screen.session
        assert first is not None and first.tool_approvals == [request.scope]

        read_file_turn(server, notes)  # the very same call
        await type_and_send(pilot, "Read them again")
        await wait_for_replies(pilot, app)
        assert len(asked) == 1 and "hello from the notes" in tool_messages(server)[0]["content"]
        assert "hello from the notes" in tool_messages(server)[-1]["content"]

        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.screen.session is not first)
        read_file_turn(server, notes)
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        assert len(asked) == 2 and asked[1].scope == request.scope
        await pilot.press("a")  # once: nothing saved for the new session
        await wait_for_replies(pilot, app)
        second = app.screen.session
        assert second is not None and second.tool_approvals == []
    assert len(chat_bodies(server)) == 6
    files = {json.loads(p.read_text(encoding="utf-8"))["id"]: p for p in session_files(tmp_path)}
    assert set(files) == {first.id, second.id}
    saved_first = json.loads(files[first.id].read_text(encoding="utf-8"))
    saved_second = json.loads(files[second.id].read_text(encoding="utf-8"))
    assert saved_first["tool_approvals"] == [request.scope]
    assert "tool_approvals" not in saved_second
    calls = [r["calls"][0] for m in saved_first["messages"] for r in m.get("tool_rounds", [])]
    assert [c["status"] for c in calls] == ["ok", "ok"]


def current_time_round(number: int) -> Script:
    return Script(
        content=[],
        tool_calls=[ToolCallScript(f"call_{number}", "current_time", ["{}"])],
        finish_reason="tool_calls",
    )


async def test_the_round_cap_shows_its_sentence_and_alt_g_goes_on(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, "[tools]\nmax_rounds = 2\n")
    # The model keeps calling current_time (safe: it runs unasked).
    server.enqueue(*(current_time_round(n) for n in range(3)), Script(content=["At last."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Keep calling")
        await wait_for_replies(pilot, app)
        # Two rounds run; the third request still ends in calls, which the cap leaves
        # pending: 1 + max_rounds requests.
        assert len(chat_bodies(server)) == 3
        assert capped_sentence(2) in screen_text(app)
        assert capped_sentence(2) in notices(app)
        assert screen_text(app).count("⚙ current_time() ✓") == 2
        assert "⚙ current_time() … waiting" in screen_text(app)
        saved = read_only_session(tmp_path)["messages"][1]
        assert saved["status"] == "stopped" and saved["error"] == capped_sentence(2)

        await pilot.press("alt+g")
        await wait_until(pilot, lambda: len(chat_bodies(server)) == 4)
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "At last." in text and capped_sentence(2) not in text
        assert text.count("⚙ current_time() ✓") == 3
    fourth = chat_bodies(server)[3]
    assert [m["tool_call_id"] for m in fourth["messages"] if m["role"] == "tool"] == [
        "call_0",
        "call_1",
        "call_2",
    ]
    saved = read_only_session(tmp_path)["messages"][1]
    assert (saved["status"], saved["content"]) == ("complete", "At last.")


async def test_a_model_that_refuses_tools_gets_them_turned_off(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    refusal = {"error": {"message": "This model does not support tools.", "type": "invalid"}}
    server.enqueue(Script(status=400, error_body=refusal), Script(content=["Plain answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What is the date today?")
        await wait_for_replies(pilot, app)
        assert tools_off_sentence("test-model") in notices(app)
        assert "Plain answer." in screen_text(app)
        assert "does not take tools" not in screen_text(app)  # no error left on the reply
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionSettingsScreen))
        assert app.screen.query_one("#tools_enabled", Switch).value is False
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
    first, second = chat_bodies(server)
    assert "tools" in first and "tools" not in second
    saved = read_only_session(tmp_path)
    assert saved["settings"]["tools_enabled"] is False
    assert saved["messages"][1]["content"] == "Plain answer."


async def test_tools_off_sends_no_tools_field(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["With tools."]), Script(content=["Without tools."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        await run_command(pilot, "/tools off")
        session = app.screen.session
        assert session is not None and session.settings.tools_enabled is False
        await type_and_send(pilot, "Second")
        await wait_for_replies(pilot, app)
        assert "Without tools." in screen_text(app)
    first, second = chat_bodies(server)
    assert [t["function"]["name"] for t in first["tools"]] == ["current_time"]
    assert "tools" not in second and "tool_choice" not in second
