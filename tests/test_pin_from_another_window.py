"""A pin set in another tui-chat window on the session open here: seen in tmux, the row
here stayed unpinned (the open session's row kept this window's idea of its pin)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer, Script

import tui_chat.ui.widgets.sidebar as sidebar_module
from tui_chat.core.store.session_store import SessionStore


@pytest.mark.parametrize("pinned", [True, False])
async def test_the_open_session_shows_a_pin_set_in_another_window(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, pinned: bool
) -> None:
    monkeypatch.setattr(sidebar_module, "SESSIONS_POLL_SECONDS", 0.1)
    server.enqueue(Script(content=["An answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "a question")
        await wait_for_replies(pilot, app)
        session_id = app.screen.session.id
        sidebar = app.screen.sessions
        if not pinned:  # pinned here first, unpinned in the other window
            await pilot.press("f10")
            await wait_until(pilot, lambda: session_id in sidebar.pinned_ids)
        app.store.wait_for_writes()
        other = SessionStore(app.store.sessions_dir, app.store.index_file)
        other.set_pinned(session_id, pinned)
        other.wait_for_writes()
        other.close()
        await wait_until(pilot, lambda: (session_id in sidebar.pinned_ids) is pinned, timeout=15)
        row = sidebar.summary(session_id)
        assert row is not None and row.pinned is pinned
        assert app.screen.session.id == session_id
