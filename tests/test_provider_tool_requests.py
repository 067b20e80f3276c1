"""What providers send when tools are offered, and what they make of refusals: request
bodies per dialect, tool rounds sent back, models without tools, the demo's tool round.
The real openai SDK over real HTTP against FakeOpenAIServer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script
from tool_stream_helpers import ASK, LOOKUP_TOOL, TOOLS, requested, run, texts

from tui_chat.core.settings import ChatSettings
from tui_chat.core.tool_turns import ToolCall, ToolRound, round_messages
from tui_chat.providers.demo import DEMO_CALL_ID, DemoProvider
from tui_chat.providers.dialects import DIALECTS, dialect_for
from tui_chat.providers.events import (
    ChatRequest,
    Failed,
    Finished,
    Notice,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
)

# -- request bodies ------------------------------------------------------------------------------


async def test_no_tools_no_tool_fields(server: FakeOpenAIServer) -> None:
    await run(server, "zhipu", tools=(), model="glm-4.6")
    body = server.requests[-1]["json"]
    assert not {"tools", "tool_choice", "tool_stream"} & set(body)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_tools_are_offered_with_tool_choice_auto(
    server: FakeOpenAIServer, dialect: str
) -> None:
    await run(server, dialect, model="glm-4.6")
    body = server.requests[-1]["json"]
    assert body["tools"] == list(TOOLS)
    assert body["tool_choice"] == "auto"
    assert ("tool_stream" in body) == (dialect == "zhipu")


@pytest.mark.parametrize(
    ("model", "streams"),
    [("glm-4.6", True), ("GLM-4.7-Flash", True), ("glm-5.2", True), ("glm-4.5", False)],
)
async def test_zhipu_tool_stream_for_glm_46_and_later(
    server: FakeOpenAIServer, model: str, streams: bool
) -> None:
    await run(server, "zhipu", model=model)
    body = server.requests[-1]["json"]
    assert body.get("tool_stream") is (True if streams else None)


@pytest.mark.parametrize(
    ("dialect", "thinking", "replaced"),
    [
        ("zhipu", "off", True),
        ("deepseek", "default", True),
        ("deepseek", "off", False),
        ("dashscope", "on", True),
        ("openai", "on", False),
    ],
)
async def test_a_forced_tool_choice_from_extra_body(
    server: FakeOpenAIServer, dialect: str, thinking: str, replaced: bool
) -> None:
    forced = {"type": "function", "function": {"name": "current_time"}}
    events = await run(
        server,
        dialect,
        settings=ChatSettings(thinking=thinking),  # type: ignore[arg-type]
        extra_body={"tool_choice": forced},
    )
    body = server.requests[-1]["json"]
    notices = [e.text for e in events if isinstance(e, Notice)]
    if replaced:
        assert body["tool_choice"] == "auto"
        assert any("tool_choice" in n for n in notices)
    else:
        assert body["tool_choice"] == forced
        assert not any("tool_choice" in n for n in notices)


ROUND = ToolRound(
    content="",
    reasoning="The user wants the date: call current_time.",
    calls=[
        ToolCall(
            id="call_b",
            name="current_time",
            arguments="{}",
            status="ok",
            result='{"date": "2026-12-03"}',
        )
    ],
)


@pytest.mark.parametrize(
    ("dialect", "model", "key"),
    [
        ("deepseek", "deepseek-v4", "reasoning_content"),
        ("zhipu", "glm-4.6", "reasoning_content"),
        ("dashscope", "qwen3-max", "reasoning_content"),
        ("siliconflow", "Qwen/Qwen3-8B", "reasoning_content"),
        ("modelscope", "Qwen/Qwen3-8B", "reasoning_content"),
        ("vllm", "qwen3", "reasoning"),
        ("ollama", "qwen3", "reasoning"),
        ("openai", "gpt-5", None),
        ("openrouter", "deepseek/deepseek-v4", None),
        ("lkeap", "deepseek-r1", None),
        ("generic", "deepseek-v4-flash", "reasoning_content"),
        ("generic", "qwen3", None),
    ],
)
async def test_tool_rounds_go_back_with_the_dialects_reasoning_key(
    server: FakeOpenAIServer, dialect: str, model: str, key: str | None
) -> None:
    field = dialect_for(dialect).tool_reasoning_key(model)
    assert field == key
    assert dialect_for(dialect).pass_back_reasoning is False
    messages = ASK + round_messages([ROUND], field)
    await run(server, dialect, model=model, messages=messages)
    sent = server.requests[-1]["json"]["messages"]
    assistant = sent[1]
    assert assistant["role"] == "assistant" and assistant["content"] is None
    assert assistant["tool_calls"] == [
        {
            "id": "call_b",
            "type": "function",
            "function": {"name": "current_time", "arguments": "{}"},
        }
    ]
    reasoning_keys = {"reasoning_content", "reasoning"} & set(assistant)
    if key is None:
        assert not reasoning_keys
    else:
        assert reasoning_keys == {key}
        assert assistant[key] == ROUND.reasoning
    assert sent[2] == {
        "role": "tool",
        "tool_call_id": "call_b",
        "content": '{"date": "2026-12-03"}',
    }


async def test_deepseek_gets_an_empty_reasoning_key_too(server: FakeOpenAIServer) -> None:
    """DeepSeek's thinking mode wants the key on every assistant message with tool_calls."""
    silent = ToolRound(content="Checking.", calls=ROUND.calls)
    messages = ASK + round_messages([silent], dialect_for("deepseek").tool_reasoning_key("m"))
    await run(server, "deepseek", messages=messages)
    assistant = server.requests[-1]["json"]["messages"][1]
    assert assistant["reasoning_content"] == ""
    assert assistant["content"] == "Checking."


