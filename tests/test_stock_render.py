"""TUI_CHAT_STOCK_RENDER=1: the app streams and shows replies with Textual's own Markdown,
MarkdownStream, compositor and footer (see tui_chat/ui/render/stock.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import Script
from test_stream_render import REPLY, chunk, rendered
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from tui_chat.ui.render import probes
from tui_chat.ui.render.footer import ChatFooter
from tui_chat.ui.render.lean_screen import LeanCompositor
from tui_chat.ui.render.stock import STOCK_RENDER_ENV
from tui_chat.ui.render.stream_markdown import StreamingMarkdown
from tui_chat.ui.widgets.messages import AssistantMessage

REASONING = "Thinking it over:\n\n- **one** thing\n- another\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"


def only_textual_widgets(markdown: Markdown) -> bool:
    """Every widget inside `markdown` is one of Textual's (no streaming block, runway,
    fold or deferred stand-in of the engine)."""
    return all(type(w).__module__.startswith("textual.") for w in markdown.query("*"))


@pytest.fixture
def stock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STOCK_RENDER_ENV, "1")


@pytest.mark.usefixtures("stock")
async def test_stock_render_streams_a_reply_and_shows_a_session(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: dict[Markdown, str] = {}
    write = MarkdownStream.write

    async def spy(self: MarkdownStream, fragment: str) -> None:
        body = self.markdown_widget
        written[body] = written.get(body, "") + fragment
        await write(self, fragment)

    monkeypatch.setattr(MarkdownStream, "write", spy)
    # The rest of the reply waits until its widget streams: on a busy machine all of it
    # could otherwise arrive before the widget is mounted (then nothing is streamed).
    gate = threading.Event()
    server.enqueue(
        Script(content=chunk(REPLY, 7), reasoning=chunk(REASONING, 3), gate=gate, gate_after=1)
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Markdown please")
        await wait_until(
            pilot, lambda: any(w.is_streaming for w in app.screen.query(AssistantMessage))
        )
        gate.set()
        await wait_for_replies(pilot, app)
        screen = app.screen
        assert not isinstance(probes.compositor_of(screen), LeanCompositor)
        assert screen.query_one(ChatFooter).stock
        reply = screen.query_one(AssistantMessage)
        assert reply.body.stock and reply.body.source == REPLY
        # Through Textual's MarkdownStream: all of it, or all after what the reply's widget
        # was made with (the first chunk can come before it is mounted).
        assert written.get(reply.body) and REPLY.endswith(written[reply.body])
        assert only_textual_widgets(reply.body)
        thinking = screen.query_one("#thinking").query_one(StreamingMarkdown)
        assert thinking.stock and thinking.source == REASONING
        assert only_textual_widgets(thinking)
        reference = Markdown(REPLY)
        await screen.query_one("#messages").mount(reference)
        await pilot.pause()
        assert rendered(reply.body) == rendered(reference)

    # The session again, as the next start shows it (rendered whole, not streamed).
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "The end." in screen_text(app))
        reply = app.screen.query_one(AssistantMessage)
        assert reply.body.stock and only_textual_widgets(reply.body)
        assert reply.body.source == REPLY


async def test_without_the_switch_the_engine_renders(tmp_path: Path, server) -> None:
    """The switch is off by default: the lean screen and the streaming blocks are used."""
    server.enqueue(Script(content=chunk(REPLY, 7)))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Markdown please")
        await wait_for_replies(pilot, app)
        assert isinstance(probes.compositor_of(app.screen), LeanCompositor)
        reply = app.screen.query_one(AssistantMessage)
        assert not reply.body.stock and not only_textual_widgets(reply.body)
