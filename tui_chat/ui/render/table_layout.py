"""Where a Markdown table's columns fall and where each cell's text wraps (issue 18 item 3a).

Textual lays a table out as a grid of cells whose minimum width is the cell's longest
space-separated word: a Chinese cell is one long "word", so at 80 columns the grid starved
some columns down to their padding and cut their text to `…`. Here the minimum of a column
is its widest unbreakable piece by the CJK line breaker (`tui_chat.core.line_breaks`: a
Chinese character, or a Latin word such as `O(n²)`), capped at `MIN_CAP` cells so one long
word cannot take the table; every column gets its minimum, the rest of the width goes to
the columns whose text is wider than that, and every cell wraps, never cut. A table whose
minima do not fit is laid out at them, wider than the pane: its view scrolls sideways.

Plain text in, widths and break offsets out (the widget divides the styled cells at the
offsets, so bold, code and links stay), so the maths is tested without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from rich.cells import cell_len, chop_cells

from tui_chat.core import line_breaks

Align = Literal["left", "center", "right"]

MIN_CAP = 12
"""A column's minimum is at most this many cells: a longer word folds."""


def frame_width(columns: int) -> int:
    """Cells the box takes around `columns` columns: a line before each and after the
    last, and a space either side of each cell's text (`│ a │ b │`)."""
    return 3 * columns + 1


@lru_cache(maxsize=4096)
def measure(text: str) -> tuple[int, int]:
    """(natural, minimum) width of a cell's text: its width on one line, and its widest
    unbreakable piece (capped at `MIN_CAP`). Cached: a streamed table is laid out again on
    every frame, and its cells but the last row have not changed."""
    natural = cell_len(text)
    pieces = line_breaks.segments(text)
    widest = max((cell_len(piece.strip()) for _start, piece in pieces), default=0)
    return natural, min(widest, MIN_CAP)


def share(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` cells split in proportion to `weights` (evenly when all are 0), whole
    cells, largest remainders first, summing to `amount` exactly."""
    if not weights:
        return []
    total = sum(weights)
    if total <= 0:
        weights = [1] * len(weights)
        total = len(weights)
    exact = [amount * weight / total for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(len(exact)), key=lambda n: parts[n] - exact[n])
    for n in order[: amount - sum(parts)]:
        parts[n] += 1
    return parts


def column_widths(table: Sequence[Sequence[str]], width: int) -> list[int]:
    """The text width of each column of `table` (rows of cells' plain text, the header
    first) in `width` cells of screen, box included.

    If every cell fits on one line, each column gets its widest cell and the rest is shared
    evenly (a table fills the pane, as Textual's does). Otherwise a column narrower than an
    even share of the room keeps its widest cell whole (`快速排序` in a name column stays on
    one line rather than give two cells to a long description), and the others get their
    minimum (see `measure`) and what is left in proportion to how much wider than their
    minimum their widest cell is. Never less than the minima (or 1): the table is then
    wider than `width`."""
    columns = max((len(row) for row in table), default=0)
    if not columns:
        return []
    natural = [1] * columns
    minimum = [1] * columns
    for row in table:
        for n, text in enumerate(row):
            cell_natural, cell_minimum = measure(text)
            natural[n] = max(natural[n], cell_natural)
            minimum[n] = max(minimum[n], cell_minimum)
    room = width - frame_width(columns)
    if sum(natural) <= room:
        spare = share(room - sum(natural), [1] * columns)
        return [a + b for a, b in zip(natural, spare, strict=True)]
    if sum(minimum) >= room:
        return minimum
    whole = _narrow_columns(natural, minimum, room)
    widths = [natural[n] if n in whole else minimum[n] for n in range(columns)]
    growth = [0 if n in whole else natural[n] - minimum[n] for n in range(columns)]
    extra = share(room - sum(widths), growth)
    return [w + e for w, e in zip(widths, extra, strict=True)]


def _narrow_columns(natural: list[int], minimum: list[int], room: int) -> set[int]:
    """The columns that keep their widest cell: those no wider than an even share of the
    room, if the others still get their minima then. One pass only: a second would hand
    whole widths to middling columns (a long header) and squeeze the one long column
    into many lines."""
    fair = room / len(natural)
    whole = {n for n, width in enumerate(natural) if width <= fair}
    needed = sum(natural[n] if n in whole else minimum[n] for n in range(len(natural)))
    return whole if needed <= room else set()


def wrap(text: str, width: int) -> list[int]:
    """Where `text` breaks into lines of at most `width` cells (offsets into it), by the
    CJK line breaker: never before closing punctuation (`，。）`), never after opening; a
    piece wider than the line folds by cells."""
    return line_breaks.divide_line(
        text, max(1, width), True, cell_len=cell_len, chop_cells=chop_cells
    )


def alignments(delimiter_row: str, columns: int) -> list[Align]:
    """Each column's alignment from a table's delimiter row (`|:---|:---:|---:|`), left
    where the row says nothing. The row may carry a quote's `>` or a list's indent."""
    cells = delimiter_row.strip()
    start = max(cells.rfind(">") + 1, 0)
    parts = [part.strip() for part in cells[start:].strip().strip("|").split("|")]
    found: list[Align] = []
    for part in parts:
        if part.startswith(":") and part.endswith(":") and len(part) > 1:
            found.append("center")
        elif part.endswith(":"):
            found.append("right")
        else:
            found.append("left")
    return (found + ["left"] * columns)[:columns]


@dataclass(frozen=True)
class TableLayout:
    """A table laid out in a width: its column widths and, for each row (the header
    first), each cell's break offsets."""

    widths: list[int]
    breaks: list[list[list[int]]]

    @property
    def width(self) -> int:
        """Cells the table takes, box included."""
        return sum(self.widths) + frame_width(len(self.widths))


def lay_out(table: Sequence[Sequence[str]], width: int) -> TableLayout:
    """`table` (plain text of each cell, the header row first) laid out in `width` cells."""
    widths = column_widths(table, width)
    breaks = [
        [wrap(text, widths[n]) for n, text in enumerate(row[: len(widths)])] for row in table
    ]
    return TableLayout(widths, breaks)


def split_lines(text: str, breaks: Sequence[int]) -> list[str]:
    """`text` cut at `breaks`, each line without the spaces at its ends (plain-text twin of
    how the widget divides a styled cell)."""
    bounds = [0, *breaks, len(text)]
    return [text[a:b].strip() for a, b in pairwise(bounds)]
