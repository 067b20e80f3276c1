"""Lists and tables of a streamed reply: they keep what they show and take only what is new.

Textual's `Markdown.append` parses the last top-level block again and hands the result to the
block on screen; paragraphs, code fences and tables take the new content in place, but a list
removes itself and mounts a new copy, every item of it, on every frame. Replies are full of
long lists, so here a list keeps the items it has, updates its last one and mounts new ones.
Anything it cannot match (a changed number width, a different kind of list) falls back to
Textual's rebuild. A long list or table would also be built again, every item or cell a
widget, on every frame; only its last items or rows are (see `trim_shown`). A table is drawn
by one widget of ours (`table_view`), which takes the new rows and lays itself out again.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Markdown

# Private to textual, hence the exact pin (see private_names.py). tests/test_stream_render.py
# compares streamed lists and tables with full renders, so an upgrade that changes how they
# are built is caught.
from textual.widgets._markdown import (
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownParagraph,
    MarkdownTable,
)
from textual.widgets.markdown import MarkdownBlock

from tui_chat.ui.render.stream_blocks import GrowingMarkdown
from tui_chat.ui.render.table_layout import Align, alignments
from tui_chat.ui.render.table_view import TableView

if TYPE_CHECKING:
    from collections.abc import Callable

    from markdown_it.token import Token
    from textual.app import ComposeResult
    from textual.content import Content


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
    start = getattr(block, "_stream_start", start)  # built from the end of a long list
    numbers = [f"{number}{suffix}" for number in range(start, start + len(items))]
    size = max((len(n) for n in numbers), default=0)
    return [n.rjust(size + 1) for n in numbers]


async def _update_list(old: MarkdownBlock, new: MarkdownBlock) -> bool:
    """Make the mounted list `old` show the unmounted list `new`; False if it cannot.
    `new` may hold only the items from `old`'s last row on (see `trim_shown`)."""
    if type(new) is not type(old):
        return False
    skipped: int = getattr(new, "_stream_skipped", 0)
    items = [b for b in new._blocks if isinstance(b, MarkdownListItem)]
    rows = list(old.query_children(Horizontal))
    symbols = _symbols(new)
    if not rows or skipped + len(items) < len(rows) or skipped > len(rows) - 1:
        return False
    for row, symbol in zip(rows[skipped:], symbols, strict=False):
        if row.query_one(MarkdownBullet).symbol != symbol:
            return False  # numbers got wider (9 -> 10): every row changes
    last_row = rows[-1].query_one(Vertical)
    shown = list(last_row.children)
    new_rows = len(rows) - skipped  # the first of `items` with no row yet
    wanted = items[new_rows - 1]._blocks
    in_place = len(shown) == len(wanted) and len(items) == new_rows
    markdown = old._markdown
    if not in_place and isinstance(markdown, GrowingMarkdown):
        markdown.unpad()  # rows or blocks are mounted below the padded paragraph
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
        if len(items) == new_rows and isinstance(markdown, GrowingMarkdown):
            markdown.pad_new(wanted[-1])
        await last_row.mount_all(wanted)
    added = []
    for item, symbol in zip(items[new_rows:], symbols[new_rows:], strict=True):
        bullet = MarkdownBullet()
        bullet.symbol = symbol
        added.append(Horizontal(bullet, Vertical(*item._blocks)))
    if added:
        if isinstance(markdown, GrowingMarkdown):
            markdown.pad_new(added[-1])
        await old.mount_all(added)
    old._copy_context(new)
    return True


class NeedsFullParse(Exception):
    """A block built from the end of a list or table could not update the one shown."""


