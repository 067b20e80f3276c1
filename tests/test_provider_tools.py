"""Providers assemble tool calls, end to end: the real openai SDK over real HTTP against
FakeOpenAIServer streaming scripted tool calls (tests/sse_tool_calls.py)."""

from __future__ import annotations

import openai
import pytest
from sse_server import FakeOpenAIServer, Script
from tool_stream_helpers import ASK, TOOLS, TWO_CALLS, requested, run, summary, texts

from tui_chat.core.tool_turns import ToolRound, round_messages
from tui_chat.providers.events import (
    Failed,
    Finished,
    Notice,
    ReasoningDelta,
    ToolCallsRequested,
    ToolCallStreaming,
)
from tui_chat.providers.finish_reasons import UNOFFERED_TOOL_CALLS

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
    # A turn whose calls ran ends with its final round's reason; a reply still ending in
    # "tool_calls" asked for calls no tool was offered for.
    assert Finished("tool_calls").description == UNOFFERED_TOOL_CALLS


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
        "AnswerComplete",
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
    # Text is never held back (Esc would lose it): the line break before the tag stays.
    assert texts(events).rstrip() == "I will look it up."
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
