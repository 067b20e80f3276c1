"""Pilot tests of MCP tools through the whole app, with the real test server
(tests/mcp_server.py) started by the app: Esc on the chat screen while a server's tool runs,
and a server that dies in the middle of a call. Each checks that no server process is left
running once the app has quit (the app stops its servers on unmount)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from app_harness import (
    approval_shown,
    make_app,
    notices,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script, ToolCallScript
from test_tool_approval_flow import SIZE, tool_messages
from test_tool_flow_pilot import chat_bodies

from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.chat import ChatScreen

MCP_SERVER = Path(__file__).with_name("mcp_server.py")
WAIT = 20.0
"""Seconds a condition may take (the app starts the MCP server, a Python process)."""


def mcp_server_pids() -> set[int]:
    """The running tests/mcp_server.py processes this test process started (zombies have
    no command line, so a stopped but not yet reaped one is not counted)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if parent == os.getpid() and str(MCP_SERVER).encode() in command:
            found.add(int(entry.name))
    return found


def app_with_docs(tmp_path: Path, server: FakeOpenAIServer) -> TuiChatApp:
    """The app with the test MCP server as [mcp_servers.docs], offered to every session."""
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        '[defaults]\ntools = ["current_time", "mcp:docs"]\n'
        "[mcp_servers.docs]\n"
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(str(MCP_SERVER))}]\n",
    )
    return make_app(tmp_path, server)


def calls_round(call: ToolCallScript) -> Script:
    return Script(content=["Let me see."], tool_calls=[call], finish_reason="tool_calls")


def saved_calls(tmp_path: Path) -> list[dict[str, Any]]:
    reply = read_only_session(tmp_path)["messages"][1]
    return [call for tool_round in reply.get("tool_rounds", []) for call in tool_round["calls"]]


async def test_esc_while_a_server_tool_runs(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.enqueue(
        calls_round(ToolCallScript("call_s", "docs__slow", ['{"seconds":', " 600}"])),
        Script(content=["Still here."]),
    )
    app = app_with_docs(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Wait a long time")
        await wait_until(pilot, lambda: approval_shown(app), WAIT)
        assert "Allow docs.slow?" in screen_text(app) and "Server: docs" in screen_text(app)
        await pilot.press("a")
        await wait_until(pilot, lambda: "⚙ docs.slow(seconds=600) … running" in screen_text(app))
        assert len(mcp_server_pids()) == 1
        await pilot.press("escape")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "⚙ docs.slow(seconds=600) ■ stopped" in text
        assert "■ Stopped" in text
        await wait_until(pilot, lambda: [c["status"] for c in saved_calls(tmp_path)] == ["stopped"])
        reply = read_only_session(tmp_path)["messages"][1]
        assert reply["status"] == "stopped"
        assert reply["tool_rounds"][0]["calls"][0]["id"] == "call_s"

        # The app goes on: the next question is answered.
        await type_and_send(pilot, "Are you there?")
        await wait_for_replies(pilot, app)
        assert "Still here." in screen_text(app)
        assert isinstance(app.screen, ChatScreen)
        assert len(chat_bodies(server)) == 2
    assert mcp_server_pids() == set()
    assert read_only_session(tmp_path)["messages"][3]["content"] == "Still here."


async def test_a_server_that_dies_mid_call(tmp_path: Path, server: FakeOpenAIServer) -> None:
    server.enqueue(
        calls_round(ToolCallScript("call_c", "docs__crash", ["{}"])),
        Script(content=["The tool failed, sorry."]),
        Script(content=["Yes."]),
    )
    app = app_with_docs(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Crash it")
        await wait_until(pilot, lambda: approval_shown(app), WAIT)
        assert "Allow docs.crash?" in screen_text(app)
        await pilot.press("a")
        await wait_for_replies(pilot, app, WAIT)
        text = screen_text(app)
        assert "⚙ docs.crash() ✗ error" in text
        assert "The tool failed, sorry." in text
        (call,) = saved_calls(tmp_path)
        assert call["status"] == "error" and call["result"].startswith("docs: ")
        # One clear line for the user: the call's result, shown once.
        assert notices(app).count(call["result"]) == 1
        assert [n for n in notices(app) if "docs" in n] == [call["result"]]
        # The model was told the call failed, and answered.
        (told,) = tool_messages(server)
        assert (told["tool_call_id"], told["content"]) == ("call_c", call["result"])

        # The app did not exit and goes on.
        assert app.is_running and app.return_code is None
        await type_and_send(pilot, "Still there?")
        await wait_for_replies(pilot, app, WAIT)
        assert "Yes." in screen_text(app)
    assert len(chat_bodies(server)) == 3
    assert mcp_server_pids() == set()
