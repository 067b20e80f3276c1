"""Two app windows (two stores) on one data folder, and saves that fail (a full disk)."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import tui_chat.core.store.session_store as store_module
from tui_chat.core.session import Message, Session
from tui_chat.core.store.merge import merge_snapshots
from tui_chat.core.store.session_store import SessionStore, StoreEvent


def make_store(data: Path) -> SessionStore:
    return SessionStore(data / "sessions", data / "session-index.json")


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[SessionStore, SessionStore]]:
    first, second = make_store(tmp_path), make_store(tmp_path)
    yield first, second
    first.close()
    second.close()


def turn(session: Session, question: str, answer: str) -> None:
    session.add(Message(role="user", content=question))
    session.add(Message(role="assistant", content=answer))


def contents(store: SessionStore, session_id: str) -> set[str]:
    data = json.loads(store.path_for(session_id).read_text(encoding="utf-8"))
    return {m["content"] for m in data["messages"]}


def test_turns_from_two_windows_are_both_kept(two: tuple[SessionStore, SessionStore]) -> None:
    first, second = two
    session = Session(provider="local", model="m")
    turn(session, "q0", "a0")
    first.save(session)
    in_first, in_second = first.load(session.id), second.load(session.id)
    events: list[StoreEvent] = []
    second.listener = events.append

    turn(in_first, "q1 from the first window", "a1")
    first.save(in_first)
    turn(in_second, "q2 from the second window", "a2")
    second.save(in_second)

    assert contents(first, session.id) == {
        "q0", "a0", "q1 from the first window", "a1", "q2 from the second window", "a2"
    }
    assert len(events) == 1 and events[0].merged is not None
    assert len(events[0].merged.added) == 2
    # Both turns answer a0: the file holds them as two branches of one tree.
    reloaded = make_store(first.sessions_dir.parent).load(session.id)
    a0 = next(m for m in reloaded.all_messages() if m.content == "a0")
    assert len(reloaded.children(a0.id)) == 2

    # The second window goes on without reloading: the first window's turn stays.
    in_second.rename("renamed in the second window")
    second.save(in_second)
    assert "q1 from the first window" in contents(second, session.id)
    # And the first window's next save keeps the second window's turn and title.
    turn(in_first, "q3", "a3")
    first.save(in_first)
    data = json.loads(first.path_for(session.id).read_text(encoding="utf-8"))
    assert {"q2 from the second window", "q3"} <= {m["content"] for m in data["messages"]}
    assert data["title"] == "renamed in the second window"


def test_a_delete_in_one_window_is_not_undone_by_the_other(
    two: tuple[SessionStore, SessionStore],
) -> None:
    first, second = two
    session = Session(provider="local", model="m")
    turn(session, "keep", "kept")
    turn(session, "drop me", "dropped")
    first.save(session)
    in_first, in_second = first.load(session.id), second.load(session.id)

    in_first.delete(next(m for m in in_first.messages if m.content == "drop me"))
    first.save(in_first)
    in_second.rename("a change elsewhere")
    second.save(in_second)

    assert contents(first, session.id) == {"keep", "kept"}


def test_a_reply_both_windows_changed_is_kept_twice(
    two: tuple[SessionStore, SessionStore],
) -> None:
    first, second = two
    session = Session(provider="local", model="m")
    turn(session, "q", "draft")
    first.save(session)
    in_first, in_second = first.load(session.id), second.load(session.id)

    in_first.messages[-1].content = "first version"
    first.save(in_first)
    in_second.messages[-1].content = "second version"
    second.save(in_second)

    assert contents(first, session.id) == {"q", "first version", "second version"}


def test_merge_without_a_base_is_a_union() -> None:
    ours = {"title": "t", "messages": [{"id": "a", "content": "1"}]}
    theirs = {"title": "t", "messages": [{"id": "b", "content": "2"}]}
    merged, report = merge_snapshots(None, ours, theirs)
    assert [m["id"] for m in merged["messages"]] == ["a", "b"]
    assert report.added == ["b"]


def test_a_failed_save_is_kept_reported_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path)
    events: list[StoreEvent] = []
    store.listener = events.append
    session = Session(provider="local", model="m")
    turn(session, "q", "the reply that already arrived")
    real_write = store_module.write_atomic
    full = True

    def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
        if full and path.parent == store.sessions_dir:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data, mode)

    monkeypatch.setattr(store_module, "write_atomic", write_atomic)
    with pytest.raises(OSError):
        store.save(session)
    assert [p.session_id for p in store.unsaved()] == [session.id]
    assert "No space left on device" in store.unsaved()[0].problem
    assert events[-1].problem is not None
    assert store.retry_unsaved()  # still full
    assert not store.path_for(session.id).exists()

    full = False
    assert store.retry_unsaved() == []
    assert "the reply that already arrived" in contents(store, session.id)
    assert events[-1] == StoreEvent(session.id)
    store.close()
