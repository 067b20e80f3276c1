"""The reply loop runs tools (services/tool_loop.py): rounds, approval, concurrency, the
round cap, Esc, a provider that refuses tools, Alt+G, and what later requests carry.

Built at our own boundary (tests/tool_loop_parts.py): a provider yielding our stream
events from a script, tools with canned outcomes, an approver answering from a queue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tool_loop_parts import (
    Approver,
    FakeSource,
    FakeTool,
    Harness,
    answer_round,
    calls_round,
    harness,
    refusal_round,
)

from tui_chat.core.tool_turns import NOT_RUN
from tui_chat.tools.approval import ApprovalAnswer

Make = Callable[..., Harness]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    made: list[Harness] = []

    def build(source: FakeSource | None, approver: Approver | None = None, **kw: Any) -> Harness:
        made.append(harness(tmp_path, source, approver, **kw))
        return made[-1]

    yield build
    for h in made:
        h.store.close()


def tool_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["role"] == "tool"]


async def test_one_round_then_the_answer(make: Make) -> None:
    clock = FakeTool("current_time", "12:00 UTC", safe=True)
    h = make(FakeSource(clock))
    h.provider.script(
        calls_round(("c1", "current_time", "{}"), text="Let me look."), answer_round("Noon.")
    )
    live = h.ask()
    await h.finish(live)
    reply = h.session.messages[-1]
    assert reply.status == "complete" and reply.content == "Noon."
    assert [r.content for r in reply.tool_rounds] == ["Let me look."]
    call = reply.tool_rounds[0].calls[0]
    assert (call.status, call.result, call.label) == ("ok", "12:00 UTC", "current_time")
    assert call.seconds is not None
    first, second = h.provider.requests
    assert [t["function"]["name"] for t in first.tools] == ["current_time"]
    assert first.messages[-1] == {"role": "user", "content": "What time is it?"}
    assistant, tool = second.messages[-2:]
    assert assistant["tool_calls"][0]["id"] == "c1" and assistant["content"] == "Let me look."
    assert tool == {"role": "tool", "tool_call_id": "c1", "content": "12:00 UTC"}
    assert reply.usage is not None and reply.usage.total_tokens == 15 + 23
    assert live.tools_version > 0 and not live.streaming_calls
    assert h.saved().messages[-1].tool_rounds[0].calls[0].result == "12:00 UTC"


async def test_two_calls_run_at_once(make: Make) -> None:
    gate = asyncio.Event()
    a = FakeTool("a", "A", safe=True, gate=gate)
    b = FakeTool("b", "B", safe=True, gate=gate)
    h = make(FakeSource(a, b))
    h.provider.script(calls_round(("c1", "a", "{}"), ("c2", "b", "{}")), answer_round("both"))
    live = h.ask()
    await a.started.wait()
    await b.started.wait()  # both started before either could end
    calls = h.session.messages[-1].tool_rounds[0].calls
    assert [c.status for c in calls] == ["running", "running"]
    gate.set()
    await h.finish(live)
    assert [c.result for c in calls] == ["A", "B"]
    tools = tool_messages(h.provider.requests[1].messages)
    assert [m["tool_call_id"] for m in tools] == ["c1", "c2"]


async def test_denied_with_a_reason_reaches_the_model(make: Make) -> None:
    reader = FakeTool("read_file", "secret")
    approver = Approver(ApprovalAnswer("deny", "not that file"))
    h = make(FakeSource(reader), approver)
    h.provider.script(
        calls_round(("c1", "read_file", '{"path": "~/.ssh/id_rsa"}')), answer_round("ok")
    )
    await h.finish(h.ask())
    asked = approver.asked[0]
    assert (asked.label, asked.scope) == ("read_file", "read_file")
    assert json.loads(asked.shown) == {"path": "~/.ssh/id_rsa"}
    assert asked.session_id == h.session.id and not reader.runs
    (tool,) = tool_messages(h.provider.requests[1].messages)
    assert tool["content"] == "The user denied this call. Their reason: not that file"
    assert h.session.messages[-1].tool_rounds[0].calls[0].status == "denied"


async def test_session_approval_is_kept_and_saved(make: Make) -> None:
    lookup = FakeTool("docs__lookup", "terminal user interface")
    approver = Approver(ApprovalAnswer("session"))
    h = make(FakeSource(lookup), approver)
    h.provider.script(
        calls_round(("c1", "docs__lookup", '{"word": "tui"}')),
        calls_round(("c2", "docs__lookup", '{"word": "cli"}')),
        answer_round("done"),
    )
    await h.finish(h.ask())
    assert len(approver.asked) == 1  # the second call ran under the session's approval
    assert len(lookup.runs) == 2
    assert h.session.tool_approvals == ["docs.lookup"]
    assert h.saved().tool_approvals == ["docs.lookup"]
    assert h.session.messages[-1].tool_rounds[0].calls[0].label == "docs.lookup"


async def test_always_allowed_runs_unasked(make: Make) -> None:
    lookup = FakeTool("docs__lookup", "x")
    approver = Approver()
    h = make(FakeSource(lookup), approver, allow=("docs.lookup",))
    h.provider.script(calls_round(("c1", "docs__lookup", "{}")), answer_round("done"))
    await h.finish(h.ask())
    assert not approver.asked and lookup.runs == [{}]


async def test_unknown_tool_and_bad_arguments_are_errors_without_asking(make: Make) -> None:
    reader = FakeTool("read_file")
    approver = Approver()
    h = make(FakeSource(reader), approver)
    h.provider.script(
        calls_round(
            ("c1", "rm_rf", "{}"), ("c2", "read_file", '{"path": '), ("c3", "read_file", "[1]")
        ),
        answer_round("sorry"),
    )
    await h.finish(h.ask())
    assert not approver.asked and not reader.runs
    calls = h.session.messages[-1].tool_rounds[0].calls
    assert [c.status for c in calls] == ["error", "error", "error"]
    assert "Unknown tool 'rm_rf'" in calls[0].result and "read_file" in calls[0].result
    assert "not a JSON object" in calls[1].result and "not a JSON object" in calls[2].result
    assert [m["content"] for m in tool_messages(h.provider.requests[1].messages)] == [
        c.result for c in calls
    ]


async def test_a_tool_that_raises_is_an_error_result(make: Make) -> None:
    broken = FakeTool("current_time", safe=True, raises=RuntimeError("\x1b[31mboom"))
    h = make(FakeSource(broken))
    h.provider.script(calls_round(("c1", "current_time", "{}")), answer_round("hm"))
    await h.finish(h.ask())
    call = h.session.messages[-1].tool_rounds[0].calls[0]
    assert call.status == "error" and "RuntimeError" in call.result and "\x1b" not in call.result
    assert h.session.messages[-1].status == "complete"


async def test_the_round_cap_stops_the_turn_and_alt_g_goes_on(make: Make) -> None:
    clock = FakeTool("current_time", "t", safe=True)
    h = make(FakeSource(clock, rounds=2))
    h.provider.script(*(calls_round((f"c{i}", "current_time", "{}")) for i in range(3)))
    await h.finish(h.ask())
    reply = h.session.messages[-1]
    cap = "Stopped after 2 rounds of tool calls ([tools] max_rounds). Alt+G lets the model go on."
    assert reply.status == "stopped" and reply.error == cap and cap in h.notices
    assert len(clock.runs) == 2 and len(reply.tool_rounds) == 3
    assert reply.tool_rounds[-1].calls[0].status == "pending"
    h.provider.script(answer_round("Finally."))
    await h.finish(h.continue_reply())
    assert len(clock.runs) == 3  # the call the cap left is run on Alt+G
    assert reply.status == "complete" and reply.content == "Finally." and reply.error is None
    last = h.provider.requests[-1].messages
    assert [m["tool_call_id"] for m in tool_messages(last)] == ["c0", "c1", "c2"]
    assert last[-1]["role"] == "tool"  # the loop's shape, no "continue" instruction


async def test_esc_while_waiting_for_approval(make: Make) -> None:
    reader = FakeTool("read_file")
    approver = Approver()  # never answers
    h = make(FakeSource(reader), approver)
    h.provider.script(calls_round(("c1", "read_file", "{}"), text="Reading."))
    live = h.ask()
    await approver.waiting.wait()
    h.manager.stop(h.session.id)
    await h.finish(live)
    saved = h.saved().messages[-1]
    assert saved.status == "stopped" and saved.tool_rounds[0].calls[0].status == "stopped"
    assert saved.tool_rounds[0].content == "Reading." and not reader.runs
    # The next question leaves the stopped turn out, with its question.
    h.provider.script(answer_round("Hi."))
    await h.finish(h.ask("Hello?"))
    assert [m["content"] for m in h.provider.requests[-1].messages] == ["Hello?"]


async def test_stop_answer_stops_like_esc(make: Make) -> None:
    approver = Approver(ApprovalAnswer("stop"))
    h = make(FakeSource(FakeTool("read_file")), approver)
    h.provider.script(calls_round(("c1", "read_file", "{}")))
    await h.finish(h.ask())
    assert h.saved().messages[-1].status == "stopped"
    assert h.session.messages[-1].tool_rounds[0].calls[0].status == "stopped"


async def test_esc_while_a_call_runs_then_alt_g_sends_not_run(make: Make) -> None:
    gate = asyncio.Event()
    quick = FakeTool("current_time", "now", safe=True)
    slow = FakeTool("slow", safe=True, gate=gate)
    h = make(FakeSource(quick, slow))
    h.provider.script(calls_round(("c1", "current_time", "{}"), ("c2", "slow", "{}")))
    live = h.ask()
    await slow.started.wait()
    h.manager.stop(h.session.id)
    await h.finish(live)
    calls = h.saved().messages[-1].tool_rounds[0].calls
    assert [c.status for c in calls] == ["ok", "stopped"]
    assert calls[1].wire_result() == NOT_RUN
    # Alt+G: the model is told the stopped call did not run, and goes on.
    h.provider.script(answer_round("Done."))
    await h.finish(h.continue_reply())
    assert len(quick.runs) == 1 and len(slow.runs) == 1
    sent = tool_messages(h.provider.requests[-1].messages)
    assert [m["content"] for m in sent] == ["now", NOT_RUN]
    assert h.session.messages[-1].content == "Done."


async def test_esc_while_streaming_keeps_the_earlier_round(make: Make) -> None:
    hold = asyncio.Event()
    h = make(FakeSource(FakeTool("current_time", "t", safe=True)))
    h.provider.script(calls_round(("c1", "current_time", "{}")), [answer_round("Par")[0], hold])
    live = h.ask()
    await h.provider.waiting.wait()
    h.manager.stop(h.session.id)
    await h.finish(live)
    saved = h.saved().messages[-1]
    assert saved.status == "stopped" and saved.content == "Par"
    assert saved.tool_rounds[0].calls[0].status == "ok"


async def test_a_provider_that_refuses_tools_gets_the_round_again_without(make: Make) -> None:
    h = make(FakeSource(FakeTool("current_time", safe=True)))
    h.provider.script(refusal_round(), answer_round("Hello."))
    await h.finish(h.ask())
    first, second = h.provider.requests
    assert first.tools and not second.tools
    assert h.session.settings.tools_enabled is False
    assert h.saved().settings.tools_enabled is False
    assert h.session.messages[-1].content == "Hello."
    assert any("does not take tools: turned off for this session" in n for n in h.notices)
    # The next turn offers none.
    h.provider.script(answer_round("Again."))
    await h.finish(h.ask("And now?"))
    assert not h.provider.requests[-1].tools


async def test_no_tool_source_offers_nothing(make: Make) -> None:
    h = make(None)
    h.provider.script(calls_round(("c1", "current_time", "{}")))
    await h.finish(h.ask())
    reply = h.session.messages[-1]
    assert not h.provider.requests[0].tools and not reply.tool_rounds
    assert reply.status == "complete" and reply.finish_reason == "tool_calls"


async def test_problem_lines_are_shown_once(make: Make) -> None:
    source = FakeSource(
        FakeTool("current_time", safe=True), problems=("docs: failed", "docs: failed")
    )
    h = make(source)
    h.provider.script(answer_round("ok"))
    await h.finish(h.ask())
    assert h.notices.count("docs: failed") == 1


@pytest.mark.parametrize(("field", "expected"), [("reasoning_content", "hmm"), (None, None)])
async def test_the_next_turn_carries_the_rounds(
    make: Make, field: str | None, expected: str | None
) -> None:
    h = make(FakeSource(FakeTool("current_time", "t", safe=True)), reasoning_field=field)
    h.provider.script(
        calls_round(("c1", "current_time", "{}"), reasoning="hmm"), answer_round("Noon.")
    )
    await h.finish(h.ask())
    h.provider.script(answer_round("Bye."))
    await h.finish(h.ask("Thanks"))
    messages = h.provider.requests[-1].messages
    roles = [m["role"] for m in messages]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
    assistant = messages[1]
    assert assistant["tool_calls"][0]["function"]["name"] == "current_time"
    assert assistant.get("reasoning_content") == expected
    assert ("reasoning_content" in assistant) == (field is not None)
    assert messages[3] == {"role": "assistant", "content": "Noon."}
