"""A turn's tool rounds count in its token estimates (context budgets, the status line)."""

from __future__ import annotations

from tui_chat.core.context.request import plan_context
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.tokens import (
    MESSAGE_OVERHEAD,
    calibration_ratio,
    call_tokens,
    estimate_tokens,
    message_tokens,
    reply_text_tokens,
    result_tokens,
    tool_rounds_tokens,
    turn_text_for_tokens,
)
from tui_chat.core.tool_turns import ToolCall, ToolRound

PAGE = "Terminal user interfaces draw with text cells. " * 40


def tool_turn(**changes: object) -> Message:
    fields: dict[str, object] = {
        "role": "assistant",
        "content": "A TUI is a terminal user interface.",
        "tool_rounds": [
            ToolRound(
                content="Let me look it up.",
                reasoning="long private thoughts " * 50,
                calls=[
                    ToolCall("call_1", "docs__lookup", '{"word": "tui"}', status="ok", result=PAGE),
                    ToolCall("call_2", "current_time", "", status="denied", denial_reason=""),
                ],
            ),
            ToolRound(content="a round without calls is never sent"),
        ],
    }
    return Message(**(fields | changes))  # type: ignore[arg-type]


def test_rounds_count_text_arguments_and_results() -> None:
    turn = tool_turn()
    lookup, clock = turn.tool_rounds[0].calls
    assert call_tokens(lookup) > call_tokens(clock)
    assert result_tokens(lookup) == estimate_tokens(PAGE) + MESSAGE_OVERHEAD
    assert result_tokens(clock) == estimate_tokens("The user denied this call.") + MESSAGE_OVERHEAD
    rounds = tool_rounds_tokens(turn)
    assert rounds == (
        estimate_tokens("Let me look it up.")
        + MESSAGE_OVERHEAD
        + call_tokens(lookup)
        + call_tokens(clock)
        + result_tokens(lookup)
        + result_tokens(clock)
    )
    plain = Message(role="assistant", content=turn.content)
    assert tool_rounds_tokens(plain) == 0
    assert message_tokens(turn) == message_tokens(plain) + rounds
    # Reasoning is not sent back by most dialects: it does not count.
    assert tool_rounds_tokens(tool_turn()) == tool_rounds_tokens(
        tool_turn(tool_rounds=[ToolRound("Let me look it up.", "", turn.tool_rounds[0].calls)])
    )
    assert message_tokens(turn, 2.0) > message_tokens(turn)


def test_usage_of_a_tool_turn_is_no_measure_of_its_final_text() -> None:
    """Its completion tokens may cover the rounds too: no exact count, no calibration."""
    turn = tool_turn(content="word " * 100, usage=Usage(1000, 3, 1003))
    assert reply_text_tokens(turn) is None
    assert calibration_ratio([turn]) == 1.0
    assert message_tokens(turn) > 3


def test_turn_text_holds_rounds_calls_results_and_the_answer() -> None:
    text = turn_text_for_tokens(tool_turn())
    for part in (
        "Let me look it up.",
        "docs__lookup",
        '{"word": "tui"}',
        PAGE.strip(),
        "current_time",
        "{}",
        "The user denied this call.",
        "A TUI is a terminal user interface.",
    ):
        assert part in text
    assert "never sent" not in text and "private thoughts" not in text
    assert text.endswith("A TUI is a terminal user interface.")
    assert turn_text_for_tokens(Message(role="user", content="q")) == "q"


def test_the_plan_counts_the_rounds_of_a_turn() -> None:
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="what is a tui?"))
    reply = session.add(tool_turn())
    session.add(Message(role="user", content="thanks"))
    plan = plan_context(session, window=100_000)
    [entry] = [e for e in plan.entries if e.message_id == reply.id]
    assert entry.tokens == message_tokens(reply) > estimate_tokens(PAGE)
    without = Session.from_dict(session.to_dict())
    without.messages[1].tool_rounds = []
    assert plan.tokens - plan_context(without, window=100_000).tokens == tool_rounds_tokens(reply)
