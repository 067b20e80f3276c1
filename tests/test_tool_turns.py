"""The tool calls of a turn (core/tool_turns.py): the wire messages they become, what a
session file may hold of them, the session format version they need, and two windows
merging a session that has them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tui_chat.core.session import (
    PLAIN_FORMAT_VERSION,
    SESSION_FORMAT_VERSION,
    TOOLS_FORMAT_VERSION,
    Message,
    Session,
)
from tui_chat.core.store.merge import merge_snapshots
from tui_chat.core.store.peek import PEEK_MIN_BYTES, peek_session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import NOT_RUN, ToolCall, ToolRound, round_messages, rounds_from_json


def lookup(call_id: str = "call_1", **changes: Any) -> ToolCall:
    fields: dict[str, Any] = {
        "id": call_id,
        "name": "docs__lookup",
        "arguments": '{"word": "tui"}',
        "label": "docs.lookup",
        "server": "docs",
        "status": "ok",
        "result": "terminal user interface",
        "seconds": 0.25,
    }
    return ToolCall(**(fields | changes))


def tool_turn() -> Message:
    """A reply that took two rounds of calls before its final answer."""
    return Message(
        role="assistant",
        content="A TUI is a terminal user interface.",
        reasoning="final thoughts",
        model="m",
        provider="p",
        tool_rounds=[
            ToolRound(content="Let me look.", reasoning="I should look it up", calls=[lookup()]),
            ToolRound(
                calls=[
                    ToolCall(
                        id="call_2",
                        name="current_time",
                        arguments="",
                        status="ok",
                        result='{"time": "12:00"}',
                    ),
                    lookup("call_3", status="denied", denial_reason="not now"),
                ]
            ),
        ],
    )


# -- round_messages ------------------------------------------------------------------------------


def test_round_messages_shapes() -> None:
    messages = round_messages(tool_turn().tool_rounds)
    assert [m["role"] for m in messages] == ["assistant", "tool", "assistant", "tool", "tool"]
    first, _, second, *_ = messages
    assert first["content"] == "Let me look."
    assert second["content"] is None  # no text in that round: null, as OpenAI sends it
    assert first["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "docs__lookup", "arguments": '{"word": "tui"}'},
        }
    ]
    # No arguments streamed: "{}" goes back, never "".
    assert second["tool_calls"][0]["function"]["arguments"] == "{}"
    # Tool messages follow their assistant message, in call order.
    assert [(m["tool_call_id"], m["content"]) for m in messages if m["role"] == "tool"] == [
        ("call_1", "terminal user interface"),
        ("call_2", '{"time": "12:00"}'),
        ("call_3", "The user denied this call. Their reason: not now"),
    ]
    # Without a reasoning field no reasoning key at all (OpenAI, OpenRouter).
    assert all("reasoning_content" not in m and "reasoning" not in m for m in messages)


def test_round_messages_reasoning_key_present_even_when_empty() -> None:
    messages = round_messages(tool_turn().tool_rounds, "reasoning_content")
    assistants = [m for m in messages if m["role"] == "assistant"]
    assert [m["reasoning_content"] for m in assistants] == ["I should look it up", ""]
    assert all("reasoning_content" not in m for m in messages if m["role"] == "tool")


def test_round_messages_skips_a_round_without_calls() -> None:
    assert round_messages([ToolRound(content="nothing called")]) == []


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lookup(status="denied", denial_reason=""), "The user denied this call."),
        (lookup(status="denied", denial_reason=None), "The user denied this call."),
        (
            lookup(status="denied", denial_reason="  too slow "),
            "The user denied this call. Their reason: too slow",
        ),
        (lookup(status="pending", result=""), NOT_RUN),
        (lookup(status="running", result=""), NOT_RUN),
        (lookup(status="stopped", result=""), NOT_RUN),
        (lookup(status="stopped", result="half of it"), "half of it"),
        (lookup(status="error", result="docs.lookup timed out"), "docs.lookup timed out"),
    ],
)
def test_what_the_model_is_told(call: ToolCall, said: str) -> None:
    assert call.wire_result() == said


# -- session files -------------------------------------------------------------------------------


def test_message_round_trip_keeps_rounds() -> None:
    message = tool_turn()
    data = json.loads(json.dumps(message.to_dict()))
    assert Message.from_dict(data) == message
    assert data["tool_rounds"][1]["calls"][0] == {
        "id": "call_2",
        "name": "current_time",
        "arguments": "",
        "status": "ok",
        "result": '{"time": "12:00"}',
    }
    assert "reasoning" not in data["tool_rounds"][1]  # written only when there is some


def test_rounds_are_written_only_when_there_are_some() -> None:
    assert "tool_rounds" not in Message(role="assistant", content="plain").to_dict()
    # A user message never carries rounds, even from a hand-edited file.
    user = Message.from_dict({"role": "user", "content": "q", "tool_rounds": [{"calls": []}]})
    assert user.tool_rounds == []


@pytest.mark.parametrize(
    "value", [None, 3, "rounds", {"calls": []}, [None, 3, "x", []], [{"calls": "not a list"}]]
)
def test_hostile_rounds_are_dropped_or_emptied(value: Any) -> None:
    rounds = rounds_from_json(value)
    assert all(r.calls == [] for r in rounds)


def test_hostile_call_fields_are_cleaned() -> None:
    [tool_round] = rounds_from_json(
        [
            {
                "content": "text\x1b]0;owned\x07 here",
                "reasoning": ["not", "text"],
                "calls": [
                    {
                        "id": 7,
                        "name": "docs__lookup\x1b[2J",
                        "arguments": {"word": "x"},
                        "label": "docs.\nlookup",
                        "server": "",
                        "status": "exploded",
                        "result": "red \x1b[31mtext\x1b[0m\r\n",
                        "denial_reason": 5,
                        "seconds": True,
                        "from_text": "yes",
                    },
                    "not a call",
                    {
                        "status": "denied",
                        "denial_reason": "no\x1b[1m!",
                        "seconds": 2,
                        "arguments": '\x1b]0;x\x07{"word": "tui"}\r\n',
                    },
                ],
            }
        ]
    )
    assert tool_round.content == "text here"
    assert tool_round.reasoning == ""
    hostile, denied = tool_round.calls
    assert (hostile.id, hostile.name, hostile.arguments) == ("", "docs__lookup", "")
    assert hostile.label == "docs. lookup"
    assert hostile.server is None
    assert hostile.status == "error"  # unknown status
    assert hostile.result == "red text\n"
    assert hostile.denial_reason is None
    assert hostile.seconds is None
    assert hostile.from_text is False
    assert (denied.status, denied.denial_reason, denied.seconds) == ("denied", "no!", 2.0)
    assert denied.arguments == '{"word": "tui"}\n'
    assert denied.parsed_arguments() == {"word": "tui"}


def test_plain_sessions_stay_version_2_and_tool_sessions_are_version_3() -> None:
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="what is a tui?"))
    reply = session.add(Message(role="assistant", content="no tools"))
    assert session.to_dict()["version"] == PLAIN_FORMAT_VERSION == 2

    reply.tool_rounds = tool_turn().tool_rounds
    data = json.loads(json.dumps(session.to_dict()))
    assert data["version"] == TOOLS_FORMAT_VERSION == 3
    loaded = Session.from_dict(data)
    assert loaded.messages[-1].tool_rounds == reply.tool_rounds
    assert loaded == session
    # A tool turn on a branch that is not the current one still needs version 3.
    session.fork(session.messages[0], "asked another way")
    assert all(not m.tool_rounds for m in session.messages)
    assert session.to_dict()["version"] == 3


@pytest.mark.parametrize("version", [1, 2, 3])
def test_every_known_version_loads(version: int) -> None:
    data = {"version": version, "id": "s", "messages": [{"role": "user", "content": "q"}]}
    assert [m.content for m in Session.from_dict(data).messages] == ["q"]


def test_rounds_in_a_version_2_file_are_kept_and_saved_as_version_3() -> None:
    """An older tui-chat merging in another window's tool turn writes it as version 2."""
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q"))
    session.add(tool_turn())
    data = session.to_dict() | {"version": 2}
    loaded = Session.from_dict(data)
    assert loaded.messages[-1].tool_rounds == tool_turn().tool_rounds
    assert loaded.to_dict()["version"] == 3


