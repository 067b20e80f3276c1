"""The sessions folder watcher (domain part): what another process wrote or removed is
found, the store's summary and search indexes follow, the app's own writes are not
reported, an unreadable file is reported once, and polling an unchanged folder is one stat."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tui_chat.core.session import Message, Session
from tui_chat.core.store import watch as session_watch
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.store.watch import FULL_SCAN_POLLS, SessionFolderWatcher, sync_folder


def store_at(data: Path) -> SessionStore:
    return SessionStore(data / "sessions", data / "session-index.json")


def session(session_id: str, title: str, text: str) -> Session:
    made = Session(provider="local", model="m", id=session_id)
    made.messages.append(Message(role="user", content=text, id=f"{session_id}-u"))
    made.title = title
    made.title_is_custom = True
    return made


def age_folder(path: Path) -> None:
    """An mtime well in the past: no change in the same clock tick can hide behind it."""
    old = time.time() - 60
    os.utime(path, (old, old))


def test_sync_finds_what_another_store_wrote_or_removed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app_store = store_at(data)
    app_store.save(session("mine00000000", "Mine", "written by the app"))
    app_store.list_sessions()
    app_store.search.load()
    assert not sync_folder(app_store)  # its own writes are known

    other = store_at(data)  # another process (tui-chat import)
    other.save(session("theirs000000", "Theirs", "量子比特 from elsewhere"))
    other.close()
    changes = sync_folder(app_store)
    assert [s.title for s in changes.summaries] == ["Theirs"]
    assert not changes.removed and not changes.problems
    assert [hit.session_id for hit in app_store.search.search("量子比特")] == ["theirs000000"]
    assert not sync_folder(app_store)  # reported once

    app_store.save(session("mine00000000", "Mine renamed", "written by the app"))
    assert not sync_folder(app_store)

    other = store_at(data)
    other.save(session("theirs000000", "Theirs renamed", "量子比特 from elsewhere"))
    other.close()
    (data / "sessions" / "mine00000000.json").unlink()
    changes = sync_folder(app_store)
    assert [s.title for s in changes.summaries] == ["Theirs renamed"]
    assert changes.removed == ["mine00000000"]
    assert app_store.search.search("renamed")[0].title == "Theirs renamed"
    assert app_store.search.search("written by the app") == []
    app_store.close()
    # The summary index on disk says the same: the next start lists what is there.
    summaries, _ = store_at(data).list_sessions()
    assert [s.title for s in summaries] == ["Theirs renamed"]


def test_an_unreadable_file_is_reported_once_until_it_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app_store = store_at(data)
    app_store.list_sessions()
    broken = data / "sessions" / "broken000000.json"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("{not json", "utf-8")
    unreadable: dict[str, tuple[int, int]] = {}
    changes = sync_folder(app_store, unreadable)
    assert [p.path.name for p in changes.problems] == ["broken000000.json"]
    assert not sync_folder(app_store, unreadable)
    other = store_at(data)
    other.save(session("broken000000", "Fixed", "readable now"))
    other.close()
    changes = sync_folder(app_store, unreadable)
    assert [s.title for s in changes.summaries] == ["Fixed"] and not changes.problems
    assert unreadable == {}


def test_polling_an_unchanged_folder_is_one_stat(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    app_store = store_at(data)
    app_store.save(session("mine00000000", "Mine", "text"))
    app_store.list_sessions()
    folder = data / "sessions"
    age_folder(folder)
    watcher = SessionFolderWatcher(app_store)
    assert watcher.due()  # never scanned
    watcher.scan()
    full_scans: list[int] = []
    real = session_watch.scan_session_files
    monkeypatch.setattr(
        session_watch, "scan_session_files", lambda d: full_scans.append(1) or real(d)
    )
    for _ in range(FULL_SCAN_POLLS - 1):
        assert not watcher.due()
    assert watcher.due()  # now and then a full scan: files rewritten in place
    watcher.scan()
    assert full_scans == [1]

    # Changed by another process only: every file is checked.
    other = store_at(data)
    other.save(session("theirs000000", "Theirs", "text"))
    other.close()
    assert watcher.due()  # the folder's stamp changed
    assert [s.title for s in watcher.scan().summaries] == ["Theirs"]
    assert full_scans == [1, 1]


def test_while_the_app_writes_only_names_are_listed(tmp_path: Path, monkeypatch) -> None:
    """A streaming reply saves every few seconds: no stat of every file each time. New and
    removed files are still found at once; a file rewritten by another process under the
    same name, at the next full check."""
    data = tmp_path / "data"
    app_store = store_at(data)
    app_store.save(session("mine00000000", "Mine", "text"))
    app_store.save(session("gone00000000", "Gone", "text"))
    app_store.save(session("theirs000000", "Theirs", "text"))
    app_store.list_sessions()
    watcher = SessionFolderWatcher(app_store)
    assert watcher.due()
    watcher.scan()
    full_scans: list[int] = []
    real = session_watch.scan_session_files
    monkeypatch.setattr(
        session_watch, "scan_session_files", lambda d: full_scans.append(1) or real(d)
    )

    app_store.save(session("mine00000000", "Mine", "more text"))  # the app's own
    other = store_at(data)
    other.save(session("new000000000", "New", "imported"))
    other.save(session("theirs000000", "Theirs renamed", "text"))
    other.close()
    (data / "sessions" / "gone00000000.json").unlink()
    assert watcher.due()
    changes = watcher.scan()
    assert full_scans == []
    assert [s.title for s in changes.summaries] == ["New"]
    assert changes.removed == ["gone00000000"]

    for _ in range(FULL_SCAN_POLLS):
        if watcher.due():
            changes = watcher.scan()
            if changes.summaries:
                break
    assert full_scans
    assert [s.title for s in changes.summaries] == ["Theirs renamed"]
