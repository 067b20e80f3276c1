"""The conversation tree under Session.messages: branches, flipping, forking, deleting,
and the session file format (version 2, version 1 still loads)."""

from __future__ import annotations

import json

import pytest

from tui_chat.core.session import PLAIN_FORMAT_VERSION, SESSION_FORMAT_VERSION, Message, Session


def turn(session: Session, question: str, answer: str) -> tuple[Message, Message]:
    user = session.add(Message(role="user", content=question))
    reply = session.add(Message(role="assistant", content=answer))
    return user, reply


def contents(session: Session) -> list[str]:
    return [m.content for m in session.messages]


def roundtrip(session: Session) -> Session:
    return Session.from_dict(json.loads(json.dumps(session.to_dict())))


def test_linear_session_keeps_parent_ids() -> None:
    s = Session(provider="p", model="m")
    q1, a1 = turn(s, "q1", "a1")
    q2, a2 = turn(s, "q2", "a2")
    assert [m.parent_id for m in s.messages] == [None, q1.id, a1.id, q2.id]
    assert s.user_turns() == 2 and s.last_reply is a2
    data = s.to_dict()
    assert data["version"] == PLAIN_FORMAT_VERSION == 2
    assert data["current"] == a2.id
    assert [m["parent_id"] for m in data["messages"]] == [None, q1.id, a1.id, q2.id]


def test_regenerate_keeps_old_reply_as_alternative_and_flips() -> None:
    s = Session()
    q, a1 = turn(s, "q", "first")
    s.rewind_to(q.id)
    a2 = s.add(Message(role="assistant", content="second"))
    assert contents(s) == ["q", "second"]
    assert s.alternatives(a2) == [a1, a2]
    assert s.alternative_position(a2) == (2, 2)
    assert s.flip(a2, -1) is a1
    assert contents(s) == ["q", "first"]
    assert s.flip(a1, -1) is None  # nothing before the first
    assert s.flip(a1, +1) is a2
    loaded = roundtrip(s)
    assert contents(loaded) == ["q", "second"]
    assert [m.content for m in loaded.all_messages()] == ["q", "first", "second"]


def test_fork_keeps_old_branch_and_flipping_back_restores_it() -> None:
    s = Session()
    _q1, a1 = turn(s, "q1", "a1")
    q2, _a2 = turn(s, "q2", "a2")
    q3, a3 = turn(s, "q3", "a3")
    edited = s.fork(q2, "q2 edited")
    assert contents(s) == ["q1", "a1", "q2 edited"]
    assert edited.parent_id == a1.id
    b = s.add(Message(role="assistant", content="b"))
    assert s.alternative_position(edited) == (2, 2)
    assert s.title == "q1"  # an edit does not rename the session
    # Back to the old branch: the whole old path returns.
    s.flip(edited, -1)
    assert contents(s) == ["q1", "a1", "q2", "a2", "q3", "a3"]
    # And forward again: the new branch with its reply.
    s.flip(q2, +1)
    assert contents(s) == ["q1", "a1", "q2 edited", "b"]
    # The file keeps both branches and which one is current; the memory of the last
    # visited child survives a restart too.
    loaded = roundtrip(s)
    assert contents(loaded) == ["q1", "a1", "q2 edited", "b"]
    assert len(loaded.all_messages()) == 8
    old_q2 = loaded.get(q2.id)
    assert old_q2 is not None
    loaded.switch_to(old_q2.id)
    assert contents(loaded) == ["q1", "a1", "q2", "a2", "q3", "a3"]
    del b, a3, q3


def test_switching_remembers_the_last_visited_child_below() -> None:
    s = Session()
    q, a1 = turn(s, "q", "a1")
    q2, _ = turn(s, "q2", "under a1")
    s.rewind_to(q.id)
    a2 = s.add(Message(role="assistant", content="a2"))
    turn(s, "q2b", "under a2")
    s.flip(a2, -1)
    assert contents(s) == ["q", "a1", "q2", "under a1"]
    s.flip(a1, +1)
    assert contents(s) == ["q", "a2", "q2b", "under a2"]
    del q2


def test_delete_removes_subtree_and_moves_to_an_alternative() -> None:
    s = Session()
    q1, a1 = turn(s, "q1", "a1")
    q2, _a2 = turn(s, "q2", "a2")
    s.rewind_to(q2.id)
    a2b = s.add(Message(role="assistant", content="a2b"))
    removed = s.delete(a2b)
    assert removed == [a2b]
    assert contents(s) == ["q1", "a1", "q2", "a2"]
    removed = s.delete(q2)
    assert {m.content for m in removed} == {"q2", "a2"}
    assert contents(s) == ["q1", "a1"]
    assert [m.content for m in roundtrip(s).all_messages()] == ["q1", "a1"]
    # Deleting the first question empties the conversation.
    s.delete(q1)
    assert s.messages == [] and s.all_messages() == []
    del a1


def test_subtree_counts_every_branch_below() -> None:
    s = Session()
    q1, _ = turn(s, "q1", "a1")
    turn(s, "q2", "a2")
    s.fork(s.messages[2], "q2 edited")
    assert len(s.subtree(q1)) == 5


def test_version_1_file_loads_as_linear_chain() -> None:
    data = {
        "version": 1,
        "id": "old",
        "messages": [
            {"id": "u1", "role": "user", "content": "hi"},
            {"id": "r1", "role": "assistant", "content": "hello"},
            {"id": "u2", "role": "user", "content": "more"},
        ],
    }
    s = Session.from_dict(data)
    assert contents(s) == ["hi", "hello", "more"]
    assert [m.parent_id for m in s.messages] == [None, "u1", "r1"]
    assert s.to_dict()["version"] == 2


def test_newer_version_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        Session.from_dict({"id": "s", "version": SESSION_FORMAT_VERSION + 1})


def test_broken_tree_still_loads() -> None:
    data = {
        "version": 2,
        "id": "s",
        "current": "gone",
        "messages": [
            {"id": "a", "role": "user", "content": "a", "parent_id": "b"},
            {"id": "b", "role": "assistant", "content": "b", "parent_id": "a"},  # a cycle
            {"id": "c", "role": "user", "content": "c", "parent_id": "missing"},
        ],
    }
    s = Session.from_dict(data)
    assert s.messages  # some path, no hang, no crash
    assert len(s.all_messages()) == 3


def test_direct_list_changes_are_taken_into_the_tree() -> None:
    s = Session()
    q, _ = turn(s, "q", "a")
    extra = Message(role="user", content="appended directly")
    s.messages.append(extra)
    assert extra.parent_id is None
    data = s.to_dict()
    assert data["messages"][-1]["parent_id"] == s.messages[1].id
    assert q.parent_id is None


def test_attachments_roundtrip_as_paths() -> None:
    s = Session()
    s.add(Message(role="user", content="see", attachments=["/tmp/cat.png", "https://x/y.jpg"]))
    loaded = roundtrip(s)
    assert loaded.messages[0].attachments == ["/tmp/cat.png", "https://x/y.jpg"]
