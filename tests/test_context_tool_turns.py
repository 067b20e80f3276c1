"""Turns that called tools in later requests (core/context): expanded into their rounds
before the answer, kept or dropped whole by every strategy, left out when they stopped
before an answer, and read by the summarizer as call lines."""

from __future__ import annotations

from typing import Any

from tui_chat.core.context.request import TOOL_LOOP_STOPPED, plan_context
from tui_chat.core.context.summary import call_line, summary_request
from tui_chat.core.continuation import can_continue, resumes_tool_loop
from tui_chat.core.session import Message, Session
from tui_chat.core.tool_turns import ToolCall, ToolRound


def tool_turn(
    session: Session, question: str, answer: str, result: str = "t", **kw: Any
) -> Message:
    session.add(Message(role="user", content=question))
    call = ToolCall(f"id-{question}", "docs__lookup", '{"word": "tui"}', label="docs.lookup")
    call.status, call.result = "ok", result
    reply = Message(role="assistant", content=answer, status=kw.get("status", "complete"))
    reply.tool_rounds = [ToolRound(content="Looking.", reasoning="r", calls=[call])]
    return session.add(reply)


def plain_turn(session: Session, question: str, answer: str) -> None:
    session.add(Message(role="user", content=question))
    session.add(Message(role="assistant", content=answer, status="complete"))


def roles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["role"] for m in messages]


def test_a_tool_turn_is_its_rounds_then_its_answer() -> None:
    session = Session(provider="p", model="m")
    tool_turn(session, "q1", "a1")
    session.add(Message(role="user", content="q2"))
    plan = plan_context(session, reasoning_field="reasoning_content")
    messages = plan.request_messages()
    assert roles(messages) == ["user", "assistant", "tool", "assistant", "user"]
    assert messages[1]["reasoning_content"] == "r" and messages[1]["content"] == "Looking."
    assert messages[2] == {"role": "tool", "tool_call_id": "id-q1", "content": "t"}
    assert "reasoning_content" not in plan_context(session).request_messages()[1]
    assert len(plan.entries) == 3  # still one entry per turn


def test_strategies_drop_a_call_only_with_its_results() -> None:
    session = Session(provider="p", model="m")
    tool_turn(session, "q1", "a1")
    plain_turn(session, "q2", "a2")
    session.add(Message(role="user", content="q3"))
    session.settings = session.settings.replace(context_strategy="last_turns", context_turns=1)
    messages = plan_context(session).request_messages()
    assert roles(messages) == ["user", "assistant", "user"]
    session.settings = session.settings.replace(context_turns=2)
    messages = plan_context(session).request_messages()
    assert roles(messages) == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    session.settings = session.settings.replace(context_strategy="budget", context_budget=1)
    assert roles(plan_context(session).request_messages()) == ["user"]


def test_a_tool_turn_stopped_before_its_answer_is_left_out_with_its_question() -> None:
    session = Session(provider="p", model="m")
    reply = tool_turn(session, "q1", "", status="stopped")
    session.add(Message(role="user", content="q2"))
    plan = plan_context(session)
    assert [e.reason for e in plan.entries[:2]] == [TOOL_LOOP_STOPPED, TOOL_LOOP_STOPPED]
    assert plan.request_messages() == [{"role": "user", "content": "q2"}]
    assert can_continue(reply) and resumes_tool_loop(reply)


def test_a_tool_turn_cut_off_in_its_answer_continues_its_text() -> None:
    session = Session(provider="p", model="m")
    reply = tool_turn(session, "q1", "The answer is", status="stopped")
    assert can_continue(reply) and not resumes_tool_loop(reply)
    messages = plan_context(session).request_messages()
    assert roles(messages) == ["user", "assistant", "tool", "assistant"]
    assert messages[-1]["content"] == "The answer is"


def test_the_summarizer_reads_calls_as_lines() -> None:
    session = Session(provider="p", model="m")
    tool_turn(session, "q1", "a1", result="terminal user interface")
    text = summary_request(None, session.messages)[1]["content"]
    assert 'Assistant called docs.lookup(word="tui") -> terminal user interface' in text
    assert text.index("Looking.") < text.index("called") < text.index("Assistant: a1")
    long = ToolCall("x", "f", "{}", status="ok", result="y" * 2000)
    assert call_line(long) == "called f() -> " + "y" * 500 + "…"
    assert call_line(ToolCall("x", "f", "not json", status="denied", denial_reason="")) == (
        "called f(not json) -> The user denied this call."
    )
