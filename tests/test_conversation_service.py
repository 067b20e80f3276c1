"""The conversation service without a screen: what each operation changes in the session's
tree, what it saves, and what it announces (services/conversation.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.services.changes import SessionChange, SessionChanges
from tui_chat.services.conversation import Conversation, Refusal, delete_question


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    yield store
    store.close()


def setup(store: SessionStore) -> tuple[Conversation, list[SessionChange]]:
    said: list[SessionChange] = []
    return Conversation(SessionChanges(store, said.append)), said


def turn(session: Session, question: str, answer: str) -> tuple[Message, Message]:
    user = session.add(Message(role="user", content=question))
    reply = session.add(Message(role="assistant", content=answer, status="complete"))
    return user, reply


def on_disk(store: SessionStore, session: Session) -> list[str]:
    data = json.loads(store.path_for(session.id).read_text())
    return [m["content"] for m in data["messages"]]


def test_adding_forks_while_editing_and_taking_back_restores_the_path(store) -> None:
    conversation, said = setup(store)
    session = Session(provider="p", model="m")
    q1, _ = turn(session, "q1", "a1")
    added = conversation.add_user_message(session, "q2", ["/tmp/a.png"], None)
    assert not added.forked and added.message.attachments == ["/tmp/a.png"]
    conversation.take_back(session, added.message, None)
    assert [m.content for m in session.messages] == ["q1", "a1"]
    edited = conversation.add_user_message(session, "q1 edited", [], q1)
    assert edited.forked and [m.content for m in session.messages] == ["q1 edited"]
    conversation.take_back(session, edited.message, q1)
    assert [m.content for m in session.messages] == ["q1", "a1"]
    assert not said  # nothing was saved or shown as changed: the reply never started
    conversation.reply_started(session)
    assert [c.what for c in said] == ["sent"]


def test_rewind_for_a_new_reply_and_back(store) -> None:
    conversation, _ = setup(store)
    session = Session()
    question, reply = turn(session, "q", "a")
    before = conversation.rewind_for_reply(session, reply)
    assert session.messages == [question]
    conversation.rewind_back(session, before)
    assert session.messages == [question, reply]
    failed = session.add(Message(role="assistant", content="", status="error"))
    session.switch_to(failed.id)
    conversation.rewind_for_reply(session, failed)
    assert session.get(failed.id) is None  # a failed reply without text is not kept


async def test_flip_and_delete_save_and_announce(store) -> None:
    conversation, said = setup(store)
    session = Session()
    question, first = turn(session, "q", "first")
    session.rewind_to(question.id)
    second = session.add(Message(role="assistant", content="second"))
    assert await conversation.flip(session, second, 1) == Refusal(
        "No more alternatives that way.", 2
    )
    assert await conversation.flip(session, second, -1) is first
    assert on_disk(store, session) == ["q", "first", "second"]
    assert said[-1].what == "flipped" and said[-1].saved
    assert "and its 2 replies?" in delete_question(session, question)
    removed = await conversation.delete(session, first)
    assert removed == [first] and session.messages == [question, second]
    assert on_disk(store, session) == ["q", "second"]
    assert said[-1].what == "deleted"
    refusal = await conversation.flip(session, second, -1)
    assert refusal == Refusal("This reply has no alternatives.", 3)


def test_only_the_last_cut_off_reply_can_be_continued(store) -> None:
    conversation, _ = setup(store)
    session = Session()
    _, reply = turn(session, "q", "half")
    assert isinstance(conversation.continuable(session, reply), Refusal)  # complete
    reply.finish_reason = "length"
    assert conversation.continuable(session, reply) is reply
    session.add(Message(role="user", content="next"))
    refusal = conversation.continuable(session, reply)
    assert isinstance(refusal, Refusal) and "last reply" in refusal.text
    assert isinstance(conversation.continuable(session, None), Refusal)
