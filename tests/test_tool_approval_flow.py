"""The whole way of a tool call through the app: the model asks for a call, the approval
modal asks the user, the card shows how it went, the model gets the result. Runs once the
tool loop, the registry and the config writer are merged (skipped before)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_harness import (
    approval_shown,
    make_app,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script, ToolCallScript

from tui_chat.ui.screens.tool_approval import ToolApprovalScreen
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.widgets.tool_cards import card_line

SIZE = (110, 36)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def read_file_turn(server: FakeOpenAIServer, path: Path) -> None:
    arguments = json.dumps({"path": str(path)})
    server.enqueue(
        Script(
            content=["Let me read it."],
            tool_calls=[ToolCallScript("call_1", "read_file", [arguments[:5], arguments[5:]])],
            finish_reason="tool_calls",
        )
    )
    server.enqueue(Script(content=["It says hello."]))


def tool_messages(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    return [m for m in server.requests[-1]["json"]["messages"] if m.get("role") == "tool"]


def app_with_read_file(tmp_path: Path, server: FakeOpenAIServer) -> Any:
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        '[defaults]\ntools = ["read_file", "current_time"]\n',
    )
    return make_app(tmp_path, server)


async def test_allow_once_runs_the_call_and_shows_its_card(tmp_path: Path, server) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("hello from the notes", encoding="utf-8")
    read_file_turn(server, notes)
    app = app_with_read_file(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        assert "Allow read_file?" in screen_text(app)
        # Under the modal, the reply already shows the round's text and the waiting card.
        reply = app.chat_screen.query_one(AssistantMessage)
        await wait_until(pilot, lambda: len(reply.rounds.cards) == 1)
        assert card_line(reply.rounds.cards[0].call).plain.endswith("… waiting")
        assert reply.body.source == ""
        await pilot.press("a")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "⚙ read_file(path=" in text and "✓" in text
        assert text.index("Let me read it.") < text.index("⚙ read_file") < text.index(
            "It says hello."
        )
    assert "hello from the notes" in tool_messages(server)[0]["content"]
    turn = read_only_session(tmp_path)["messages"][1]
    assert turn["tool_rounds"][0]["calls"][0]["status"] == "ok"


async def test_enter_on_the_modal_denies_and_the_model_gets_the_reason(
    tmp_path: Path, server
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("secret", encoding="utf-8")
    read_file_turn(server, notes)
    app = app_with_read_file(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.press("enter", *"private", "enter")
        await wait_for_replies(pilot, app)
        assert "✗ denied" in screen_text(app)
    said = tool_messages(server)[0]["content"]
    assert "denied" in said and "private" in said and "secret" not in said


async def test_escape_on_the_modal_stops_the_reply(tmp_path: Path, server) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("x", encoding="utf-8")
    read_file_turn(server, notes)
    app = app_with_read_file(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What do my notes say?")
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.press("escape")
        await wait_for_replies(pilot, app)
        assert not isinstance(app.screen, ToolApprovalScreen)
        assert "■ stopped" in screen_text(app)
    assert read_only_session(tmp_path)["messages"][1]["status"] == "stopped"


async def test_the_demo_shows_a_current_time_card(tmp_path: Path) -> None:
    """The offline demo answers a time question with a current_time call (safe: it runs
    without asking) and its card above the answer."""
    app = make_app(tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What time is it?")
        await wait_for_replies(pilot, app)
        assert not isinstance(app.screen, ToolApprovalScreen)
        text = screen_text(app)
        assert "⚙ current_time() ✓" in text
        assert text.index("⚙ current_time()") < text.index("the current_time tool told me")
        # The question went with the request (the reply being written is no canned one).
        assert "You asked: *What time is it?*" in app.screen.session.messages[-1].content
