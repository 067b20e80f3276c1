"""Pilot tests: a session's settings reach the request and the session file."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, read_only_session, type_and_send, wait_for_replies, write_config
from sse_server import Script

from tui_chat.screens.chat import ChatScreen


async def test_session_settings_shape_the_request_and_are_saved(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, 'dialect = "dashscope"\n')
    server.enqueue(
        Script(status=429, headers={"Retry-After": "0"}, error_body="slow down"),
        Script(content=["Fine."]),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        session = screen.session
        assert session is not None
        session.settings = session.settings.replace(
            temperature=0.4, thinking="on", reasoning_effort="high", extra_body={"seed": 3}
        )
        await type_and_send(pilot, "Second")
        await wait_for_replies(pilot, app)
        # The effort DashScope does not have was announced, not sent.
        assert any("no reasoning effort" in n.message for n in app._notifications)
    first, retried, second = (r["json"] for r in server.requests)
    assert "temperature" not in first
    assert first == retried  # the rate-limited request was sent again as it was
    assert second["temperature"] == 0.4
    assert second["enable_thinking"] is True
    assert second["seed"] == 3
    assert "reasoning_effort" not in second
    data = read_only_session(tmp_path)
    assert data["settings"] == {
        "temperature": 0.4,
        "thinking": "on",
        "reasoning_effort": "high",
        "extra_body": {"seed": 3},
    }
    assert [m["status"] for m in data["messages"] if m["role"] == "assistant"] == [
        "complete",
        "complete",
    ]
