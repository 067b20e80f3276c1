"""CJK line breaking in every Content and TextArea of the app (issue 18 item 1).

Textual wraps text in two functions, both looked up as module globals at call time:
- `textual.content.divide_line` (Rich's `rich._wrap.divide_line`), called by
  `Content._wrap_and_format` and so by `Content.get_height`: every `Static`, hence every
  Markdown block (paragraphs, headings, list items, table cells), the thinking pane, user
  messages, notices;
- `textual.document._wrapped_document.compute_wrap_offsets` (`textual._wrap`), called by
  `WrappedDocument.wrap`/`wrap_range`: the prompt's soft wrap.
Both break only at whitespace, so a run of Chinese is one unbreakable word. `install`
replaces the two globals with wrappers that use `tui_chat.core.line_breaks` when a line
holds CJK and call the saved original otherwise, so Latin text wraps exactly as before. No
subclass or override: a Content of our own would lose the line offsets selection relies on,
and a WrappedDocument of our own would copy 150 lines of Textual.

Both names are listed in `private_names` (kind "function"); the quarantine test checks their
parameters against the originals. Installed in stock mode too (`stock`): it is behaviour
users need, not part of the streaming engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import textual.content
import textual.document._wrapped_document as wrapped_document
from rich.cells import cell_len, chop_cells

from tui_chat.core import line_breaks

DivideLine = Callable[[str, int, bool], list[int]]
WrapOffsets = Callable[..., list[int]]

ORIGINAL_DIVIDE_LINE: DivideLine = textual.content.divide_line
"""Rich's `divide_line`, as Content imported it."""
ORIGINAL_WRAP_OFFSETS: WrapOffsets = wrapped_document.compute_wrap_offsets
"""Textual's `compute_wrap_offsets`, as WrappedDocument imported it."""


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Content's wrap (`rich._wrap.divide_line`) with CJK break opportunities; the original
    for a line with no CJK. Trailing spaces may overhang the width, as Rich lets them."""
    if not line_breaks.has_cjk(text):
        return ORIGINAL_DIVIDE_LINE(text, width, fold)
    return line_breaks.divide_line(text, width, fold, cell_len=cell_len, chop_cells=chop_cells)


def compute_wrap_offsets(
    text: str,
    width: int,
    tab_size: int,
    fold: bool = True,
    precomputed_tab_sections: list[tuple[str, int]] | None = None,
) -> list[int]:
    """The TextArea's wrap (`textual._wrap.compute_wrap_offsets`) with CJK break
    opportunities; the original for a line with no CJK or with a tab (whose width depends
    on where it lands: rare in a prompt of CJK). Trailing spaces count, as Textual's do: the
    cursor can sit after them."""
    if "\t" in text or not line_breaks.has_cjk(text):
        return ORIGINAL_WRAP_OFFSETS(text, width, tab_size, fold, precomputed_tab_sections)
    return line_breaks.divide_line(
        text,
        width,
        fold,
        cell_len=cell_len,
        chop_cells=chop_cells,
        count_trailing_spaces=True,
    )


HOOKS: tuple[tuple[Any, str, Callable[..., list[int]], Callable[..., list[int]]], ...] = (
    (textual.content, "divide_line", ORIGINAL_DIVIDE_LINE, divide_line),
    (wrapped_document, "compute_wrap_offsets", ORIGINAL_WRAP_OFFSETS, compute_wrap_offsets),
)
"""(module, global, original, ours) for each function replaced."""

for _module, _name, _original, _ours in HOOKS:
    _ours.__wrapped__ = _original  # type: ignore[attr-defined]
    # inspect.unwrap finds Textual's function behind ours (the quarantine test checks it)


def install() -> None:
    """Put our wrappers in place of Textual's (once per process: calling again is a no-op,
    so each app may call it as it starts)."""
    for module, name, _original, ours in HOOKS:
        setattr(module, name, ours)


def uninstall() -> None:
    """Put Textual's functions back (tests compare the two)."""
    for module, name, original, _ours in HOOKS:
        setattr(module, name, original)


def installed() -> bool:
    """Whether our wrappers are the ones Textual calls."""
    return all(getattr(module, name) is ours for module, name, _original, ours in HOOKS)
