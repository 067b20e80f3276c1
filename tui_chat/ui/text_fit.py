"""Fitting one line of text into a width of terminal cells, by whole pieces.

The status line and the sidebar rows are one row each; cut at the edge by the terminal,
they would show half a field ("last 1.2k in /") or half a double-width character. These
functions say what fits instead: whole fields by priority (`fit_parts`), and a text that
ends with `…` when cut (`ellipsize`). Pure (no widget): the status line calls them on every
streaming frame, so the common case (everything fits) is one join and one length check.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from textual.content import Content

ELLIPSIS = "…"
SEPARATOR = " │ "

Part = tuple[int, str]
"""(priority, text): the lower the number, the longer the part stays (0 never goes)."""


def ellipsize(text: str, width: int) -> str:
    """`text` if it fits `width` cells, else its start and `…` in at most `width` cells:
    never half a double-width character (the line may end one cell short instead)."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    return text[: _fitting(text, width - cell_len(ELLIPSIS))].rstrip() + ELLIPSIS


def ellipsize_content(content: Content, width: int, style: str = "") -> Content:
    """`ellipsize` for styled text: its styles kept, the `…` in `style`. (Content's own
    `truncate` leaves a space before the `…` where a wide character did not fit.)"""
    if content.cell_length <= width:
        return content
    if width <= 0:
        return Content()
    end = _fitting(content.plain, width - cell_len(ELLIPSIS))
    return Content.assemble(content[:end].rstrip(), (ELLIPSIS, style))


def _fitting(text: str, cells: int) -> int:
    """How many characters of `text` fit in `cells` cells."""
    used = 0
    end = 0
    while end < len(text):
        size = get_character_cell_size(text[end])
        if used + size > cells:
            break
        used += size
        end += 1
    return end


def fit_parts(parts: list[Part], width: int) -> str:
    """The parts' texts joined by SEPARATOR in their order, whole parts dropped until the
    line fits `width` cells: the highest priority number first, the later one first among
    equals; parts of priority 0 never go. If those alone are too wide, the line ends with
    `…`. A `width` of 0 or less (not laid out yet) keeps everything."""
    line = SEPARATOR.join(text for _, text in parts)
    if width <= 0 or cell_len(line) <= width:
        return line
    kept = list(parts)
    while cell_len(line) > width:
        droppable = [index for index, (priority, _) in enumerate(kept) if priority > 0]
        if not droppable:
            return ellipsize(line, width)
        worst = max(kept[index][0] for index in droppable)
        del kept[max(index for index in droppable if kept[index][0] == worst)]
        line = SEPARATOR.join(text for _, text in kept)
    return line
