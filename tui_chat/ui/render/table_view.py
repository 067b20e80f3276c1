"""A Markdown table drawn as one widget whose cells wrap, never cut (issue 18 item 3a).

Textual's table is a grid of cell widgets that ellipsizes what does not fit; a Chinese
table at 80 columns lost whole columns to `…`. This widget draws the same box (thin lines
in the keyline's colour, the header bold in `$primary`) around cells wrapped by
`table_layout`, which keeps every character, and re-lays the table out for the width its
parent gives it (so on every resize). At the columns' minimum widths a table can be wider
than its pane: the widget is then wider than its parent, which scrolls sideways
(`StreamingTable`'s `overflow-x: auto`), so nothing is cut.

It is a `Static` whose content is the drawn table: selection and copy read it like any
other text. `plain_lines()` gives its lines; find shows its matches through `restyle`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.content import Content
from textual.geometry import Size
from textual.style import Style
from textual.widgets import Markdown, Static

from tui_chat.ui.render.stream_blocks import streaming_owner
from tui_chat.ui.render.table_layout import Align, column_widths, wrap


def _aligned(line: Content, width: int, align: Align) -> Content:
    """`line` padded to `width` cells on the side its column's alignment says."""
    room = max(0, width - line.cell_length)
    if align == "right":
        return line.pad_left(room)
    if align == "center":
        return line.pad(room // 2, room - room // 2)
    return line.pad_right(room)


def _trimmed(piece: Content) -> Content:
    """A wrapped line of a cell without the spaces at its ends (Content has only rstrip)."""
    piece = piece.rstrip()
    lead = len(piece.plain) - len(piece.plain.lstrip())
    return piece[lead:] if lead else piece


class TableView(Static):
    """The box, header and rows of one Markdown table, laid out for its parent's width."""

    DEFAULT_CSS = """
    TableView {
        width: auto;
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    TableView > .table-view--lines {
        color: $foreground 20%;
    }
    TableView > .table-view--header {
        color: $primary;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES = {"table-view--lines", "table-view--header"}

    def __init__(
        self,
        headers: Sequence[Content],
        rows: Sequence[Sequence[Content]],
        aligns: Sequence[Align] = (),
    ) -> None:
        super().__init__()
        self.headers = list(headers)
        self.rows = [list(row) for row in rows]
        self.aligns = list(aligns)
        self._pane_width = 0
        self._drawn: tuple[tuple[int, int], list[Content]] | None = None
        self._version = 0
        self._rows_drawn: dict[tuple[object, ...], list[Content]] = {}
        self._rows_drawn_in: list[int] = []
        self._restyle: Callable[[Content], Content] | None = None

    def set_rows(
        self, rows: Sequence[Sequence[Content]], headers: Sequence[Content] | None = None
    ) -> None:
        """Show `rows` (and `headers`, when given): laid out again on the next refresh.
        While a reply streams, a table that keeps its width is repainted, not laid out
        again, while its new rows fit the blank rows it was given (see
        `GrowingMarkdown.grow`): a new row was a layout of the whole screen."""
        self.rows = [list(row) for row in rows]
        if headers is not None:
            self.headers = list(headers)
        self._version += 1
        markdown = streaming_owner(self)
        width, height = self.content_size
        if markdown is None or not self.is_mounted or not width or not height:
            self.refresh(layout=True)
            return
        lines = self.lines()
        if max((line.cell_length for line in lines), default=0) != width:
            self.refresh(layout=True)  # columns widened: the table is wider
            return
        self.refresh()
        markdown.grow(self, len(lines) + self.size.height - height)

    def table(self) -> list[list[Content]]:
        """The header row then the body rows, each as many cells as there are headers."""
        columns = len(self.headers)
        body = [(row + [Content()] * columns)[:columns] for row in self.rows]
        return [list(self.headers), *body]

    def lines(self, width: int | None = None) -> list[Content]:
        """The drawn lines of the table for a pane `width` cells wide (the last one laid
        out, when None). Cached until the width or the rows change."""
        width = self._pane_width if width is None else width
        width = width or self.app.size.width
        key = (width, self._version)
        if self._drawn is not None and self._drawn[0] == key:
            return self._drawn[1]
        drawn = self._draw(width)
        self._drawn = (key, drawn)
        return drawn

    def plain_lines(self) -> list[str]:
        """The table's lines as shown, as plain text (box lines included): what find and
        copy read."""
        return [line.plain for line in self.lines()]

    def _draw(self, width: int) -> list[Content]:
        table = self.table()
        widths = column_widths([[cell.plain for cell in row] for row in table], width)
        if not widths:
            return []
        line_style = Style.from_rich_style(self.get_component_rich_style("table-view--lines"))

        def rule(left: str, middle: str, right: str) -> Content:
            text = left + middle.join("─" * (w + 2) for w in widths) + right
            return Content.styled(text, line_style)

        if self._rows_drawn_in != widths:  # rows drawn in other widths are no use
            self._rows_drawn.clear()
            self._rows_drawn_in = widths
        drawn = [rule("┌", "┬", "┐")]
        between = rule("├", "┼", "┤")
        for number, row in enumerate(table):
            if number:
                drawn.append(between)
            key = (number == 0, *((cell.plain, *cell.spans) for cell in row))
            lines = self._rows_drawn.get(key)
            if lines is None:
                lines = self._rows_drawn[key] = self._draw_row(row, widths, number == 0)
            drawn += lines
        drawn.append(rule("└", "┴", "┘"))
        return drawn

    def _draw_row(self, row: list[Content], widths: list[int], header: bool) -> list[Content]:
        """The lines of one row: each cell wrapped in its column (by `table_layout.wrap`,
        which keeps every character), aligned, between the box's bars. A streamed table's
        rows but the last are drawn once for a set of widths (see `_draw`), so a frame
        costs about one row."""
        line_style = Style.from_rich_style(self.get_component_rich_style("table-view--lines"))
        header_style = Style.from_rich_style(
            self.get_component_rich_style("table-view--header", partial=True)
        )
        aligns = (self.aligns + ["left"] * len(widths))[: len(widths)]
        bar = Content.styled("│", line_style)
        cells = [
            [_trimmed(piece) for piece in cell.divide(wrap(cell.plain, width))]
            for cell, width in zip(row, widths, strict=True)
        ]
        height = max(len(cell) for cell in cells)
        if header:  # the header sits at the bottom, as Textual's does
            cells = [[Content()] * (height - len(cell)) + cell for cell in cells]
        lines = []
        for y in range(height):
            parts: list[Content] = [bar]
            for cell, width, align in zip(cells, widths, aligns, strict=True):
                text = cell[y] if y < len(cell) else Content()
                if header:
                    text = text.stylize_before(header_style)
                parts += [Content(" "), _aligned(text, width, align), Content(" "), bar]
            lines.append(Content.assemble(*parts))
        return lines

    def restyle(self, restyle: Callable[[Content], Content] | None) -> None:
        """Show the drawn table through `restyle` (find's highlight of its matches), or
        as drawn when None."""
        self._restyle = restyle
        self.refresh()

    def render(self) -> Content:
        drawn = Content("\n").join(self.lines())
        return drawn if self._restyle is None else self._restyle(drawn)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """Lay the table out for its parent's width: as wide as that, or wider when even
        its columns' minimum widths do not fit (the parent then scrolls sideways)."""
        self._pane_width = container.width
        lines = self.lines()
        return max((line.cell_length for line in lines), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines())

    async def action_link(self, href: str) -> None:
        """A link in a cell was clicked: as in Textual's cells, the Markdown hears of it."""
        markdown = next((a for a in self.ancestors if isinstance(a, Markdown)), None)
        if markdown is not None:
            self.post_message(Markdown.LinkClicked(markdown, href))
