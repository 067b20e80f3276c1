"""Markdown that is streamed into: lists grow in place instead of being built again.

Textual's `Markdown.append` parses the last top-level block again and hands the result to the
block on screen; paragraphs, code fences and tables take the new content in place, but a list
removes itself and mounts a new copy, every item of it, on every frame. Replies are full of
long lists, so here a list keeps the items it has, updates its last one and mounts new ones.
Anything it cannot match (a changed number width, a different kind of list) falls back to
Textual's rebuild.
"""

from __future__ import annotations

import contextlib

from textual.containers import Horizontal, Vertical
from textual.widgets import Markdown

# Private to textual, hence the exact pin; tests/test_stream_render.py compares streamed
# lists with full renders, so an upgrade that changes how lists are built is caught.
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownParagraph,
)

from tui_chat.widgets.folding import RunwayMixin


def _symbols(block: MarkdownBlock) -> list[str]:
    """The bullet of each item of a list that is not mounted yet, as its compose gives them."""
    items = [b for b in block._blocks if isinstance(b, MarkdownListItem)]
    if not isinstance(block, MarkdownOrderedList):
        return [item.bullet for item in items]
    suffix = ". "
    start = 1
    if items:
        with contextlib.suppress(ValueError):
            start = int(items[0].bullet)
    numbers = [f"{number}{suffix}" for number in range(start, start + len(items))]
    size = max((len(n) for n in numbers), default=0)
    return [n.rjust(size + 1) for n in numbers]


async def _update_list(old: MarkdownBlock, new: MarkdownBlock) -> bool:
    """Make the mounted list `old` show the unmounted list `new`; False if it cannot."""
    if type(new) is not type(old):
        return False
    items = [b for b in new._blocks if isinstance(b, MarkdownListItem)]
    rows = list(old.query_children(Horizontal))
    symbols = _symbols(new)
    if not rows or len(items) < len(rows):
        return False
    for row, symbol in zip(rows, symbols, strict=False):
        if row.query_one(MarkdownBullet).symbol != symbol:
            return False  # numbers got wider (9 -> 10): every row changes
    last_row = rows[-1].query_one(Vertical)
    shown = list(last_row.children)
    wanted = items[len(rows) - 1]._blocks
    if len(shown) == len(wanted) and all(
        isinstance(a, MarkdownParagraph) and isinstance(b, MarkdownParagraph)
        for a, b in zip(shown, wanted, strict=True)
    ):
        for paragraph, source in zip(shown, wanted, strict=True):
            assert isinstance(paragraph, MarkdownParagraph)
            if paragraph._content != source._content:
                paragraph.set_content(source._content)
                paragraph._copy_context(source)
    else:
        await last_row.remove_children()
        await last_row.mount_all(wanted)
    added = []
    for item, symbol in zip(items[len(rows) :], symbols[len(rows) :], strict=True):
        bullet = MarkdownBullet()
        bullet.symbol = symbol
        added.append(Horizontal(bullet, Vertical(*item._blocks)))
    if added:
        await old.mount_all(added)
    old._copy_context(new)
    return True


class StreamingBulletList(MarkdownBulletList):
    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _update_list(self, block):
            await super()._update_from_block(block)


class StreamingOrderedList(MarkdownOrderedList):
    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _update_list(self, block):
            await super()._update_from_block(block)


class StreamingMarkdown(Markdown, RunwayMixin):
    """Markdown for streamed text: lists grow in place, and a runway while streaming."""

    BLOCKS = {
        **Markdown.BLOCKS,
        "bullet_list_open": StreamingBulletList,
        "ordered_list_open": StreamingOrderedList,
    }