def test_a_version_newer_than_the_newest_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        Session.from_dict({"id": "s", "version": SESSION_FORMAT_VERSION + 1})


def test_tool_approvals_round_trip_cleaned() -> None:
    session = Session(provider="p", model="m")
    assert "tool_approvals" not in session.to_dict()
    session.tool_approvals = ["docs.lookup", "ls -l"]
    assert Session.from_dict(session.to_dict()).tool_approvals == ["docs.lookup", "ls -l"]
    data = session.to_dict() | {"tool_approvals": ["a\x1b[2Jb", 3, "", "a\x1b[2Jb", None, "c"]}
    assert Session.from_dict(data).tool_approvals == ["ab", "c"]
    assert Session.from_dict(session.to_dict() | {"tool_approvals": "x"}).tool_approvals == []


# -- two windows ---------------------------------------------------------------------------------


def snapshot(session: Session) -> dict[str, Any]:
    return json.loads(json.dumps(session.to_dict()))


def test_merge_takes_the_union_of_tool_approvals() -> None:
    session = Session(provider="p", model="m")
    session.tool_approvals = ["current_time"]
    base = snapshot(session)
    ours = base | {"tool_approvals": ["current_time", "docs.lookup"]}
    theirs = base | {"tool_approvals": ["current_time", "ls -l"]}
    merged, _ = merge_snapshots(base, ours, theirs)
    assert merged["tool_approvals"] == ["current_time", "docs.lookup", "ls -l"]
    merged, _ = merge_snapshots(None, {"messages": []}, theirs)
    assert merged["tool_approvals"] == ["current_time", "ls -l"]
    merged, _ = merge_snapshots(None, {"messages": []}, {"messages": []})
    assert "tool_approvals" not in merged


