"""The Markdown of a reply with its maths written as Unicode, for the renderer to show.

Copy, find and the stored message keep the original LaTeX: this is a rendering of the
text, never a change to it. Code (spans and blocks) and money are left byte for byte, and a
formula that does not convert stays as its source."""

from __future__ import annotations

import re

from tui_chat.core.maths.convert import latex_to_unicode
from tui_chat.core.maths.spans import MathSpan, maths_spans, normalize

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$&#!])")
_LINE_START = re.compile(r"^([-+=]|\d+[.)])")
_CONTAINER = re.compile(r"[ \t>]*")
_HARD_BREAK = "\\\n"


def unicode_markdown(markdown: str) -> str:
    """`markdown` (newlines normalised) with every formula replaced by its Unicode form.

    Inline maths stays in its sentence; display maths gets lines of its own, joined by
    hard breaks, with its 2-D rows aligned (leading spaces as `&nbsp;`, which Markdown
    keeps). The Unicode text is escaped so that a `_` or `*` in it is never emphasis."""
    text = normalize(markdown)
    out: list[str] = []
    position = 0
    for span in maths_spans(text):
        out.append(text[position : span.start])
        out.append(_replacement(text, span))
        position = span.end
    out.append(text[position:])
    return "".join(out)


def _escape(line: str) -> str:
    """Markdown's specials escaped, then a row that would start a list (`-b ± …`, a
    stacked numerator) escaped too: in the other order the second escape doubles the
    first backslash, which then shows."""
    escaped = _SPECIAL.sub(r"\\\1", line)
    return _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped)


def _replacement(text: str, span: MathSpan) -> str:
    source = text[span.start : span.end]
    unicode = latex_to_unicode(span.latex, span.display)
    if unicode == span.latex:  # did not convert: the source, untouched
        return source
    if not span.display:
        return _escape(unicode)
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start : span.start]
    container = _CONTAINER.match(before)
    prefix = container.group(0) if container else ""
    rows = [
        "&nbsp;" * (len(row) - len(row.lstrip(" "))) + _escape(row.lstrip(" "))
        for row in unicode.split("\n")
    ]
    body = (_HARD_BREAK + prefix).join(rows)
    if before.strip(" \t>"):  # text before it on its line: break the line
        body = _HARD_BREAK + prefix + body
    elif line_start > 0 and before == prefix and _has_text(text, line_start - 1, backwards=True):
        body = "\n" + prefix.rstrip() + "\n" + prefix + body  # a paragraph ends above it
    if text[span.end : line_end].strip():  # text after it on its line
        body += _HARD_BREAK + prefix
    elif line_end < len(text) and _has_text(text, line_end + 1, backwards=False):
        body += "\n" + prefix.rstrip()  # a paragraph starts below it
    return body


def _has_text(text: str, at: int, backwards: bool) -> bool:
    """Whether the line next to `at` (above it, or the one starting there) holds text."""
    if backwards:
        line = text[text.rfind("\n", 0, at) + 1 : at]
    else:
        end = text.find("\n", at)
        line = text[at : len(text) if end < 0 else end]
    return bool(line.strip(" \t>"))
