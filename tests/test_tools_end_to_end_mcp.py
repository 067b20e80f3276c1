"""MCP tools end to end through the real parts (tests/tools_e2e_parts.py): the config's
`[mcp_servers.docs]` runs tests/mcp_server.py (the SDK's MCPServer) through the real
McpManager and ToolRegistry; the provider is the openai SDK against tests/sse_server.py.
Only the approval modal is stood in for."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script, ToolCallScript
from tools_e2e_parts import (
    MCP_SERVER,
    EndToEnd,
    Make,
    calls_of,
    calls_script,
    end_to_end_maker,
    http_mcp_server,
    tool_messages,
    until,
)

from tui_chat.config.model import Config
from tui_chat.config.parse import load_config
from tui_chat.config.writer import allow_tool_always
from tui_chat.core.settings import ChatSettings
from tui_chat.core.tool_turns import NOT_RUN
from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest

DOCS = ("current_time", "mcp:docs")


@pytest.fixture
async def make(tmp_path: Path, server: FakeOpenAIServer) -> AsyncIterator[Make]:
    async with end_to_end_maker(tmp_path, server) as make_one:
        yield make_one


def offered(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


async def test_a_lookup_then_a_crash_then_a_restart(make: Make, server: FakeOpenAIServer) -> None:
    e = await make(tools=DOCS)
    server.enqueue(
        calls_script(ToolCallScript("call_l", "docs__lookup", ['{"wo', 'rd": "t', 'ui"}'])),
        Script(content=["TUI means terminal user interface."]),
    )
    e.approver.will(ApprovalAnswer("once"))
    reply = await e.turn("what is a tui?")
    first, second = e.bodies()
    assert "current_time" in offered(first) and "docs__lookup" in offered(first)
    (asked,) = e.approver.asked
    assert (asked.label, asked.server) == ("docs.lookup", "docs")
    assert json.loads(asked.shown) == {"word": "tui"}
    (call,) = calls_of(reply)
    assert (call.status, call.label, call.server) == ("ok", "docs.lookup", "docs")
    (told,) = tool_messages(second)
    assert (told["tool_call_id"], told["content"]) == ("call_l", "terminal user interface")
    assert reply.content == "TUI means terminal user interface."
    assert e.state().state == "ready"

    server.enqueue(
        calls_script(
            ToolCallScript("call_c", "docs__crash", ["{}"]),
            ToolCallScript("call_c2", "docs__crash", ["{}"]),
        ),
        Script(content=["The tool failed."]),
    )
    e.approver.will(ApprovalAnswer("session"))  # the second call runs under it
    notices_before = len(e.notices)
    reply = await e.turn("crash it")
    crashed = calls_of(reply)
    assert [c.status for c in crashed] == ["error", "error"]
    assert (reply.status, reply.content) == ("complete", "The tool failed.")
    told = tool_messages(e.bodies()[3])[-2:]
    assert [t["tool_call_id"] for t in told] == ["call_c", "call_c2"]
    assert [t["content"] for t in told] == [c.result for c in crashed]
    assert all(c.result.startswith("docs: ") for c in crashed)
    assert e.state().state == "dead"
    # One clear line for the user, however many calls the dead server failed.
    new_lines = e.notices[notices_before:]
    assert new_lines == [crashed[0].result], new_lines
    saved_calls = e.saved()["messages"][-1]["tool_rounds"][0]["calls"]
    assert [c["status"] for c in saved_calls] == ["error", "error"]

    server.enqueue(Script(content=["Back."]))
    await e.turn("again")
    assert e.state().state == "ready"  # the send started it again
    assert "docs__lookup" in offered(e.bodies()[4])


async def test_a_call_that_times_out(make: Make, server: FakeOpenAIServer) -> None:
    e = await make(tools=("docs.slow",), extra="timeout = 0.5\n")
    server.enqueue(
        calls_script(ToolCallScript("call_s", "docs__slow", ['{"seconds": 60}'])),
        Script(content=["Too slow."]),
    )
    e.approver.will(ApprovalAnswer("once"))
    reply = await e.turn("wait")
    (call,) = calls_of(reply)
    assert (call.status, call.result) == ("error", "docs.slow timed out after 0.5 s")
    assert e.notices == [call.result]
    (told,) = tool_messages(e.bodies()[1])
    assert told["content"] == call.result
    assert reply.content == "Too slow." and e.state().state == "ready"


async def test_esc_while_a_slow_call_runs(make: Make, server: FakeOpenAIServer) -> None:
    e = await make(tools=DOCS)
    server.enqueue(calls_script(ToolCallScript("call_s", "docs__slow", ['{"seconds": 600}'])))
    e.approver.will(ApprovalAnswer("once"))
    live = e.ask("wait a long time")
    await until(lambda: [c.status for c in calls_of(live.message)] == ["running"], "the call")
    assert e.manager.stop(e.session.id)
    await e.finish(live)
    reply = live.message
    assert reply.status == "stopped"
    (call,) = calls_of(reply)
    assert call.status == "stopped" and not call.result
    saved = e.saved()["messages"][-1]
    assert saved["status"] == "stopped"
    assert saved["tool_rounds"][0]["calls"][0]["status"] == "stopped"
    assert len(e.bodies()) == 1

    # Alt+G resumes the stopped loop: the stopped call is not run again, the model is
    # told it was not run, under its call id.
    server.enqueue(Script(content=["Sorry for the wait."]))
    live = e.manager.start(e.session, continue_reply=reply)
    await e.finish(live)
    assert (reply.status, reply.content) == ("complete", "Sorry for the wait.")
    assert len(e.approver.asked) == 1 and call.status == "stopped"
    resumed = e.bodies()[1]
    assert resumed["messages"][0] == {"role": "user", "content": "wait a long time"}
    assert resumed["messages"][1]["tool_calls"][0]["id"] == "call_s"
    assert resumed["messages"][2:] == [
        {"role": "tool", "tool_call_id": "call_s", "content": NOT_RUN}
    ]
    assert e.state().state == "ready"  # stopping a call does not stop its server


async def test_a_new_question_after_esc_leaves_the_stopped_loop_out(
    make: Make, server: FakeOpenAIServer
) -> None:
    """As a reply stopped before any text is (core/context/request.py TOOL_LOOP_STOPPED):
    only Alt+G sends a stopped tool loop again."""
    e = await make(tools=DOCS)
    server.enqueue(calls_script(ToolCallScript("call_s", "docs__slow", ['{"seconds": 600}'])))
    e.approver.will(ApprovalAnswer("once"))
    live = e.ask("wait a long time")
    await until(lambda: [c.status for c in calls_of(live.message)] == ["running"], "the call")
    assert e.manager.stop(e.session.id)
    await e.finish(live)
    server.enqueue(Script(content=["Hello."]))
    reply = await e.turn("never mind")
    assert reply.status == "complete"
    assert e.bodies()[1]["messages"] == [{"role": "user", "content": "never mind"}]
    assert e.saved()["messages"][1]["tool_rounds"][0]["calls"][0]["status"] == "stopped"


async def test_a_stdio_server_gets_no_api_key(
    make: Make, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("SOMETHING_ELSE", "also not passed")
    e = await make(
        tools=("docs.env_keys",),
        log=logging.getLogger("test.e2e.env"),
        extra='env = { NAMED = "yes" }\n',
    )
    server.enqueue(
        calls_script(ToolCallScript("call_e", "docs__env_keys", ["{}"])),
        Script(content=["Done."]),
    )
    e.approver.will(ApprovalAnswer("once"))
    reply = await e.turn("which variables?")
    assert calls_of(reply)[0].status == "ok"
    (told,) = tool_messages(e.bodies()[1])
    keys = told["content"]
    assert "NAMED" in keys and "PATH" in keys
    assert "DEEPSEEK_API_KEY" not in keys and "SOMETHING_ELSE" not in keys
    assert "sk-must-not-leak" not in json.dumps(e.bodies())


def second_server(name: str) -> str:
    return (
        f'[mcp_servers."{name}"]\n'
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(str(MCP_SERVER))}]\n"
    )


async def test_allow_deny_and_two_servers(make: Make, server: FakeOpenAIServer) -> None:
    """`[tools] allow` runs a tool unasked; a table's deny hides a tool; one tool of a
    second server is picked by its label, and both servers' lookups run in one round."""
    extra = 'deny = ["crash"]\n' + second_server("my-notes") + '[tools]\nallow = ["docs.lookup"]\n'
    e = await make(tools=("mcp:docs", "my-notes.lookup"), extra=extra)
    server.enqueue(Script(content=["Hi."]))
    await e.turn("hello")
    tools = offered(e.bodies()[0])
    assert "docs__lookup" in tools and "docs__slow" in tools and "docs__crash" not in tools
    assert [t for t in tools if not t.startswith("docs__")] == ["my-notes__lookup"]

    server.enqueue(
        calls_script(
            ToolCallScript("call_a", "docs__lookup", ['{"word": "tui"}']),
            ToolCallScript("call_b", "my-notes__lookup", ['{"word": "mcp"}']),
        ),
        Script(content=["Both."]),
    )
    e.approver.will(ApprovalAnswer("once"))
    reply = await e.turn("look both up")
    (asked,) = e.approver.asked  # docs.lookup is always allowed: only the other asks
    assert (asked.label, asked.server) == ("my-notes.lookup", "my-notes")
    assert [c.label for c in calls_of(reply)] == ["docs.lookup", "my-notes.lookup"]
    told = tool_messages(e.bodies()[2])
    assert [t["content"] for t in told] == ["terminal user interface", "model context protocol"]


