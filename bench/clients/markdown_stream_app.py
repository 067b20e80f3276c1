"""Baseline: the smallest Textual app that streams a reply into a Markdown widget.

Usage: markdown_stream_app.py BASE_URL [MODEL]. One anchored VerticalScroll holding one
Markdown widget; a worker writes every content delta through `Markdown.get_stream`.
"""

from __future__ import annotations

import sys

from openai_deltas import content_deltas
from textual import work
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown


class MarkdownStreamApp(App[None]):
    """Streams one completion into a Markdown widget, following the end."""

    def __init__(self, base_url: str, model: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.model = model

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).anchor()
        self.stream_reply()

    @work
    async def stream_reply(self) -> None:
        """Open the stream and write each delta to the Markdown widget."""
        stream = Markdown.get_stream(self.query_one(Markdown))
        try:
            async for delta in content_deltas(self.base_url, self.model):
                await stream.write(delta)
        finally:
            await stream.stop()


if __name__ == "__main__":
    MarkdownStreamApp(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench-model").run()
