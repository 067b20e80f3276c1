"""The end of a reply draws its last words first; the finish (the check against a full
parse, code highlighted whole, laying out what streaming folded away) runs after that
paint, off the input path, and is hurried when another reply or session needs the screen."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import Script
from test_stream_folding import folded, long_reply
from test_stream_render import chunk, full_render, rendered

from tui_chat.ui.screens import reply_follower
from tui_chat.ui.widgets.messages import AssistantMessage


def gate_finish(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Make every reply's finish wait until the event returned is set."""
    gate = asyncio.Event()
    finish = AssistantMessage.finish

    async def gated(reply: AssistantMessage) -> None:
        await gate.wait()
        await finish(reply)

    monkeypatch.setattr(AssistantMessage, "finish", gated)
    return gate


async def test_last_words_are_drawn_before_the_finish(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "First words.\n\n```python\nprint('code')\n```\n\nThe last words 最后几个字."
    server.enqueue(Script(content=chunk(text, 3), delay=0.002))
    gate = gate_finish(monkeypatch)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "hello")
        follower = app.screen.follower
        await wait_until(pilot, lambda: len(server.requests) == 1 and not app.replies.live)
        # Ended: the last words and the status line at rest are on screen while the
        # finish still waits.
        await wait_until(pilot, lambda: "最后几个字" in screen_text(app))
        assert follower.is_finishing
        assert "streaming" not in str(app.screen.query_one("#status").render())
        await pilot.press("x")  # keys are handled meanwhile
        await wait_until(pilot, lambda: app.screen.prompt.text == "x")
        gate.set()
        await wait_for_replies(pilot, app)
        assert not follower.is_finishing
        reply = app.screen.query(AssistantMessage).last()
        assert not reply.is_streaming
        reference = full_render(text)
        await app.screen.view.mount(reference)
        assert rendered(reply.body) == rendered(reference)


async def test_a_long_reply_is_laid_out_once_keys_stop(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What streaming folded away is laid out again (one big layout) only once no key is
    coming, and nothing stays folded."""
    text = long_reply()
    server.enqueue(Script(content=chunk(text, 1), delay=0.001), Script(content=["Short."]))
    gate = gate_finish(monkeypatch)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "long please")
        follower = app.screen.follower
        await wait_until(pilot, lambda: len(server.requests) == 1 and not app.replies.live, 20)
        await wait_until(pilot, lambda: follower.is_finishing)
        first = app.screen.query(AssistantMessage).last()
        assert folded(first)
        app.input_clock.key_at = time.monotonic() + 1000  # as if the user kept typing
        gate.set()
        await wait_until(pilot, lambda: not first.is_streaming and not first.body.has_deferred)
        await pilot.pause()
        # No big layout while keys come: still folded, its blocks mounted but hidden.
        assert folded(first) and (follower.is_finishing or first.settling)
        await type_and_send(pilot, "and now?")  # typing stops once it is sent
        await wait_until(pilot, lambda: len(server.requests) == 2)
        await wait_until(pilot, lambda: not folded(first) and not first.settling)
        await wait_for_replies(pilot, app)
        assert not follower.is_finishing
        assert "Short." in screen_text(app)
        assert first.body.source == text
        reference = full_render(text)
        await app.screen.view.mount(reference)
        assert rendered(first.body) == rendered(reference)


async def test_last_words_are_drawn_when_the_answer_is_complete(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunk with the finish reason draws the last words at once: a server may send
    usage (and the stream's end) well after, and no frame slot is waited for either
    (frames are 60 s apart here)."""
    monkeypatch.setattr(reply_follower, "FRAME_SECONDS", 60.0)
    monkeypatch.setattr(reply_follower, "TYPING_FRAME_SECONDS", 60.0)
    usage_sent = threading.Event()
    server.enqueue(
        Script(content=["First words. ", "The last words 最后几个字."], end_gate=usage_sent)
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "hello")
        await wait_until(pilot, lambda: "最后几个字" in screen_text(app))
        assert app.replies.live  # still streaming: usage has not come
        assert "streaming" in str(app.screen.query_one("#status").render())
        usage_sent.set()
        await wait_for_replies(pilot, app)
        assert "streaming" not in str(app.screen.query_one("#status").render())
