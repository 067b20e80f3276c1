"""Tool cards in the conversation: a reply's rounds of tool calls, folded to one line per
call, unfolded (Enter, click) to the arguments and the result."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer, Script

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import ToolCall, ToolRound
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.widgets.thinking import ThinkingPane
from tui_chat.ui.widgets.tool_cards import (
    ToolCard,
    card_line,
    cut_result,
    one_line_arguments,
)

SIZE = (110, 40)
LONG_RESULT = "\n".join(f"line {n}" for n in range(100))


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def tool_session() -> Session:
    """A turn of two rounds: an ok call and a denied one, then a call with a long result
    (and control sequences in its arguments and result), then the final answer."""
    session = Session(provider="local", model="test-model", title="Tools")
    session.add(Message(role="user", content="what time is it, and read my notes"))
    first = ToolRound(
        content="Let me **check** the time.",
        reasoning="The user wants the time.",
        calls=[
            ToolCall("c1", "current_time", "{}", status="ok", result='{"time": "10:00"}',
                     seconds=0.01),
            ToolCall("c2", "fs__read_file", '{"path": "notes.md"}', label="fs.read_file",
                     server="fs", status="denied", denial_reason="private"),
        ],
    )
    second = ToolRound(
        content="",
        reasoning="Now the log.",
        calls=[
            ToolCall("c3", "docs__dump", '{"name": "\\u001b[31mred\\u001b[0m"}', label="docs.dump",
                     server="docs", status="ok", result="\x1b]0;pwned\x07" + LONG_RESULT,
                     seconds=1.5),
        ],
    )
    reply = Message(role="assistant", content="It is **10:00**.", reasoning="Final thought.")
    reply.tool_rounds = [first, second]
    session.add(reply)
    return session


def test_folded_line_and_cuts() -> None:
    call = ToolCall("c", "fs__read_file", '{"path": "notes.md"}', label="fs.read_file",
                    status="denied")
    assert card_line(call).plain == '▸ ⚙ fs.read_file(path="notes.md") ✗ denied'
    assert card_line(ToolCall("c", "current_time", "", status="ok", seconds=0.01)).plain == (
        "▸ ⚙ current_time() ✓ 0.01 s"
    )
    running = ToolCall("c", "docs__slow", '{"seconds": 5}', label="docs.slow", status="running")
    assert card_line(running).plain.endswith("docs.slow(seconds=5) … running")
    assert card_line(ToolCall("c", "x", "{}", status="stopped")).plain.endswith("■ stopped")
    assert card_line(ToolCall("c", "x", "{}", status="error")).plain.endswith("✗ error")
    long = ToolCall("c", "x", json.dumps({"text": "word " * 40}))
    shown = one_line_arguments(long)
    assert len(shown) == 60 and shown.endswith("…")
    assert one_line_arguments(ToolCall("c", "x", "not json\nat all")) == "not json at all"
    assert one_line_arguments(ToolCall("c", "x", "\x1b[2Jwiped")) == "wiped"
    text, left_out = cut_result(LONG_RESULT)
    assert text.count("\n") == 39 and left_out == 60
    text, left_out = cut_result("x" * 10_000)
    assert len(text) == 4096 and left_out == 0


async def test_saved_rounds_show_folded_cards_that_unfold(tmp_path: Path, server) -> None:
    store = SessionStore(tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json")
    session = tool_session()
    store.save(session)
    store.close()
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app.screen.query(ToolCard)))
        reply = app.screen.query_one(AssistantMessage)
        cards = list(reply.query(ToolCard))
        assert [str(card_line(c.call).plain) for c in cards] == [
            "▸ ⚙ current_time() ✓ 0.01 s",
            '▸ ⚙ fs.read_file(path="notes.md") ✗ denied',
            '▸ ⚙ docs.dump(name="red") ✓ 1.50 s',  # an escaped ESC in JSON: taken out
        ]
        text = screen_text(app)
        assert "Let me check the time." in text  # the round's text, as Markdown
        assert text.index("Let me check") < text.index("current_time()") < text.index("10:00")
        assert "arguments" not in text  # folded
        # The rounds' reasoning, then the final one, in the thinking pane.
        reply.focus()
        pane = app.screen.query_one(ThinkingPane)
        await wait_until(pilot, lambda: "Final thought." in screen_text(app))
        thinking = screen_text(app)
        assert thinking.index("The user wants") < thinking.index("Now the log") < thinking.index(
            "Final thought."
        )
        assert pane.display
        # Enter unfolds: arguments, then the result cut with a note.
        cards[2].focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: cards[2].unfolded and "more lines" in screen_text(app))
        text = screen_text(app)
        assert "… 60 more lines (whole in the session file)" in text
        assert "line 39" in text and "line 40" not in text
        assert '"name": "\\u001b[31mred\\u001b[0m"' in text  # shown escaped, never run
        assert "\x1b" not in text and "\x07" not in text
        # A click folds it again; the denied card unfolds to its reason.
        app.screen.view.scroll_to_widget(cards[2], animate=False, top=True)
        await pilot.pause()
        await pilot.click(cards[2], offset=(2, 0))
        await wait_until(pilot, lambda: not cards[2].unfolded)
        assert "more lines" not in screen_text(app)
        cards[1].focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "denied: private" in screen_text(app))
        assert '"path": "notes.md"' in screen_text(app)
        assert "pwned" not in screen_text(app)  # the OSC title sequence, whole


async def test_live_round_moves_out_of_the_body_and_cards_update(tmp_path: Path, server) -> None:
    """What the tool loop does to a LiveReply (a round's text and reasoning move into a
    ToolRound, `tools_version` bumps) is followed on screen: the round's text shows above
    its card, the body streams the next round afresh, a card changes as its call runs."""
    gate = threading.Event()
    server.enqueue(
        Script(
            reasoning=["Round one thinking."],
            content=["Round one ", "text.", "Final answer."],
            gate=gate,
            gate_after=2,
        )
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What time is it?")
        await wait_until(pilot, lambda: "Round one text." in screen_text(app))
        live = next(iter(app.replies.live.values()))
        reply = app.screen.query_one(AssistantMessage)
        # A call's name arrives: a placeholder line.
        live.streaming_calls.append("current_time")
        live.tools_version += 1
        await wait_until(pilot, lambda: "⚙ current_time …" in screen_text(app))
        # The round ends in that call: its text leaves the body for the round.
        call = ToolCall("c1", "current_time", "{}", status="running")
        live.message.tool_rounds.append(
            ToolRound("".join(live.text_parts), "".join(live.reasoning_parts), [call])
        )
        live.text_parts.clear()
        live.reasoning_parts.clear()
        live.streaming_calls.clear()
        live.tools_version += 1
        await wait_until(pilot, lambda: "⚙ current_time() … running" in screen_text(app))
        await wait_until(pilot, lambda: "⚙ current_time …" not in screen_text(app))
        assert reply.body.source == ""
        assert screen_text(app).count("Round one text.") == 1  # in the round, not the body
        call.status, call.result, call.seconds = "ok", '{"time": "10:00"}', 0.02
        live.tools_version += 1
        await wait_until(pilot, lambda: "current_time() ✓ 0.02 s" in screen_text(app))
        gate.set()
        await wait_for_replies(pilot, app)
        assert reply.body.source == "Final answer."
        text = screen_text(app)
        assert text.index("Round one text.") < text.index("current_time()") < text.index(
            "Final answer."
        )
        await pilot.press("ctrl+t")  # the pane folded once the answer began
        await wait_until(pilot, lambda: "Round one thinking." in screen_text(app))
