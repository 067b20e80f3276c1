"""Where a line of Chinese, Japanese or Korean text may break (issue 18 item 1).

Rich and Textual break lines only at whitespace, so a run of Chinese is one "word": a line
holding one ends far short of the width and the run goes down whole. This module finds the
break opportunities of UAX #14 in the small, with one compiled regex (no per-character
Python loop: a paragraph is re-wrapped every frame while it streams):

- after a run of whitespace, as Rich and Textual do (U+3000, the ideographic space, is
  whitespace to Python's regex too);
- before and after each ideograph, kana, bopomofo, hangul syllable or jamo, fullwidth letter
  or digit, or emoji (class ID), except
  - never before a closing or non-starting mark (CLOSE: ，。、；：？！）」』》】 small kana ...,
    and after CJK the narrow ) ] } , . ; : ! ? % ’ ” …): it stays with what precedes it;
  - never after an opening mark (OPEN: （「『《【“‘ ...): it stays with what follows it;
- before and after a run of em dashes (——), never inside it.
Latin words (runs of anything else that is not whitespace: `O(n²)`, `list.sort()`,
`median-of-three`, `1,000`) are never split, except by the fold of a piece wider than the
line, as today. UAX #14 would break after the hyphen in `median-of-three`; Rich does not.

Korean: hangul breaks between syllables, as UAX #14 does by default (and browsers with
`word-break: normal`). Korean readers sometimes prefer keep-all (break at spaces only), but
at terminal widths whole words leave lines ragged, the very defect this module fixes; it
would be one change here (move the hangul ranges out of `_ID`).

Widths are cells, measured by functions the caller passes (the UI gives Rich's, which
is what draws the text), so this module stays free of Rich.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

CellLen = Callable[[str], int]
"""The width of a string in terminal cells (2 for a wide character)."""
ChopCells = Callable[[str, int], list[str]]
"""A string cut into lines of at most `width` cells each."""

_HANGUL = "\u1100-\u115F\u3131-\u318E\uA960-\uA97F\uAC00-\uD7AF"
_ID = (
    "\u2E80-\u2FFF\u3006\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303C"
    "\u3041-\u3096\u30A1-\u30FA\u3105-\u312F\u3190-\u31EF\u3200-\u33FF"
    "\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF"
    "\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF66-\uFF9F"
    "\U0001F300-\U0001FAFF\U00020000-\U0003FFFF" + _HANGUL
)
"""Ideographs, radicals, kana, bopomofo, hangul, enclosed and compatibility CJK, fullwidth
letters and digits, halfwidth katakana, emoji: a break before and after each."""
_CLOSE_WIDE = (
    "，。、；：？！）」』》】〕〗〙〛〉｝］｠〞〟・ー々〻ゝゞヽヾ〜"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ\u31F0-\u31FF"
    "\uFF01\uFF05\uFF09\uFF0C\uFF0E\uFF1A\uFF1B\uFF1F\uFF3D\uFF5D\uFF5E\uFF61\uFF63-\uFF65"
)
"""Wide closing and non-starting marks (small kana too, strict as JIS X 4051): no break
before them. Never part of a Latin run."""
_CLOSE_NARROW = re.escape(")]},.;:!?%’”…‥") + "\u2030\u2103"
"""Narrow marks that close (also inside Latin runs: "don’t", "wait…"): after CJK, no break
before them either."""
_OPEN = "（「『《【〔〖〘〚〈｛［｟“‘〝\uFF04\uFFE5\uFFE1\uFF08\uFF3B\uFF5B\uFF62"
"""Opening marks: no break after. “ and ‘ are kept out of Latin runs, so in 用“三 the “
goes with 三."""
_DASH = "\u2014\u2E3A\u2E3B"
"""Em dashes (class B2): a run stays whole, with breaks around it."""

_HAS_CJK = f"[{_ID}{_CLOSE_WIDE}{_OPEN.replace('“‘', '')}]"
"""The narrow “ and ‘ alone do not count: English with curly quotes wraps as before."""
_CORE = (
    f"(?:[{_ID}]|[{_DASH}]+|[^\\s{_ID}{_CLOSE_WIDE}{_OPEN}{_DASH}]+|[{_CLOSE_WIDE}{_CLOSE_NARROW}])"
)
_PIECE = f"[{_OPEN}]*(?:{_CORE}[{_CLOSE_WIDE}{_CLOSE_NARROW}]*|[{_OPEN}]+)\\s*|\\s+"


@cache
def _cjk_pattern() -> re.Pattern[str]:
    """Compiled on first use rather than at import (its big character class takes about
    2 ms): ASCII text never needs it."""
    return re.compile(_HAS_CJK)


@cache
def _piece_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(first piece, next piece), compiled only once text with CJK is broken (about 6 ms):
    the first screen's non-ASCII text ("Message…", borders) has none."""
    return re.compile(f"\\s*(?:{_PIECE})"), re.compile(_PIECE)


