"""A full disk and a second window, in the app: nothing that arrived is lost, and the open
session shows what another window added."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer, Script

import tui_chat.core.store.session_store as store_module
import tui_chat.ui.screens.unsaved as unsaved_module
from tui_chat.core.session import Message
from tui_chat.core.store.session_store import SessionStore
from tui_chat.ui.screens.session_dialogs import TextPromptScreen
from tui_chat.ui.screens.unsaved import UnsavedQuitScreen


class FullDisk:
    """write_atomic that fails with ENOSPC for session files holding `filled_by` (the disk
    fills up exactly when the reply that holds it is saved), until `full` is cleared."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, filled_by: str) -> None:
        self.full = True
        real = store_module.write_atomic

        def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            if self.full and path.parent.name == "sessions" and filled_by in text:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real(path, data, mode)

        monkeypatch.setattr(store_module, "write_atomic", write_atomic)


async def test_a_reply_that_cannot_be_saved_is_kept_marked_and_quitting_asks(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    FullDisk(monkeypatch, filled_by="Second answer.")
    server.enqueue(Script(content=["The reply ", "that already arrived."]))
    server.enqueue(Script(content=["Second answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "first question")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "second question")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: "Not saved" in screen_text(app))
        assert len(app.store.unsaved()) == 1
        # Ctrl+Q does not quit: it asks, and offers to write the session elsewhere.
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, UnsavedQuitScreen))
        assert app.is_running
        assert "No space left on device" in screen_text(app)
        await pilot.click("#rescue")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPromptScreen))
        rescue = tmp_path / "elsewhere"
        from textual.widgets import Input

        app.screen.query_one(Input).value = str(rescue)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.is_running)
    written = list(rescue.glob("*.json"))
    assert len(written) == 1
    data = json.loads(written[0].read_text(encoding="utf-8"))
    contents = [m["content"] for m in data["messages"]]
    assert "Second answer." in contents and "second question" in contents
    assert written[0].stat().st_mode & 0o777 == 0o600


async def test_failed_saves_are_retried_until_the_disk_has_room(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsaved_module, "RETRY_SECONDS", 0.1)
    disk = FullDisk(monkeypatch, filled_by="Kept in memory.")
    server.enqueue(Script(content=["Kept in memory."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "hello")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: bool(app.store.unsaved()))
        session_id = app.screen.session.id
        disk.full = False
        await wait_until(pilot, lambda: not app.store.unsaved())
        await wait_until(pilot, lambda: "Not saved" not in screen_text(app))
        saved = json.loads(app.store.path_for(session_id).read_text(encoding="utf-8"))
        assert "Kept in memory." in [m["content"] for m in saved["messages"]]
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)


async def test_the_open_session_shows_what_another_window_added(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(content=["Answer in this window."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "asked here")
        await wait_for_replies(pilot, app)
        session_id = app.screen.session.id
        app.store.wait_for_writes()
        # Another tui-chat on the same data folder adds a turn to this session.
        other = SessionStore(app.store.sessions_dir, app.store.index_file)
        theirs = other.load(session_id)
        theirs.add(Message(role="user", content="asked in the other window"))
        theirs.add(Message(role="assistant", content="answered in the other window"))
        other.save(theirs)
        other.close()
        await wait_until(
            pilot, lambda: "answered in the other window" in screen_text(app), timeout=15
        )
        assert "Answer in this window." in screen_text(app)
        # This window's next save keeps the other window's turn.
        server.enqueue(Script(content=["Third answer."]))
        await type_and_send(pilot, "and here again")
        await wait_for_replies(pilot, app)
        app.store.wait_for_writes()
    data = json.loads(app.store.path_for(session_id).read_text(encoding="utf-8"))
    contents = {m["content"] for m in data["messages"]}
    assert {"answered in the other window", "Answer in this window.", "Third answer."} <= contents