async def test_a_server_that_cannot_start(make: Make, server: FakeOpenAIServer) -> None:
    extra = '[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n'
    e = await make(tools=("current_time", "mcp:broken"), extra=extra)
    server.enqueue(Script(content=["Hi."]))
    reply = await e.turn("hello")
    assert (reply.status, reply.content) == ("complete", "Hi.")
    assert offered(e.bodies()[0]) == ["current_time"]
    (line,) = e.notices
    assert "broken" in line and "\n" not in line
    assert e.state("broken").state == "failed"


async def test_esc_while_the_approval_is_asked(make: Make, server: FakeOpenAIServer) -> None:
    """The user pressed Esc on the modal: the call never runs, not even by Alt+G, which
    tells the model it was not run."""
    e = await make(tools=DOCS)
    server.enqueue(calls_script(ToolCallScript("call_l", "docs__lookup", ['{"word": "tui"}'])))
    live = e.ask("what is a tui?")
    await until(lambda: bool(e.approver.asked), "the approval request")
    assert e.manager.stop(e.session.id)
    await e.finish(live)
    reply = live.message
    assert reply.status == "stopped" and calls_of(reply)[0].status == "stopped"
    assert e.saved()["messages"][-1]["tool_rounds"][0]["calls"][0]["status"] == "stopped"
    server.enqueue(Script(content=["OK."]))
    await e.finish(e.manager.start(e.session, continue_reply=reply))
    assert len(e.approver.asked) == 1 and reply.content == "OK."
    (told,) = tool_messages(e.bodies()[1])
    assert (told["tool_call_id"], told["content"]) == ("call_l", NOT_RUN)


