"""SVG snapshots of a reply with tool cards: folded, and one card unfolded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from app_harness import make_app, wait_until, write_config
from sse_server import FakeOpenAIServer

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import ToolCall, ToolRound
from tui_chat.ui.widgets.tool_cards import ToolCard

T0 = 1_735_700_000.0


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def tool_app(tmp_path: Path):
    with FakeOpenAIServer() as server:
        write_config(tmp_path / "config" / "config.toml", server.base_url)
        store = SessionStore(
            tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json"
        )
        session = Session(provider="local", model="test-model", created_at=T0, title="Tools")
        session.add(Message(role="user", content="What time is it in Paris?", created_at=T0))
        reply = Message(
            role="assistant",
            content="It is **11:00** in Paris.",
            created_at=T0 + 1,
            model="test-model",
            provider="local",
        )
        reply.tool_rounds = [
            ToolRound(
                content="I will ask the clock.",
                calls=[
                    ToolCall("c1", "current_time", "{}", status="ok",
                             result='{"time": "10:00", "zone": "UTC"}', seconds=0.01),
                    ToolCall("c2", "fs__read_file", '{"path": "notes.md"}',
                             label="fs.read_file", server="fs", status="denied"),
                ],
            )
        ]
        session.add(reply)
        session.updated_at = T0 + 1
        store.save(session)
        store.close()
        yield make_app(tmp_path, server)


def test_folded_cards(snap_compare, tool_app) -> None:
    assert snap_compare(tool_app, terminal_size=(100, 24))


def test_unfolded_card(snap_compare, tool_app) -> None:
    async def unfold(pilot: Any) -> None:
        await wait_until(pilot, lambda: bool(pilot.app.screen.query(ToolCard)))
        card = pilot.app.screen.query(ToolCard).first()
        card.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: card.unfolded and bool(card.query("Markdown")))
        await pilot.pause()

    assert snap_compare(tool_app, terminal_size=(100, 24), run_before=unfold)