_FIRST_WIDE = "\u2e80"
"""Below this, only the hangul jamo (U+1100-U+115F) have breaks of their own."""
_JAMO = re.compile("[\u1100-\u115f]")


def has_cjk(text: str) -> bool:
    """Whether `text` holds a character with breaks of its own (CJK, emoji, wide
    punctuation). Text without one breaks only at whitespace, as Rich and Textual do.
    Text whose characters all come before U+2E80 ("Message…", borders, accents) is told
    apart without the big pattern, which the first screen then need not compile."""
    if text.isascii():
        return False
    if max(text) < _FIRST_WIDE:
        return _JAMO.search(text) is not None
    return _cjk_pattern().search(text) is not None


@cache
def _ascii_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """`_piece_patterns` for ASCII text, which has none of the marks: runs of anything but
    whitespace. A table of ASCII cells (measured with `segments`) needs no more."""
    return re.compile(r"\s*(?:\S+\s*|\s+)"), re.compile(r"\S+\s*|\s+")


def segments(text: str) -> Iterator[tuple[int, str]]:
    """The unbreakable pieces of `text`, in order, as (start, piece): each with the
    whitespace after it, the first with any before it too (as Rich's words). A line may
    break only between two pieces."""
    end = 0
    pattern, next_piece = _ascii_patterns() if text.isascii() else _piece_patterns()
    while end < len(text) and (match := pattern.match(text, end)) is not None:
        start, end = match.span()
        yield start, match.group(0)
        pattern = next_piece


def break_offsets(text: str) -> list[int]:
    """Every offset where a line of `text` may break: the start of each piece but the
    first."""
    return [start for start, _piece in segments(text)][1:]


def divide_line(
    text: str,
    width: int,
    fold: bool = True,
    *,
    cell_len: CellLen,
    chop_cells: ChopCells,
    count_trailing_spaces: bool = False,
) -> list[int]:
    """The offsets where `text` is cut into lines of at most `width` cells: the greedy fill
    of Rich's `divide_line` (which Textual's Content uses) over `segments` instead of
    words. A piece that does not fit goes to the next line; one wider than any line is
    folded anywhere (`fold`) or left whole to be cropped, as today.

    `count_trailing_spaces`: the spaces after a piece must fit too (Textual's TextArea,
    whose cursor can sit after them); otherwise they may overhang the width (Content)."""
    breaks: list[int] = []
    append = breaks.append
    cell_offset = 0
    for start, piece in segments(text):
        full_width = cell_len(piece)
        piece_width = full_width if count_trailing_spaces else cell_len(piece.rstrip())
        if width - cell_offset >= piece_width:
            cell_offset += full_width
        elif piece_width > width:  # wider than any line: fold or crop it
            if fold:
                folded = chop_cells(piece, width)
                for line in folded[:-1]:
                    if start:
                        append(start)
                    start += len(line)
                if start:
                    append(start)
                cell_offset = cell_len(folded[-1])
            else:
                if start:
                    append(start)
                cell_offset = full_width
        elif cell_offset and start:
            append(start)
            cell_offset = full_width
    return breaks
