"""Tools end to end through the real parts (tests/tools_e2e_parts.py): a config file, the
provider registry and the openai SDK against tests/sse_server.py, the ToolRegistry's
built-in tools, the session file on disk. Only the approval modal is stood in for.

What is checked is what leaves the app: the request bodies the server got, and the
session file. The MCP half is in test_tools_end_to_end_mcp.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script, ToolCallScript
from tools_e2e_parts import (
    EndToEnd,
    Make,
    calls_of,
    calls_script,
    end_to_end_maker,
    tool_messages,
)

from tui_chat.core.settings import ChatSettings
from tui_chat.services.tool_loop import capped_sentence, tools_off_sentence
from tui_chat.tools.approval import ApprovalAnswer


@pytest.fixture
async def make(tmp_path: Path, server: FakeOpenAIServer) -> AsyncIterator[Make]:
    async with end_to_end_maker(tmp_path, server) as make_one:
        yield make_one


def saved_reply(e: EndToEnd) -> dict[str, Any]:
    """The last message of the session file on disk."""
    message: dict[str, Any] = e.saved()["messages"][-1]
    return message


def today() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d")


async def test_what_is_the_date_today(make: Make, server: FakeOpenAIServer) -> None:
    e = await make()
    pieces = ["{", " ", "}"]
    server.enqueue(
        calls_script(ToolCallScript("call_date", "current_time", pieces), content=["Let me see."]),
        Script(content=["Today is ", "the day."]),
    )
    before = today()
    reply = await e.turn("what is the date today?")
    after = today()
    assert not e.approver.asked  # current_time is safe: it runs without asking
    assert (reply.status, reply.content) == ("complete", "Today is the day.")
    first, second = e.bodies()
    assert [t["function"]["name"] for t in first["tools"]] == ["current_time"]
    assistant, tool = second["messages"][-2:]
    assert assistant["role"] == "assistant" and assistant["content"] == "Let me see."
    assert assistant["tool_calls"] == [
        {
            "id": "call_date",
            "type": "function",
            "function": {"name": "current_time", "arguments": "{ }"},  # exactly as streamed
        }
    ]
    assert (tool["role"], tool["tool_call_id"]) == ("tool", "call_date")
    assert json.loads(tool["content"])["date"] in {before, after}
    saved = saved_reply(e)
    assert (saved["status"], saved["content"]) == ("complete", "Today is the day.")
    (saved_round,) = saved["tool_rounds"]
    assert saved_round["content"] == "Let me see."
    (saved_call,) = saved_round["calls"]
    assert (saved_call["id"], saved_call["status"]) == ("call_date", "ok")
    assert saved_call["arguments"] == "{ }" and saved_call["result"] == tool["content"]

    server.enqueue(Script(content=["You are welcome."]))
    await e.turn("thanks")
    third = e.bodies()[2]
    # The whole round is sent again as it was, then the answer, then the new question.
    assert third["messages"][: len(second["messages"])] == second["messages"]
    assert third["messages"][len(second["messages"]) :] == [
        {"role": "assistant", "content": "Today is the day."},
        {"role": "user", "content": "thanks"},
    ]


async def test_two_interleaved_calls_one_asks(
    make: Make, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("buy milk\n", encoding="utf-8")
    e = await make(tools=("current_time", "read_file"))
    read_args = json.dumps({"path": str(notes)})
    server.enqueue(
        calls_script(
            ToolCallScript("call_t", "current_time", ["{", "}"]),
            ToolCallScript("call_r", "read_file", [read_args[:5], read_args[5:12], read_args[12:]]),
            tool_call_style="interleave",
        ),
        Script(content=["Milk."]),
    )
    e.approver.will(ApprovalAnswer("once"))
    reply = await e.turn("what do my notes say?")
    (asked,) = e.approver.asked  # only read_file asks
    assert asked.label == "read_file" and str(notes) in asked.shown
    assert asked.session_id == e.session.id
    assert [c.status for c in calls_of(reply)] == ["ok", "ok"]
    assert reply.content == "Milk."
    second = e.bodies()[1]
    assistant = second["messages"][-3]
    assert [c["function"]["arguments"] for c in assistant["tool_calls"]] == ["{}", read_args]
    time_result, file_result = tool_messages(second)
    assert [time_result["tool_call_id"], file_result["tool_call_id"]] == ["call_t", "call_r"]
    assert "date" in json.loads(time_result["content"])
    assert "buy milk" in file_result["content"]
    assert e.session.tool_approvals == []  # "once" is not kept
    assert e.saved().get("tool_approvals", []) == []


async def test_deny_with_a_reason_then_allow_for_the_session(
    make: Make, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the password\n", encoding="utf-8")
    arguments = json.dumps({"path": str(secret)})
    e = await make(tools=("read_file",))
    server.enqueue(
        calls_script(ToolCallScript("call_1", "read_file", [arguments])),
        Script(content=["I will not read it."]),
    )
    e.approver.will(ApprovalAnswer("deny", "that file is private"))
    reply = await e.turn("read my secret")
    (call,) = calls_of(reply)
    assert (call.status, call.denial_reason) == ("denied", "that file is private")
    (told,) = tool_messages(e.bodies()[1])
    assert told["tool_call_id"] == "call_1"
    assert "that file is private" in told["content"] and "password" not in told["content"]

    server.enqueue(
        calls_script(ToolCallScript("call_2", "read_file", [arguments])),
        calls_script(ToolCallScript("call_3", "read_file", [arguments])),
        Script(content=["Read it twice."]),
    )
    e.approver.will(ApprovalAnswer("session"))
    reply = await e.turn("now you may read it, twice")
    assert len(e.approver.asked) == 2  # call_3 ran under the session's approval
    scope = e.approver.asked[1].scope
    assert [c.status for c in calls_of(reply)] == ["ok", "ok"]
    assert e.session.tool_approvals == [scope]
    assert e.saved()["tool_approvals"] == [scope]
    bodies = e.bodies()
    assert len(bodies) == 5
    assert [m["tool_call_id"] for m in tool_messages(bodies[-1])] == ["call_1", "call_2", "call_3"]
    assert all("the password" in m["content"] for m in tool_messages(bodies[-1])[1:])


async def test_the_round_cap(make: Make, server: FakeOpenAIServer) -> None:
    e = await make(extra="[tools]\nmax_rounds = 2\n")
    server.enqueue(
        *(calls_script(ToolCallScript(f"call_{n}", "current_time", ["{}"])) for n in range(3)),
        Script(content=["never asked for"]),
    )
    reply = await e.turn("keep calling")
    # Rounds 1 and 2 run; the third request still ends in calls, which stop the turn.
    assert len(e.bodies()) == 3
    assert reply.status == "stopped" and reply.error == capped_sentence(2)
    assert capped_sentence(2) in e.notices
    assert [c.status for c in calls_of(reply)] == ["ok", "ok", "pending"]
    saved = saved_reply(e)
    assert saved["status"] == "stopped" and saved["error"] == capped_sentence(2)
    assert [r["calls"][0]["id"] for r in saved["tool_rounds"]] == ["call_0", "call_1", "call_2"]
    assert [r["calls"][0]["status"] for r in saved["tool_rounds"]] == ["ok", "ok", "pending"]

    # Alt+G runs the call the cap left pending and lets the model go on.
    await e.finish(e.manager.start(e.session, continue_reply=reply))
    assert (reply.status, reply.content) == ("complete", "never asked for")
    fourth = e.bodies()[3]
    assert [m["tool_call_id"] for m in tool_messages(fourth)] == ["call_0", "call_1", "call_2"]
    assert "date" in json.loads(tool_messages(fourth)[-1]["content"])
    assert saved_reply(e)["tool_rounds"][2]["calls"][0]["status"] == "ok"


@pytest.mark.parametrize(
    ("dialect", "model", "field", "key"),
    [
        ("deepseek", "deepseek-v4", "reasoning_content", "reasoning_content"),
        ("dashscope", "qwen3-max", "reasoning_content", "reasoning_content"),
        ("vllm", "qwen3", "reasoning", "reasoning"),
        ("generic", "deepseek-v4-flash", "reasoning_content", "reasoning_content"),
        ("openrouter", "deepseek/deepseek-v4", "reasoning", None),
    ],
)
async def test_thinking_sends_the_rounds_reasoning_back(
    make: Make, server: FakeOpenAIServer, dialect: str, model: str, field: str, key: str | None
) -> None:
    """DeepSeek's thinking mode (and the models that follow it) needs a round's reasoning
    back on its assistant message: the one exception to "reasoning is never resent"."""
    e = await make(dialect=dialect, model=model, settings=ChatSettings(thinking="on"))
    server.enqueue(
        calls_script(
            ToolCallScript("call_d", "current_time", ["{}"]),
            reasoning=["The user wants ", "the date."],
            reasoning_field=field,
        ),
        Script(content=["Today."], reasoning=["Got it."], reasoning_field=field),
    )
    reply = await e.turn("what is the date today?")
    assert reply.content == "Today."
    assert reply.tool_rounds[0].reasoning == "The user wants the date."
    first, second = e.bodies()
    assert first["tool_choice"] == "auto" and second["tool_choice"] == "auto"
    assistant = second["messages"][-2]
    assert assistant["tool_calls"][0]["id"] == "call_d"
    sent = {k: v for k, v in assistant.items() if k.startswith("reasoning")}
    assert sent == ({key: "The user wants the date."} if key else {})
    # Reasoning is never resent otherwise: not on plain answers of later turns.
    server.enqueue(Script(content=["Bye."]))
    await e.turn("thanks")
    third = e.bodies()[2]
    answers = [m for m in third["messages"] if m["role"] == "assistant" and "tool_calls" not in m]
    assert answers and all(not k.startswith("reasoning") for m in answers for k in m)
    assert third["messages"][-4] == assistant


async def test_zhipu_streams_tool_arguments(make: Make, server: FakeOpenAIServer) -> None:
    e = await make(dialect="zhipu", model="glm-4.6")
    server.enqueue(
        calls_script(ToolCallScript("call_z", "current_time", ["{", "}"])),
        Script(content=["Today."]),
    )
    reply = await e.turn("what is the date today?")
    assert reply.content == "Today." and calls_of(reply)[0].status == "ok"
    for body in e.bodies():
        assert body["tool_choice"] == "auto" and body["tool_stream"] is True


async def test_a_model_without_tools(make: Make, server: FakeOpenAIServer) -> None:
    e = await make()
    refusal = {"error": {"message": "This model does not support tools.", "type": "invalid"}}
    server.enqueue(Script(status=400, error_body=refusal), Script(content=["Plain answer."]))
    reply = await e.turn("what is the date today?")
    first, second = e.bodies()
    assert "tools" in first and not {"tools", "tool_choice"} & set(second)
    assert second["messages"] == first["messages"]
    assert (reply.status, reply.content, reply.error) == ("complete", "Plain answer.", None)
    assert tools_off_sentence("test-model") in e.notices
    assert e.session.settings.tools_enabled is False
    assert e.saved()["settings"]["tools_enabled"] is False
    server.enqueue(Script(content=["Again."]))
    await e.turn("and now?")
    assert "tools" not in e.bodies()[2]


async def test_a_call_printed_as_text_runs(make: Make, server: FakeOpenAIServer) -> None:
    """A local Qwen model without a tool-call parser prints the call in its text."""
    e = await make(dialect="ollama", model="qwen3")
    server.enqueue(
        Script(
            content=[
                "Let me check. <tool",
                '_call>{"name": "current_time", ',
                '"arguments": {}}</tool_call>',
            ]
        ),
        Script(content=["Today."]),
    )
    reply = await e.turn("what is the date today?")
    assert reply.content == "Today."
    (tool_round,) = reply.tool_rounds
    assert "<tool_call>" not in tool_round.content and "Let me check." in tool_round.content
    (call,) = tool_round.calls
    assert (call.name, call.status, call.from_text) == ("current_time", "ok", True)
    second = e.bodies()[1]
    assistant, told = second["messages"][-2:]
    assert assistant["tool_calls"][0]["id"] == call.id == told["tool_call_id"]
    assert assistant["tool_calls"][0]["function"]["name"] == "current_time"
    assert "date" in json.loads(told["content"])
    assert e.saved()["messages"][-1]["tool_rounds"][0]["calls"][0]["from_text"] is True


async def test_control_codes_in_a_tool_result(
    make: Make, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """A file that tries to drive the terminal: the codes never reach the request, the
    session file or the call's result."""
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("red \x1b[31mtext\x1b[0m\x07 and \x1b]52;c;cHduZWQ=\x07 done\n")
    e = await make(tools=("read_file",), extra='[tools]\nallow = ["read_file"]\n')
    server.enqueue(
        calls_script(ToolCallScript("call_h", "read_file", [json.dumps({"path": str(hostile)})])),
        Script(content=["Read."]),
    )
    reply = await e.turn("read it")
    assert not e.approver.asked  # allowed in the config
    (call,) = calls_of(reply)
    assert call.status == "ok" and "text" in call.result and "done" in call.result
    (told,) = tool_messages(e.bodies()[1])
    raw = e.store.path_for(e.session.id).read_text(encoding="utf-8")
    for text in (call.result, told["content"], raw):
        assert "\x1b" not in text and "\x07" not in text and "\\u001b" not in text


