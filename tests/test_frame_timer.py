"""The stream's frame timer keeps going when a frame's paint callback is lost: Textual hands
`call_after_refresh` to the screen current when it is handled, and a modal pushed at that
moment (a tool's approval) can take it with it. The reply's frames stopped then."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import Script

from tui_chat.ui.screens import reply_follower
from tui_chat.ui.screens.reply_follower import ReplyFollower


async def test_frames_go_on_when_the_paint_callback_is_lost(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reply_follower, "UNPAINTED_SECONDS", 0.05)
    more = threading.Event()
    usage_sent = threading.Event()
    # No finish reason: no frame is forced when the answer completes (AnswerComplete),
    # so the later words can only come by the frame timer; usage is held back, so the
    # reply's end (which draws at once) cannot bring them either.
    server.enqueue(
        Script(
            content=["First words. ", "Later words 后来的字."],
            gate=more,
            gate_after=1,
            finish_reason=None,
            end_gate=usage_sent,
        )
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        chat = app.screen
        lost: list[Any] = []
        call_after_refresh = chat.call_after_refresh

        def losing(callback: Any, *args: Any, **kwargs: Any) -> bool:
            if getattr(callback, "__func__", None) is ReplyFollower._frame_shown:
                lost.append(callback)  # as if a modal screen had taken it
                return True
            return call_after_refresh(callback, *args, **kwargs)

        monkeypatch.setattr(chat, "call_after_refresh", losing)
        await type_and_send(pilot, "hello")
        await wait_until(pilot, lambda: "First words." in screen_text(app) and bool(lost))
        more.set()
        await wait_until(pilot, lambda: "后来的字" in screen_text(app))
        assert app.replies.live  # still streaming: the frame timer drew them
        usage_sent.set()
        await wait_for_replies(pilot, app)
