"""The trash: move in with the deletion time, list, restore, purge after 30 days."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.store.trash import KEEP_SECONDS, Trash, TrashError


def make_store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")


def test_trash_restore_round_trip_keeps_pin_and_index(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    session = Session(provider="p", model="m", id="abc")
    session.add(Message(role="user", content="keep me 保留"))
    store.save(session)
    store.set_pinned("abc", True)
    store.search.load()
    before = time.time()
    assert store.trash_session("abc") is True
    trashed = tmp_path / "trash" / "abc.json"
    assert trashed.exists() and not (tmp_path / "sessions" / "abc.json").exists()
    assert trashed.stat().st_mtime >= before - 1  # the deletion time
    assert store.list_sessions()[0] == []
    assert store.search.search("保留") == []
    (listed,) = store.trash.list()
    assert (listed.id, listed.title, listed.message_count) == ("abc", "keep me 保留", 1)

    summary = store.restore_session("abc")
    assert summary.pinned and summary.title == "keep me 保留"
    assert [s.id for s in store.list_sessions()[0]] == ["abc"]
    assert store.search.search("保留")[0].session_id == "abc"
    assert json.loads((tmp_path / "sessions" / "abc.json").read_text("utf-8"))["pinned"] is True
    assert store.trash.list() == []
    store.close()


def test_restore_never_replaces_a_session(tmp_path: Path) -> None:
    trash = Trash(tmp_path / "trash", tmp_path / "sessions")
    (tmp_path / "trash").mkdir()
    (tmp_path / "sessions").mkdir()
    (tmp_path / "trash" / "x.json").write_text("{}", "utf-8")
    (tmp_path / "sessions" / "x.json").write_text('{"id": "x"}', "utf-8")
    with pytest.raises(TrashError, match="was not replaced"):
        trash.restore("x")
    with pytest.raises(TrashError, match="no longer in the trash"):
        trash.restore("gone")
    assert trash.move_in("never-saved") is False


def test_purge_removes_only_files_older_than_30_days(tmp_path: Path) -> None:
    trash = Trash(tmp_path / "trash", tmp_path / "sessions")
    (tmp_path / "sessions").mkdir()
    now = time.time()
    for name, age in (("old", KEEP_SECONDS + 1), ("young", KEEP_SECONDS - 60)):
        (tmp_path / "sessions" / f"{name}.json").write_text("{}", "utf-8")
        trash.move_in(name, now=now - age)
    assert trash.purge(now=now) == 1
    assert [t.id for t in trash.list()] == ["young"]
    assert trash.list()[0].title == "(unreadable file)"
    assert Trash(tmp_path / "none", tmp_path / "sessions").purge() == 0
