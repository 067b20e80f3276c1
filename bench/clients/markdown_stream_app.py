"""Baseline: the smallest Textual app that streams a reply into a Markdown widget.

Usage: markdown_stream_app.py BASE_URL [MODEL]. One anchored VerticalScroll holding one
Markdown widget; a worker writes every content delta through `Markdown.get_stream`.
"""

from __future__ import annotations

import sys

import openai
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
        client = openai.AsyncOpenAI(base_url=self.base_url, api_key="x", max_retries=0, timeout=600)
        stream = Markdown.get_stream(self.query_one(Markdown))
        try:
            response = await client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": "go"}], stream=True
            )
            async for chunk in response:
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        await stream.write(choice.delta.content)
        finally:
            await stream.stop()


if __name__ == "__main__":
    MarkdownStreamApp(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench-model").run()
