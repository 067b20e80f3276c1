"""The matched text itself, highlighted inside a reply's Markdown blocks (find, Ctrl+F).

Each block kind is highlighted by one small function here, chosen by `highlight_block`:
text blocks (paragraphs, headings, list item text) and code blocks restyle the Content of
their Static(s); a block that draws itself (a table) offers its text and shows itself
through a restyling function (`Restylable`).
The original Content is kept per Static and put back when find closes or moves; a block
that Markdown re-rendered meanwhile (its content is no longer ours) is left as it is.
Replies that stream are skipped: their blocks are replaced on every frame.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, Static
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

LIGHT = "reverse"
"""Every match in the shown replies."""
STRONG = "bold reverse $warning"
"""The current match: reversed in the theme's warning colour."""


@runtime_checkable
class Restylable(Protocol):
    """A block that draws itself (a table: `StreamingTable`): find counts matches in its
    `find_text()` and shows them through `restyle`."""

    def find_text(self) -> str:
        """The text as shown, matches counted in reading order."""

    def restyle(self, restyle: Callable[[Content], Content] | None) -> None:
        """Show the block through `restyle`, or as drawn when None."""


_originals: weakref.WeakKeyDictionary[Static, tuple[Content, Content]] = weakref.WeakKeyDictionary()
"""Per restyled Static: (its own content, the highlighted content we put in)."""


def highlighted(content: Content, pattern: re.Pattern[str], current: int | None) -> Content:
    """`content` with every match of `pattern` LIGHT, the `current`-th STRONG."""
    spans: list[tuple[int, int, str]] = []
    for number, match in enumerate(pattern.finditer(content.plain)):
        if match.end() > match.start():
            style = STRONG if number == current else LIGHT
            spans.append((match.start(), match.end(), style))
    for start, end, style in spans:
        content = content.stylize(style, start, end)
    return content


def _restyle(static: Static, pattern: re.Pattern[str], current: int | None) -> int:
    """Highlight the matches in `static`'s Content; the number of matches there."""
    own = _own_content(static)
    if own is None:
        return 0
    count = sum(1 for match in pattern.finditer(own.plain) if match.end() > match.start())
    if count:
        shown = highlighted(own, pattern, current)
        _originals[static] = (own, shown)
        static.update(shown)
    else:
        _clear_static(static)
    return count


def _own_content(static: Static) -> Content | None:
    """What `static` shows without our highlight (None: not Content, left alone)."""
    kept = _originals.get(static)
    if kept is not None and static.content is kept[1]:
        return kept[0]
    content = static.content
    return content if isinstance(content, Content) else None


def _clear_static(static: Static) -> None:
    kept = _originals.pop(static, None)
    if kept is not None and static.content is kept[1]:
        static.update(kept[0])


def _text_statics(block: MarkdownBlock) -> list[Static]:
    """The Statics that show a block's text: a code block's labels, else the block."""
    if isinstance(block, MarkdownFence):
        return list(block.query(Label))
    return [] if block.children else [block]


def highlight_block(block: Widget, pattern: re.Pattern[str], current: int | None) -> None:
    """Highlight the matches of `pattern` in one leaf block, the `current`-th strongly."""
    if isinstance(block, Restylable):
        block.restyle(lambda content: highlighted(content, pattern, current))
        return
    if not isinstance(block, MarkdownBlock):
        return
    seen = 0
    for static in _text_statics(block):
        here = None if current is None else current - seen
        seen += _restyle(static, pattern, here)


def clear_block(block: Widget) -> None:
    """Put back what `block` showed before `highlight_block`."""
    if isinstance(block, Restylable):
        block.restyle(None)
        return
    if isinstance(block, MarkdownBlock):
        for static in _text_statics(block):
            _clear_static(static)


def leaf_blocks(root: Widget) -> list[MarkdownBlock]:
    """The innermost Markdown blocks under `root`, in reading order."""
    return [block for block in root.query(MarkdownBlock) if not block.query(MarkdownBlock)]