async def test_a_reloaded_session_resends_the_same_rounds(
    make: Make, server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """After a restart (the session read back from its file), the rounds go out as they
    did before, and the session's approvals still hold."""
    notes = tmp_path / "notes.md"
    notes.write_text("buy milk\n", encoding="utf-8")
    arguments = json.dumps({"path": str(notes)})
    e = await make(tools=("current_time", "read_file"))
    server.enqueue(
        calls_script(
            ToolCallScript("call_t", "current_time", ["{", "}"]),
            ToolCallScript("call_r", "read_file", [arguments[:3], arguments[3:]]),
            content=["Looking."],
        ),
        calls_script(ToolCallScript("call_x", "nope", ["{}"])),
        calls_script(ToolCallScript("call_j", "read_file", ['{"path": '])),
        Script(content=["Milk."]),
    )
    e.approver.will(ApprovalAnswer("session"))
    reply = await e.turn("what do my notes say?")
    assert [c.status for c in calls_of(reply)] == ["ok", "ok", "error", "error"]
    unknown, broken = calls_of(reply)[2:]
    assert "not offered" in unknown.result and "current_time" in unknown.result
    assert "not a JSON object" in broken.result
    assert len(e.approver.asked) == 1

    loaded = e.store.load(e.session.id)
    e.session = loaded
    server.enqueue(
        calls_script(ToolCallScript("call_again", "read_file", [arguments])),
        Script(content=["Still milk."]),
    )
    await e.turn("and now?")
    assert len(e.approver.asked) == 1  # the session's approval came back from the file
    before, after = e.bodies()[3], e.bodies()[4]
    assert after["messages"][: len(before["messages"])] == before["messages"]


async def test_stop_from_the_approval(make: Make, server: FakeOpenAIServer, tmp_path: Path) -> None:
    """The modal's "stop" answer ends the turn as Esc does: nothing runs, all is kept."""
    notes = tmp_path / "notes.md"
    notes.write_text("buy milk\n", encoding="utf-8")
    e = await make(tools=("current_time", "read_file"))
    server.enqueue(
        calls_script(
            ToolCallScript("call_t", "current_time", ["{}"]),
            ToolCallScript("call_r", "read_file", [json.dumps({"path": str(notes)})]),
        )
    )
    e.approver.will(ApprovalAnswer("stop"))
    reply = await e.turn("what do my notes say?")
    assert reply.status == "stopped"
    assert [c.status for c in calls_of(reply)] == ["stopped", "stopped"]
    assert len(e.bodies()) == 1
    saved = saved_reply(e)
    assert saved["status"] == "stopped"
    assert [c["status"] for c in saved["tool_rounds"][0]["calls"]] == ["stopped", "stopped"]


async def test_run_shell_session_approval_covers_that_command_only(
    make: Make, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-must-not-leak")
    e = await make(tools=("run_shell",), extra="[tools]\nrun_shell = true\n")
    probe = 'echo "key=${DEEPSEEK_API_KEY:-none}"'
    other = probe + "; echo more"
    server.enqueue(
        calls_script(ToolCallScript("call_1", "run_shell", [json.dumps({"command": probe})])),
        calls_script(ToolCallScript("call_2", "run_shell", [json.dumps({"command": probe})])),
        calls_script(ToolCallScript("call_3", "run_shell", [json.dumps({"command": other})])),
        Script(content=["Done."]),
    )
    e.approver.will(ApprovalAnswer("session"), ApprovalAnswer("deny"))
    reply = await e.turn("run it")
    # The same command ran again unasked; a longer one asked again (and was denied).
    assert [a.shown.splitlines()[0] for a in e.approver.asked] == [
        f"/bin/sh -c '{probe}'",
        f"/bin/sh -c '{other}'",
    ]
    assert [c.status for c in calls_of(reply)] == ["ok", "ok", "denied"]
    assert e.saved()["tool_approvals"] == [f"run_shell:{probe}"]
    results = [c.result for c in calls_of(reply)[:2]]
    assert all("key=none" in r for r in results), results
    assert "sk-must-not-leak" not in json.dumps(e.bodies())
