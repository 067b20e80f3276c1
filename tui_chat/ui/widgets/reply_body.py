"""A reply's Markdown body, in a module of its own so that `widgets.messages` (which the
first screen imports) does not import the Markdown stack: it is imported with the first reply
shown (or by the warm-up after the first screen)."""

from __future__ import annotations

import asyncio

from textual.await_complete import AwaitComplete

from tui_chat.ui.render.stream_markdown import StreamingMarkdown


class ReplyBody(StreamingMarkdown):
    """A reply's Markdown that says when its own first render is done (writing to it before
    then would be wiped by that render), with a runway while it streams."""

    def __init__(self, markdown: str | None = None, *, classes: str | None = None) -> None:
        super().__init__(markdown, classes=classes)
        self.ready = asyncio.Event()

    def update(self, markdown: str) -> AwaitComplete:
        rendering = super().update(markdown)
        if self.ready.is_set():
            return rendering

        async def first_render() -> None:  # the one Markdown starts when it is mounted
            await rendering
            self.ready.set()

        return AwaitComplete(first_render())