class GrowingList(MarkdownBlock):
    """A list that keeps its rows and takes new ones (see `_update_list`). List it after
    the list class: Textual takes CSS type names from the first base only."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _update_list(self, block):
            if getattr(block, "_stream_skipped", 0):
                raise NeedsFullParse
            await super()._update_from_block(block)  # Textual's rebuild


class StreamingBulletList(MarkdownBulletList, GrowingList):
    pass


class StreamingOrderedList(MarkdownOrderedList, GrowingList):
    pass


class StreamingTable(MarkdownTable):
    """A table drawn by one `TableView` (cells wrap, never cut: see `table_view`) that can
    take its new rows from a block built from its last row on. Streamed and full renders
    are the same widget, so nothing is rebuilt when the reply ends."""

    DEFAULT_CSS = """
    StreamingTable {
        height: auto;
        overflow-x: auto;
        overflow-y: hidden;
    }
    """

    def compose(self) -> ComposeResult:
        headers, rows = self._get_headers_and_rows()
        self._headers = headers
        self._rows = rows
        yield TableView(headers, rows, self.column_aligns(len(headers)))

    def column_aligns(self, columns: int) -> list[Align]:
        """The columns' alignments, from the delimiter row of the table's source (the line
        after its header), which Textual's blocks do not keep."""
        markdown = next((a for a in self.ancestors if isinstance(a, Markdown)), None)
        lines = markdown.source.splitlines() if markdown is not None else []
        row = self.source_range[0] + 1
        return alignments(lines[row] if row < len(lines) else "", columns)

    def plain_lines(self) -> list[str]:
        """The table's lines as shown (see `TableView.plain_lines`)."""
        views = self.query_children(TableView)
        return views.first().plain_lines() if views else []

    def find_text(self) -> str:
        """The text find counts matches in: the table as shown (a match that a cell wraps
        across two lines is not one)."""
        return "\n".join(self.plain_lines())

    def restyle(self, restyle: Callable[[Content], Content] | None) -> None:
        """Show the table through `restyle` (see `TableView.restyle`)."""
        for view in self.query_children(TableView):
            view.restyle(restyle)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        views = self.query_children(TableView)
        if not isinstance(block, MarkdownTable) or not views:
            await super()._update_from_block(block)
            return
        headers, rows = block._get_headers_and_rows()
        skipped: int = getattr(block, "_stream_skipped", 0)
        if skipped:
            # Built from the last row shown on (see `trim_shown`): its rows follow ours.
            if len(self._rows) - 1 != skipped:
                raise NeedsFullParse
            rows = self._rows[:skipped] + rows
        elif len(headers) != len(self._headers):
            await super()._update_from_block(block)
            return
        self._rows = rows
        self._headers = headers
        views.first().set_rows(rows, headers)
        self._copy_context(block)


TRIM_MIN = 8
"""Lists and tables with fewer items or rows on screen are built whole on every frame."""


def trim_shown(
    tokens: list[Token], shown: Widget | None, markdown: Markdown
) -> tuple[list[Token], dict[str, int]] | None:
    """`tokens` less the items of a list, or the rows of a table, that `shown` (the last
    block on screen, which their first block updates) shows already, and what the block
    built from them needs to know; None to build it from all of them.

    Textual parses the last block again on every frame and builds a widget for each of
    its items or cells: a list of 200 items or a table of 200 rows cost some 40 ms a
    frame. The parse stays; only the last item or row shown and those after it are built.
    """
    if not tokens or shown is None:
        return None
    first = tokens[0]
    kinds = ("bullet_list_open", "ordered_list_open", "table_open")
    if first.level != 0 or first.type not in kinds:
        return None
    if type(shown) is not markdown.get_block_class(first.type):
        return None
    end = next(
        (n for n, token in enumerate(tokens) if token.level == 0 and token.nesting == -1),
        len(tokens),
    )
    if first.type in ("bullet_list_open", "ordered_list_open"):
        skip = len(shown.query_children(Horizontal)) - 1
        starts = [n for n in range(1, end) if tokens[n].type == "list_item_open"]
        starts = [n for n in starts if tokens[n].level == 1]
        if skip < TRIM_MIN or len(starts) <= skip:
            return None
        marks = {"_stream_skipped": skip}
        if first.type == "ordered_list_open":
            start = 1
            with contextlib.suppress(ValueError):
                start = int(tokens[starts[0]].info)
            marks["_stream_start"] = start + skip
        return [first, *tokens[starts[skip] :]], marks
    if first.type == "table_open" and isinstance(shown, MarkdownTable):
        skip = len(shown._rows) - 1
        body = next((n for n in range(end) if tokens[n].type == "tbody_open"), end)
        rows = [n for n in range(body, end) if tokens[n].type == "tr_open"]
        if skip < TRIM_MIN or len(rows) <= skip:
            return None
        return [*tokens[: rows[0]], *tokens[rows[skip] :]], {"_stream_skipped": skip}
    return None
