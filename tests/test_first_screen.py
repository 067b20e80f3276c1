"""The first screen is drawn before the newest session's messages are mounted (they load the
Markdown stack), and nothing is lost or shown twice because of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer, Script
from textual.pilot import Pilot

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.widgets.messages import MessageView


def save_session(tmp_path: Path, marker: str, updated_at: float) -> Session:
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    session = Session(provider="local", model="test-model")
    session.add(Message(role="user", content=f"question of {marker}"))
    session.add(Message(role="assistant", content=f"**Answer** of {marker}"))
    session.updated_at = updated_at
    store.save(session)
    store.close()
    return session


def shown_texts(view: MessageView) -> list[str]:
    return [w.message.content for w in view.message_widgets()]


async def back_to_the_first_frame(pilot: Pilot[Any], app: TuiChatApp, marker: str) -> MessageView:
    """Once the saved session `marker` is shown, put the view back as the first frame has
    it: the session shown, none of its messages mounted yet."""
    chat = app.chat_screen
    await wait_until(pilot, lambda: f"Answer of {marker}" in screen_text(app))
    await chat.view.show_session(chat.session, after_paint=True)
    assert chat.view.message_widgets() == []
    return chat.view


async def test_history_comes_after_the_first_screen_and_before_the_warm_up(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_session(tmp_path, "OLDER", 1000.0)
    newest = save_session(tmp_path, "NEWEST", 2000.0)
    app = make_app(tmp_path, server)
    mounted_at_warm_up: list[int] = []
    first_screen_shown = app.first_screen_shown

    def record_warm_up() -> None:
        mounted_at_warm_up.append(len(app.chat_screen.view.message_widgets()))
        first_screen_shown()

    app.first_screen_shown = record_warm_up  # type: ignore[method-assign]
    mounted_at_first_refresh: list[int] = []
    show_pending = MessageView.show_pending

    async def record_first_refresh(view: MessageView) -> bool:
        mounted_at_first_refresh.append(len(view.message_widgets()))
        return await show_pending(view)

    monkeypatch.setattr(MessageView, "show_pending", record_first_refresh)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.chat_screen.view
        await wait_until(pilot, lambda: "Answer of NEWEST" in screen_text(app))
        assert shown_texts(view) == [m.content for m in newest.messages]
        # The screen was refreshed once with no message mounted (show_pending runs after
        # a refresh), and the history came right after.
        assert mounted_at_first_refresh == [0]
        # The warm-up started once, after the history was mounted (it would slow its frame).
        assert mounted_at_warm_up == [2]
        assert app.chat_screen.prompt.has_focus


async def test_a_message_sent_before_the_history_is_mounted_is_shown_once(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(content=["the ", "reply"]))
    session = save_session(tmp_path, "SAVED", 1000.0)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat_screen
        view = await back_to_the_first_frame(pilot, app, "SAVED")
        await type_and_send(pilot, "sent in the first frame")
        await wait_for_replies(pilot, app)
        assert await view.show_pending()
        await pilot.pause()
        expected = [m.content for m in session.messages] + ["sent in the first frame", "the reply"]
        assert shown_texts(view) == expected
        assert [m.content for m in chat.session.messages] == expected
        assert not await view.show_pending()  # once only


async def test_pending_history_of_a_session_left_is_not_mounted(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    save_session(tmp_path, "FIRST", 1000.0)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat_screen
        view = await back_to_the_first_frame(pilot, app, "FIRST")
        await chat.show_session(app.new_session())  # the user left it first
        assert not await view.show_pending()
        await pilot.pause()
        assert view.message_widgets() == []
        assert "Answer of FIRST" not in screen_text(app)
