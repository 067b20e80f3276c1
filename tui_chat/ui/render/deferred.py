"""Blocks of a streamed reply that wait, unbuilt and unmounted, while the view follows the
stream.

A fast provider delivers hundreds of blocks between two frames, and building and mounting
each costs milliseconds; `StreamingMarkdown` builds and mounts only the blocks of a batch
that land near the view and leaves the others in a `Deferred`, a blank widget of about their
height, until the reply ends or the user scrolls up (see stream_markdown). What waits is the
parse of each block (its tokens, a `Pending`), not a widget: building the widgets of a batch
of 300 blocks nobody sees yet (their text, styles, highlighting) took most of a frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.widget import Widget

from tui_chat.ui.render.stream_maths import BLOCK_TYPES as MATHS_BLOCKS

if TYPE_CHECKING:
    from markdown_it.token import Token

FENCES = ("fence", "code_block")
"""Token types of the blocks drawn with padding (code)."""
BUILDING = frozenset(
    {"heading_open", "hr", "paragraph_open", "blockquote_open", "bullet_list_open"}
    | {"ordered_list_open", "table_open", *FENCES, *MATHS_BLOCKS}
)
"""The top-level tokens a Markdown builds a block from (others, as html, build nothing)."""
MIN_DEFER = 4
"""Defer only when at least this many blocks of a batch can wait."""


@dataclass(frozen=True)
class Pending:
    """One top-level block of a streamed reply, parsed but not built: its tokens, whose line
    numbers count from `start_line` of the source."""

    tokens: list[Token]
    start_line: int

    @property
    def source_range(self) -> tuple[int, int]:
        """The block's lines in the whole source (as its widget's `source_range`)."""
        line_map = self.tokens[0].map or [0, 0]
        return line_map[0] + self.start_line, line_map[1] + self.start_line


def top_level_groups(tokens: list[Token]) -> list[list[Token]]:
    """`tokens` cut into one list per top-level block (an opening token at level 0 up to
    its closing one, or a lone token such as a code fence or a rule)."""
    groups: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            groups.append([])
        groups[-1].append(token)
        depth += token.nesting
    return groups


class Deferred(Widget):
    """Blocks of a streamed reply that are not built nor mounted yet, standing in with about
    their height (see the module's docstring)."""

    def __init__(self, blocks: list[Pending], rows: list[int]) -> None:
        super().__init__()
        self.blocks = blocks
        self.rows = rows
        """The estimated height of each block, margins included."""
        self.styles.height = sum(rows)

    def render(self) -> str:
        return ""

    def take(self, count: int, *, keep_height: bool = False) -> list[Pending]:
        """Remove and return the first `count` blocks; `keep_height` while the blocks are
        mounted hidden (a height change would lay out and redraw the screen each time)."""
        taken, self.blocks = self.blocks[:count], self.blocks[count:]
        del self.rows[:count]
        if not keep_height:
            self.styles.height = sum(self.rows)
        return taken


def estimated_block_rows(block: Pending, lines: list[str], width: int) -> int:
    """About how many rows `block` takes at `width` columns, from its source lines."""
    start, end = block.source_range
    rows = sum(max(1, math.ceil(cell_len(line) / width)) for line in lines[start:end])
    if block.tokens[0].type in FENCES:
        rows += 2  # padding
    return max(1, rows) + 1  # the margin below


def split_deferred(
    tokens: list[Token], start_line: int, keep_rows: int, updates: bool, source: str, width: int
) -> tuple[list[Token], list[Pending], list[int]] | None:
    """The `tokens` of a streamed batch to build now, the new top-level blocks to leave
    unbuilt (all but those at the end that fill about `keep_rows` rows at `width`) and
    their estimated rows; None to build them all. With `updates`, the first block updates
    the last one shown, so it is always built."""
    groups = top_level_groups(tokens)
    first = 1 if updates else 0
    if len(groups) - first <= MIN_DEFER:
        return None
    if first and groups[0][0].type not in BUILDING:
        return None  # it builds nothing: the next block would update the last one shown
    pending = [Pending(group, start_line) for group in groups[first:]]
    lines = source.splitlines()
    rows = [estimated_block_rows(block, lines, width) for block in pending]
    shown, keep = 0, len(pending)
    while keep > 0 and shown < keep_rows:
        keep -= 1
        shown += rows[keep]
    if keep < MIN_DEFER:
        return None
    kept = [token for group in (*groups[:first], *groups[first + keep :]) for token in group]
    return kept, pending[:keep], rows[:keep]