# -- models that take no tools -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (400, "registry.ollama.ai/library/gemma:2b does not support tools"),
        (400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser'),
        (400, "tools param requires --jinja flag"),
        (404, "No endpoints found that support tool use."),
        (400, "Function calling is not supported by this model."),
        (400, "当前模型不支持 tools 参数"),
    ],
)
async def test_a_model_without_tools_is_explained(
    server: FakeOpenAIServer, status: int, said: str
) -> None:
    server.enqueue(Script(status=status, error_body={"error": {"message": said}}))
    events = await run(server, "ollama")
    assert isinstance(events[-1], Failed)
    error = events[-1].error
    assert error.kind == "tools_unsupported"
    assert error.title == "This model does not take tools"
    assert said[:20] in error.message
    assert not error.retryable


@pytest.mark.parametrize("tools", [(), TOOLS], ids=["without tools", "with tools but other words"])
async def test_other_refusals_are_not_about_tools(
    server: FakeOpenAIServer, tools: tuple[dict[str, Any], ...]
) -> None:
    said = "does not support tools" if not tools else "Invalid value for 'temperature'."
    server.enqueue(Script(status=400, error_body={"error": {"message": said}}))
    events = await run(server, tools=tools)
    assert isinstance(events[-1], Failed)
    assert events[-1].error.kind != "tools_unsupported"


# -- the demo ------------------------------------------------------------------------------------


async def test_the_demo_calls_current_time_then_quotes_it() -> None:
    demo = DemoProvider(delay=0)
    first = [e async for e in demo.stream(ChatRequest("demo", ASK, tools=TOOLS))]
    assert ToolCallStreaming(0, "current_time") in first
    (call,) = requested(first)
    assert (call.id, call.name, call.wire_arguments()) == (DEMO_CALL_ID, "current_time", "{}")
    assert first[-1] == Finished("tool_calls", "demo")
    assert not any(isinstance(e, TextDelta) for e in first)

    call.status = "ok"
    call.result = json.dumps(
        {
            "iso": "2026-12-03T18:04:05+00:00",
            "date": "2026-12-03",
            "time": "18:04:05",
            "weekday": "Thursday",
            "timezone": "UTC",
            "utc_offset": "+00:00",
        }
    )
    messages = ASK + round_messages([ToolRound(calls=[call])])
    second = [e async for e in demo.stream(ChatRequest("demo", messages, tools=TOOLS))]
    assert texts(second).startswith(
        "It is Thursday, 3 December 2026, 18:04 (UTC): the current_time tool told me "
        "(the ⚙ card above)."
    )
    assert not any(isinstance(e, ToolCallsRequested) for e in second)
    assert second[-1] == Finished("stop", "demo")


async def test_the_demo_without_tools_answers_at_once() -> None:
    demo = DemoProvider(delay=0)
    events = [e async for e in demo.stream(ChatRequest("demo", ASK, tools=(LOOKUP_TOOL,)))]
    assert not any(isinstance(e, ToolCallsRequested) for e in events)
    assert texts(events).startswith("## Hello from the offline demo")
