"""Floor for streaming in Textual: the reply as plain text, one Static per paragraph.

Usage: plain_stream_app.py BASE_URL [MODEL]. A worker reads the stream into a buffer; 20 times
a second what arrived is moved to the screen: the last paragraph's Static is updated, a new
one is mounted for each new paragraph (text after a blank line), and the anchored
VerticalScroll follows the end. No Markdown: this is about the least a Textual app can do to
show a long reply with wrapped lines, for comparison with the Markdown clients.
"""

from __future__ import annotations

import sys

from openai_deltas import content_deltas
from textual import work
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

FRAME_SECONDS = 1 / 20
"""As tui-chat's frames were until 2026-12-04 (tui-chat now draws 15 a second); kept, so
the baseline does not move."""


class PlainStreamApp(App[None]):
    """Streams one completion as plain paragraphs, following the end."""

    CSS = "Static { margin: 0 0 1 0; }"

    def __init__(self, base_url: str, model: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.model = model
        self.arrived: list[str] = []
        self.shown = ""
        """What the paragraphs on screen hold."""

    def compose(self) -> ComposeResult:
        yield VerticalScroll()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).anchor()
        self.set_interval(FRAME_SECONDS, self.flush)
        self.stream_reply()

    async def flush(self) -> None:
        """Move what arrived since the last frame to the screen."""
        if not self.arrived:
            return
        text = self.shown + "".join(self.arrived)
        self.arrived.clear()
        paragraphs = text.split("\n\n")
        view = self.query_one(VerticalScroll)
        statics = list(view.query_children(Static))
        done = max(len(statics) - 1, 0)
        if statics:
            statics[-1].update(paragraphs[done])
        new = [Static(part, markup=False) for part in paragraphs[len(statics) :]]
        if new:
            await view.mount_all(new)
        self.shown = text

    @work
    async def stream_reply(self) -> None:
        """Open the stream and collect each delta for the next frame."""
        async for delta in content_deltas(self.base_url, self.model):
            self.arrived.append(delta)


if __name__ == "__main__":
    PlainStreamApp(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench-model").run()