async def test_esc_while_the_server_starts(make: Make, server: FakeOpenAIServer) -> None:
    """Esc before anything was sent: the server goes on starting, for the next send."""
    e = await make(tools=DOCS)
    live = e.ask("hello")
    await until(lambda: e.state().state == "starting", "the server starting")
    assert e.manager.stop(e.session.id)
    await e.finish(live)
    assert live.message.status == "stopped" and e.bodies() == []
    assert e.saved()["messages"][-1]["status"] == "stopped"
    await until(lambda: e.state().state == "ready", "the server ready")
    server.enqueue(Script(content=["Hi."]))
    reply = await e.turn("hello again")
    assert reply.content == "Hi." and "docs__lookup" in offered(e.bodies()[0])
    assert e.notices == []


async def test_a_streamable_http_server(make: Make, server: FakeOpenAIServer) -> None:
    with http_mcp_server() as (url, _process):
        extra = f'[mcp_servers.web]\nurl = "{url}"\nheaders = {{ X-Test = "1" }}\n'
        e = await make(tools=("web.lookup",), extra=extra)
        server.enqueue(
            calls_script(ToolCallScript("call_w", "web__lookup", ['{"word": "mcp"}'])),
            Script(content=["MCP is a protocol."]),
        )
        e.approver.will(ApprovalAnswer("once"))
        reply = await e.turn("what is mcp?")
        assert offered(e.bodies()[0]) == ["web__lookup"]
        assert (e.approver.asked[0].label, e.approver.asked[0].server) == ("web.lookup", "web")
        (told,) = tool_messages(e.bodies()[1])
        assert told["content"] == "model context protocol"
        assert reply.content == "MCP is a protocol." and e.state("web").transport == "http"
        await e.close()


