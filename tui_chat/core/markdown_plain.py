"""Markdown as the words a reader sees, for session search: what is indexed and what a
result's snippet shows (no `**`, backticks, `#`, table pipes, link targets, fence lines).

Regular expressions over the whole text rather than a Markdown parser: the search index is
built from every message of every session (150 MB for 10,000 sessions), and markdown-it
parses about 0.5 MB a second. This handles what replies use (headings, emphasis, inline
code, links and images, tables with outer pipes, fences, quotes, lists, rules); text inside
code (fenced or inline) is kept as written. Lines stay lines (blank ones included).
"""

from __future__ import annotations

import re

CELL_SEPARATOR = " · "
"""Between a table's cells, where the source has `|`."""

_FENCED = re.compile(
    r"^ {0,3}(?P<mark>`{3,}|~{3,})[^\n]*\n?(?P<code>.*?)(?:^ {0,3}(?P=mark)[`~]*[ \t]*$\n?|\Z)",
    re.MULTILINE | re.DOTALL,
)
_TABLE_RULE = r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*\n?"
_LINES = [  # (only when the text holds this, pattern, replacement): the guard is cheaper
    ("|", re.compile(_TABLE_RULE, re.M), ""),
    ("", re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$", re.M), ""),
    (">", re.compile(r"^ {0,3}(?:>[ \t]?)+", re.M), ""),
    ("#", re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$", re.M), r"\1"),
    ("", re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M), r"\1"),
]
_ROW = re.compile(r"^[ \t]*\|(.*?)\|?[ \t]*$", re.M)
_CELL_PIPE = re.compile(r"[ \t]*(?<!\\)\|[ \t]*")
_CODE = re.compile(r"(`+)([^\n]+?)\1")
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_STRONG = [
    (mark, re.compile(re.escape(mark) + r"(?=\S)([^\n]+?)(?<=\S)" + re.escape(mark)))
    for mark in ("**", "__", "~~")
]
_EMPHASIS = re.compile(r"([*_])(?<![\w*\\][*_])(?=[^\s*_])([^\n]+?)(?<=[^\s*_\\])\1(?![\w*])")
_LIST_START = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])[ \t]", re.M)


def plain_text(markdown: str) -> str:
    """`markdown` without its markup."""
    if not any(c in markdown for c in "*_`#|[<>~") and not _LIST_START.search(markdown):
        return markdown  # most questions: nothing to strip
    if "```" not in markdown and "~~~" not in markdown:
        return _prose(markdown)
    parts: list[str] = []
    last = 0
    for fence in _FENCED.finditer(markdown):
        parts.append(_prose(markdown[last : fence.start()]))
        parts.append(fence.group("code"))
        last = fence.end()
    parts.append(_prose(markdown[last:]))
    return "".join(parts)


def _prose(text: str) -> str:
    """Text outside code fences: block markers, table rows, then inline markup."""
    for guard, pattern, replacement in _LINES:
        if guard in text:
            text = pattern.sub(replacement, text)
    if "|" in text:
        text = _ROW.sub(_row, text)
    if "`" not in text:
        return _spans(text)
    parts: list[str] = []
    last = 0
    for code in _CODE.finditer(text):
        parts.append(_spans(text[last : code.start()]))
        inner = code.group(2)
        parts.append(inner.strip() or inner)
        last = code.end()
    parts.append(_spans(text[last:]))
    return "".join(parts)


def _row(row: re.Match[str]) -> str:
    return _CELL_PIPE.sub(CELL_SEPARATOR, row.group(1).strip()).replace("\\|", "|")


def _spans(text: str) -> str:
    if "[" in text:
        text = _IMAGE_OR_LINK.sub(r"\1", text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
    if "*" in text or "_" in text or "~" in text:
        for mark, strong in _STRONG:
            if mark in text:
                text = strong.sub(r"\1", text)
        text = _EMPHASIS.sub(r"\2", text)
    return text
