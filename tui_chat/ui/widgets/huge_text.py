"""Huge messages: shown in part in the conversation, and whole in a pager that draws only
the rows on screen.

A session with a 40 MB pasted log as its last message took minutes and gigabytes to show:
Textual lays out (wraps) the whole text of a Static or a Markdown before it draws a row,
and even its TextArea wraps every line first (36 s for 40 MB). So a message longer than
HUGE_CHARS shows its first PART_CHARS characters and a "show all (40.0 MB)" link, which
opens the whole text in `TextPager`: it splits the text into lines once and wraps only the
rows it draws.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from itertools import accumulate

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message

HUGE_CHARS = 200_000
"""A message longer than this is shown in part."""
PART_CHARS = 50_000
"""About how much of a huge message is shown in the conversation."""


def shown_part(text: str) -> str | None:
    """The first part of a huge text (cut at a line end when one is near the limit), or
    None when the text is shown whole."""
    if len(text) <= HUGE_CHARS:
        return None
    cut = text.rfind("\n", PART_CHARS // 2, PART_CHARS)
    return text[: cut if cut > 0 else PART_CHARS]


def size_label(text: str) -> str:
    """The text's size in UTF-8, for people: `40.0 MB`, `250 KB`."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
    return f"{size / 1e6:.1f} MB" if size >= 1_000_000 else f"{size / 1e3:.0f} KB"


def show_all_markup(text: str) -> str:
    """The line under a message shown in part; its link runs the widget's `show_all`."""
    return f"✂ Only the start is shown. [@click=show_all]show all ({size_label(text)})[/]"


def open_full_text(app: object, text: str, title: str) -> None:
    """Open the whole text read-only (the select-text view pages a huge one)."""
    from tui_chat.ui.screens.message_modals import SelectTextScreen

    app.push_screen(SelectTextScreen(text, title))  # type: ignore[attr-defined]


class ShowAllLine(Static):
    """Under a reply shown in part: its link opens the whole reply."""

    DEFAULT_CSS = """
    ShowAllLine {
        color: $text-muted;
    }
    """

    def __init__(self, message: Message) -> None:
        part = shown_part(message.content)
        super().__init__(
            show_all_markup(message.content) if part is not None else "", classes="show-all"
        )
        self.message = message
        self.display = part is not None

    def action_show_all(self) -> None:
        open_full_text(self.app, self.message.content, f"Reply · {self.message.model or ''}")


class TextPager(ScrollView, can_focus=True):
    """A long text, read-only, soft-wrapped at the width of the view. Only the rows on
    screen are cut from their lines, so a text of any size opens at once; a resize only
    counts the rows of each line again."""

    DEFAULT_CSS = """
    TextPager {
        overflow-x: hidden;
        overflow-y: scroll;  /* rows are cut at a width that a scrollbar would change */
    }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text
        self._lines = text.split("\n")
        self._width = 0
        self._first_rows = array("q", [0])
        """The first row of each line at `_width`, and the row count at the end."""
        self._chopped: tuple[int, list[str]] = (-1, [])
        """The last line with wide characters that was cut into rows (by cells)."""

    @property
    def row_count(self) -> int:
        return self._first_rows[-1]

    def _rows_of(self, line: str) -> int:
        length = len(line) if line.isascii() else cell_len(line)
        return max(1, -(-length // self._width))

    def _wrap(self, width: int) -> None:
        width = max(1, width)
        if width == self._width:
            return
        self._width = width
        self._chopped = (-1, [])
        self._first_rows = array("q", accumulate(map(self._rows_of, self._lines), initial=0))
        self.virtual_size = Size(width, self.row_count)

    def on_mount(self) -> None:
        self._wrap(self.scrollable_content_region.width or self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._wrap(self.scrollable_content_region.width)

    def row_text(self, row: int) -> str:
        """What row `row` of the wrapped text shows (no control characters)."""
        if not 0 <= row < self.row_count:
            return ""
        index = bisect_right(self._first_rows, row) - 1
        line, part, width = self._lines[index], row - self._first_rows[index], self._width
        if line.isascii():
            piece = line[part * width : (part + 1) * width]
        else:
            if self._chopped[0] != index:
                self._chopped = (index, chop_cells(line, width))
            pieces = self._chopped[1]
            piece = pieces[part] if part < len(pieces) else ""
        return strip_control(piece).replace("\t", " ")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        style = self.rich_style
        text = self.row_text(self.scroll_offset.y + y)
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