async def test_the_configs_default_tools_and_a_session_with_tools_off(
    make: Make, server: FakeOpenAIServer
) -> None:
    """`[defaults] tools` is what a session without its own choice offers; a session
    with tools off sends no tools field and starts no server."""
    extra = '[defaults]\ntools = ["mcp:docs"]\n'
    off = await make(settings=ChatSettings(tools_enabled=False), extra=extra)
    server.enqueue(Script(content=["No tools."]))
    await off.turn("hello")
    assert not {"tools", "tool_choice"} & set(off.bodies()[0])
    assert off.state().state == "off"
    await off.close()

    on = await make(extra=extra)
    server.enqueue(Script(content=["Tools."]))
    await on.turn("hello")
    tools = ["docs__lookup", "docs__slow", "docs__crash", "docs__pid", "docs__env_keys"]
    assert offered(on.bodies()[-1]) == tools


def reconfigure(e: EndToEnd, config: Config) -> None:
    """What the app does when the config file changed (ui/app.py on reload)."""
    e.registry.reconfigure(config)
    e.tools.reconfigure(config)
    e.mcp.reconfigure(config.mcp_servers)


async def test_always_allow_writes_the_config(make: Make, server: FakeOpenAIServer) -> None:
    """The app's adapter writes "always" to `[tools] allow` before answering; from then on
    the tool runs unasked, in this very turn, and the file says so."""
    e = await make(tools=DOCS)
    asked = e.manager.ask_approval
    assert asked is not None

    async def adapter(request: ApprovalRequest) -> ApprovalAnswer:
        answer = await asked(request)
        if answer.choice == "always":
            reconfigure(e, allow_tool_always(e.config_path, request.label))
        return answer

    e.manager.ask_approval = adapter
    server.enqueue(
        calls_script(ToolCallScript("call_1", "docs__lookup", ['{"word": "tui"}'])),
        calls_script(ToolCallScript("call_2", "docs__lookup", ['{"word": "mcp"}'])),
        Script(content=["Both."]),
    )
    e.approver.will(ApprovalAnswer("always"))
    reply = await e.turn("look up two words")
    assert len(e.approver.asked) == 1
    assert [c.status for c in calls_of(reply)] == ["ok", "ok"]
    assert load_config(e.config_path).tools.allow == ("docs.lookup",)
    assert e.session.tool_approvals == []  # "always" lives in the config, not the session
    assert e.state().state == "ready"  # the docs table did not change: the server stays


async def test_a_reloaded_config_restarts_a_changed_server(
    make: Make, server: FakeOpenAIServer
) -> None:
    e = await make(tools=DOCS)
    server.enqueue(Script(content=["Hi."]))
    await e.turn("hello")
    assert "docs__lookup" in offered(e.bodies()[0])
    text = e.config_path.read_text(encoding="utf-8")
    e.config_path.write_text(text.replace("args = [", 'deny = ["lookup"]\nargs = ['))
    reconfigure(e, load_config(e.config_path))
    server.enqueue(Script(content=["Hi again."]))
    await e.turn("hello again")
    tools = offered(e.bodies()[1])
    assert "docs__lookup" not in tools and "docs__slow" in tools
