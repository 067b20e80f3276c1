"""Blocks of a streamed reply that wait, unmounted, while the view follows the stream.

A fast provider delivers hundreds of blocks between two frames, and mounting each costs
milliseconds; `StreamingMarkdown` mounts only the blocks of a batch that land near the view
and leaves the others in a `Deferred`, a blank widget of about their height, until the reply
ends or the user scrolls up (see stream_markdown).
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from textual.widget import Widget
from textual.widgets.markdown import MarkdownBlock, MarkdownFence


class Deferred(Widget):
    """Blocks of a streamed reply that are not mounted yet, standing in with about their
    height (see stream_markdown's docstring)."""

    def __init__(self, blocks: list[MarkdownBlock], rows: list[int]) -> None:
        super().__init__()
        self.blocks = blocks
        self.rows = rows
        """The estimated height of each block, margins included."""
        self.styles.height = sum(rows)

    def render(self) -> str:
        return ""

    def take(self, count: int, *, keep_height: bool = False) -> list[MarkdownBlock]:
        """Remove and return the first `count` blocks; `keep_height` while the blocks are
        mounted hidden (a height change would lay out and redraw the screen each time)."""
        taken, self.blocks = self.blocks[:count], self.blocks[count:]
        del self.rows[:count]
        if not keep_height:
            self.styles.height = sum(self.rows)
        return taken


def estimated_block_rows(block: MarkdownBlock, lines: list[str], width: int) -> int:
    """About how many rows `block` takes at `width` columns, from its source lines."""
    start, end = block.source_range
    rows = sum(max(1, math.ceil(cell_len(line) / width)) for line in lines[start:end])
    if isinstance(block, MarkdownFence):
        rows += 2  # padding
    return max(1, rows) + 1  # the margin below