def test_merge_keeps_their_tool_turn_and_says_version_3() -> None:
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q0"))
    session.add(Message(role="assistant", content="a0"))
    base = snapshot(session)
    ours_session = Session.from_dict(base)
    ours_session.add(Message(role="user", content="plain question"))
    ours_session.add(Message(role="assistant", content="plain answer"))
    theirs_session = Session.from_dict(base)
    theirs_session.add(Message(role="user", content="what is a tui?"))
    theirs_session.add(tool_turn())
    ours, theirs = snapshot(ours_session), snapshot(theirs_session)
    assert (ours["version"], theirs["version"]) == (2, 3)

    merged, report = merge_snapshots(base, ours, theirs)
    assert merged["version"] == 3
    loaded = Session.from_dict(json.loads(json.dumps(merged)))
    [with_rounds] = [m for m in loaded.all_messages() if m.tool_rounds]
    assert with_rounds.tool_rounds == tool_turn().tool_rounds
    assert len(report.added) == 2


def test_merge_takes_their_later_rounds_of_a_turn_we_did_not_change() -> None:
    """The other window saved a checkpoint of a turn mid-loop, then its next round."""
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q"))
    reply = session.add(tool_turn())
    reply.tool_rounds = reply.tool_rounds[:1]
    base = snapshot(session)
    reply.tool_rounds = tool_turn().tool_rounds
    theirs = snapshot(session)
    merged, _ = merge_snapshots(base, base, theirs)
    loaded = Session.from_dict(merged)
    assert loaded.messages[-1].tool_rounds == tool_turn().tool_rounds
    assert len(loaded.all_messages()) == 2


def test_two_stores_keep_a_tool_turn(tmp_path: Path) -> None:
    first = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    second = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        session = Session(provider="p", model="m")
        first.save(session)
        in_first, in_second = first.load(session.id), second.load(session.id)
        in_first.tool_approvals = ["docs.lookup"]
        in_first.add(Message(role="user", content="what is a tui?"))
        in_first.add(tool_turn())
        first.save(in_first)
        in_second.tool_approvals = ["current_time"]
        in_second.add(Message(role="user", content="other"))
        in_second.add(Message(role="assistant", content="plain"))
        second.save(in_second)

        data = json.loads(first.path_for(session.id).read_text(encoding="utf-8"))
        assert data["version"] == 3
        assert sorted(data["tool_approvals"]) == ["current_time", "docs.lookup"]
        loaded = SessionStore(tmp_path / "sessions", tmp_path / "index.json").load(session.id)
        assert [m.tool_rounds for m in loaded.all_messages() if m.tool_rounds] == [
            tool_turn().tool_rounds
        ]
    finally:
        first.close()
        second.close()


def test_peek_skips_the_ids_inside_tool_rounds(tmp_path: Path) -> None:
    """A big file is listed from its ids and parent ids alone; a call's id is no message."""
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q"))
    reply = tool_turn()
    reply.tool_rounds[0].calls[0].result = "x" * PEEK_MIN_BYTES
    session.add(reply)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(session.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    peeked = peek_session(path)
    assert peeked is not None
    assert peeked.path_length == 2
    assert peeked.keys["version"] == 3
