"""Providers speak tools, end to end: the real openai SDK over real HTTP against
FakeOpenAIServer streaming scripted tool calls (tests/sse_tool_calls.py)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from sse_server import FakeOpenAIServer, Script, ToolCallScript

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.settings import ChatSettings
from tui_chat.core.tool_turns import ToolCall, ToolRound, round_messages
from tui_chat.providers.demo import DEMO_CALL_ID, DemoProvider
from tui_chat.providers.dialects import DIALECTS, dialect_for
from tui_chat.providers.events import (
    UNOFFERED_TOOL_CALLS,
    ChatRequest,
    Failed,
    Finished,
    Notice,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
)
from tui_chat.providers.openai_compat import NO_RETRY, OpenAICompatibleProvider

ASK = [{"role": "user", "content": "What is the date?"}]
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "current_time",
        "description": "The current date and time.",
        "parameters": {"type": "object", "properties": {}},
    },
}
LOOKUP_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "docs__lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
    },
}
TOOLS = (TIME_TOOL, LOOKUP_TOOL)
TWO_CALLS = [
    ToolCallScript("call_a", "docs__lookup", ['{"wo', 'rd": ', '"终端"}']),
    ToolCallScript("call_b", "current_time", ["{", "}"]),
]


def provider_for(server: FakeOpenAIServer, dialect: str = "generic") -> OpenAICompatibleProvider:
    config = ProviderConfig(
        name=dialect,
        base_url=server.base_url,
        api_key_env=None,
        dialect=dialect,
        timeout=5.0,
    )
    return OpenAICompatibleProvider(config, api_key="sk-test", retry=NO_RETRY)


async def run(
    server: FakeOpenAIServer,
    dialect: str = "generic",
    *,
    tools: tuple[dict[str, Any], ...] = TOOLS,
    model: str = "test-model",
    messages: list[dict[str, Any]] | None = None,
    settings: ChatSettings | None = None,
    extra_body: dict[str, Any] | None = None,
) -> list[StreamEvent]:
    provider = provider_for(server, dialect)
    request = ChatRequest(
        model=model,
        messages=messages or ASK,
        tools=tools,
        settings=settings,
        extra_body=extra_body or {},
    )
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def requested(events: list[StreamEvent]) -> list[ToolCall]:
    found = [e for e in events if isinstance(e, ToolCallsRequested)]
    assert len(found) == 1, events
    # Sent once, right before Finished.
    assert events.index(found[0]) == len(events) - 2 and isinstance(events[-1], Finished)
    return list(found[0].calls)


def summary(calls: list[ToolCall]) -> list[tuple[str, str, str]]:
    return [(c.id, c.name, c.arguments) for c in calls]


def texts(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# -- the server streams calls as real providers do ---------------------------------------------


async def test_the_server_streams_heads_then_argument_pieces(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(
            content=[],
            tool_calls=TWO_CALLS,
            tool_call_style="interleave",
            finish_reason="tool_calls",
        )
    )
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    try:
        stream = await client.chat.completions.create(
            model="m",
            messages=ASK,
            stream=True,
            tools=list(TOOLS),  # type: ignore[arg-type]
        )
        chunks = [chunk async for chunk in stream]
    finally:
        await client.close()
    pieces = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or ()]
    order = [(p.index, p.id, p.function.name if p.function else None) for p in pieces]
    assert order[:2] == [(0, "call_a", "docs__lookup"), (1, "call_b", "current_time")]
    assert [p.index for p in pieces[2:]] == [0, 1, 0, 1, 0]
    assert all(p.id is None for p in pieces[2:])
    assert chunks[-1].choices[0].finish_reason == "tool_calls"  # no include_usage: no usage chunk
    assert server.requests[-1]["json"]["tools"] == list(TOOLS)


# -- assembling calls ----------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["stream", "interleave", "whole"])
async def test_calls_are_assembled_whatever_the_streaming_style(
    server: FakeOpenAIServer, style: str
) -> None:
    server.enqueue(
        Script(content=[], tool_calls=TWO_CALLS, tool_call_style=style, finish_reason="tool_calls")
    )
    events = await run(server)
    assert summary(requested(events)) == [
        ("call_a", "docs__lookup", '{"word": "终端"}'),
        ("call_b", "current_time", "{}"),
    ]
    assert events[-1] == Finished("tool_calls", "test-model")
    assert Finished("tool_calls").description is None  # the loop runs them: nothing to say
    assert UNOFFERED_TOOL_CALLS  # the loop's words for calls it never offered


async def test_names_stream_before_the_calls_complete(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(
            reasoning=["I need ", "the date."],
            content=["Let me check."],
            tool_calls=TWO_CALLS,
            tool_call_style="interleave",
            tool_call_head_piece=True,
            finish_reason="tool_calls",
        )
    )
    events = await run(server)
    kinds = [type(e).__name__ for e in events if not isinstance(e, Notice)]
    streaming = [e for e in events if isinstance(e, ToolCallStreaming)]
    assert streaming == [ToolCallStreaming(0, "docs__lookup"), ToolCallStreaming(1, "current_time")]
    first_name = kinds.index("ToolCallStreaming")
    assert kinds[:first_name] == ["ReasoningDelta", "ReasoningDelta", "TextDelta"]
    assert kinds[first_name:] == [
        "ToolCallStreaming",
        "ToolCallStreaming",
        "UsageReport",
        "ToolCallsRequested",
        "Finished",
    ]
    assert texts(events) == "Let me check."
    assert [c.arguments for c in requested(events)] == ['{"word": "终端"}', "{}"]


@pytest.mark.parametrize(("with_index", "repeat_id"), [(False, False), (False, True), (True, True)])
async def test_pieces_without_index_or_with_repeated_ids(
    server: FakeOpenAIServer, with_index: bool, repeat_id: bool
) -> None:
    server.enqueue(
        Script(
            content=[],
            tool_calls=TWO_CALLS,
            tool_call_index=with_index,
            tool_call_repeat_id=repeat_id,
            finish_reason="tool_calls",
        )
    )
    calls = requested(await run(server))
    assert summary(calls) == [
        ("call_a", "docs__lookup", '{"word": "终端"}'),
        ("call_b", "current_time", "{}"),
    ]


async def test_calls_with_finish_stop_are_still_calls(server: FakeOpenAIServer) -> None:
    """Ollama and some vLLM builds end a call-carrying reply with "stop"."""
    server.enqueue(Script(content=[], tool_calls=TWO_CALLS[1:], finish_reason="stop"))
    events = await run(server)
    assert [c.name for c in requested(events)] == ["current_time"]


async def test_finish_tool_calls_without_a_call_fails(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["Hmm"], finish_reason="tool_calls"))
    events = await run(server)
    assert isinstance(events[-1], Failed)
    assert "no call" in events[-1].error.title
    assert texts(events) == "Hmm"


async def test_a_stream_cut_off_after_calls_requests_nothing(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=[], tool_calls=TWO_CALLS, finish_reason=None))
    events = await run(server)
    assert not any(isinstance(e, ToolCallsRequested) for e in events)
    assert isinstance(events[-1], Failed) and events[-1].error.kind == "cut_off"


async def test_calls_cut_off_at_max_tokens_are_not_requested(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=[], tool_calls=TWO_CALLS, finish_reason="length"))
    events = await run(server)
    assert not any(isinstance(e, ToolCallsRequested) for e in events)
    assert events[-1] == Finished("length", "test-model")


async def test_calls_then_answer_in_two_requests(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(content=[], tool_calls=TWO_CALLS[1:], finish_reason="tool_calls"),
        Script(content=["It is ", "Thursday."]),
    )
    first = await run(server)
    calls = requested(first)
    calls[0].status, calls[0].result = "ok", '{"weekday": "Thursday"}'
    followup = ASK + round_messages([ToolRound(calls=calls)])
    second = await run(server, messages=followup)
    assert texts(second) == "It is Thursday."
    assert not any(isinstance(e, ToolCallsRequested) for e in second)
    sent = server.requests[-1]["json"]["messages"]
    assert sent[-1] == {
        "role": "tool",
        "tool_call_id": "call_b",
        "content": '{"weekday": "Thursday"}',
    }
    assert sent[-2]["tool_calls"][0]["function"] == {"name": "current_time", "arguments": "{}"}


async def test_a_non_streamed_reply_with_calls(server: FakeOpenAIServer) -> None:
    """A proxy that ignores stream=True answers one chat.completion with message.tool_calls."""
    server.enqueue(
        Script(content=[], tool_calls=TWO_CALLS, finish_reason="tool_calls", ignore_stream=True)
    )
    calls = requested(await run(server))
    assert [c.arguments for c in calls] == ['{"word": "终端"}', "{}"]
    assert [c.id for c in calls] == ["call_a", "call_b"]


# -- calls printed as text -----------------------------------------------------------------------

PRINTED = '<tool_call>\n{"name": "docs__lookup", "arguments": {"word": "tui"}}\n</tool_call>'


async def test_a_printed_call_is_a_call_when_tools_were_offered(server: FakeOpenAIServer) -> None:
    pieces = ["I will look it up.\n\n", PRINTED[:7], PRINTED[7:30], PRINTED[30:], "\n"]
    server.enqueue(Script(content=pieces))
    events = await run(server)
    assert texts(events) == "I will look it up."
    (call,) = requested(events)
    assert (call.id, call.name, call.arguments, call.from_text) == (
        "call_text_1",
        "docs__lookup",
        '{"word": "tui"}',
        True,
    )
    assert ToolCallStreaming(0, "docs__lookup") in events
    assert events[-1] == Finished("stop", "test-model")


async def test_a_printed_call_after_inline_thinking(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["<think>date?</think>\n", PRINTED]))
    events = await run(server)
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "date?"
    assert [c.name for c in requested(events)] == ["docs__lookup"]
    assert texts(events) == ""


async def test_printed_call_text_is_left_alone_without_tools(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["See: ", PRINTED]))
    events = await run(server, tools=())
    assert texts(events) == "See: " + PRINTED
    assert not any(isinstance(e, ToolCallsRequested | ToolCallStreaming) for e in events)


async def test_garbage_in_printed_tags_stays_text(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["x <tool_call>{oops</tool_call> y"]))
    events = await run(server)
    assert texts(events) == "x <tool_call>{oops</tool_call> y"
    assert isinstance(events[-1], Finished)
    assert not any(isinstance(e, ToolCallsRequested) for e in events)


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
