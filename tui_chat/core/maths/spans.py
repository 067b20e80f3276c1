"""Where the maths is in a Markdown reply: `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`.

Found on the markdown-it token stream, not with a regex over the text, because only the
parser knows what is code: code spans and fenced or indented code blocks are tokenised
apart from the inline rules, so `echo $HOME` or a Perl block is never touched. The parser
(markdown-it-py) and the rules (mdit-py-plugins' dollarmath and texmath) are declared
dependencies of Textual, so they are always installed, and they import without Textual or
Rich. The renderer can install the same rules on its own parser (`use_maths`).

Money is not maths (notes/i18/maths.md): strict dollarmath (no space inside the `$`, no
digit after the closer) rejects `$5 and $10`; on top, an inline span is rejected when its
text outside `\\text{}` holds CJK or full-width punctuation (`成本$5，利润$x$元`), or when it
starts with a digit and has nothing LaTeX-like in it (`$5 and 10$`)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin

BlockRule = Callable[[StateBlock, int, int, bool], bool]
_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_TEXT_ARGUMENT = re.compile(r"\\(?:text|mbox)\s*\{[^{}]*\}")
_LATEX_LIKE = re.compile(r"[\\^_{}=]|[A-Za-z][+\-*/]|[+\-*/][A-Za-z]")
_BLOCK_TYPES = {"math_block": False, "math_block_eqno": False}
_OPENERS = ("$$", "\\[")
_CLOSERS = {"$$": "$$", "\\[": "\\]"}


@dataclass(frozen=True)
class MathSpan:
    """One formula: `markdown[start:end]` is its source with the delimiters."""

    start: int
    end: int
    latex: str
    """The formula without its delimiters."""
    display: bool
    """On lines of its own: `$$…$$`, `\\[…\\]` (also `$$…$$` inside a sentence)."""


def is_money(latex: str) -> bool:
    """Whether an inline `$…$` span is more likely prose with dollar amounts than maths."""
    outside_text = _TEXT_ARGUMENT.sub("", latex)
    if _CJK.search(outside_text):
        return True
    return latex[:1].isdigit() and not _LATEX_LIKE.search(latex)


def _guarded(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """The plugin's inline rule, which also rejects money and records where the span is
    in the inline text (`meta["start"]`, `meta["end"]`), which tokens do not say."""

    def guarded(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, True):
            return False
        end = state.pos
        state.pos = start
        content = state.src[start:end]
        if content.startswith("$") and not content.startswith("$$") and is_money(content[1:-1]):
            return False
        if silent:
            state.pos = end
            return True
        rule(state, False)
        for token in state.tokens[count:]:
            token.meta = {**token.meta, "start": start, "end": state.pos}
        return True

    return guarded


def _mapped(rule: Callable[[StateBlock, int, int, bool], bool]) -> BlockRule:
    """The plugin's block rule, which also gives its token the lines it spans (texmath's
    `\\[…\\]` tokens come without)."""

    def mapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        count = len(state.tokens)
        found = rule(state, start_line, end_line, silent)
        if found and not silent:
            for token in state.tokens[count:]:
                token.map = token.map or [start_line, state.line]
        return found

    return mapped


@lru_cache(maxsize=16)
def _closers(src: str, closer: str) -> tuple[int, ...]:
    """Where `closer` occurs in `src`, in order. The bracket rules look the next closer up
    here (a string caches its hash, so a lookup costs a bisect) instead of scanning to the
    end of the text for every opener: a paragraph of 5,000 `\\[` with no `\\]` took
    0.56 s to parse, and the reply is parsed again on every frame it grows."""
    return tuple(match.start() for match in re.finditer(re.escape(closer), src))


def _next_closer(src: str, closer: str, after: int, before: int) -> int:
    """The first `closer` at `after` or later and before `before`; -1 if none."""
    positions = _closers(src, closer)
    at = bisect_left(positions, after)
    return positions[at] if at < len(positions) and positions[at] < before else -1


def _bracket_rule(
    opener: str, closer: str, token_type: str, display: bool
) -> Callable[[StateInline, bool], bool]:
    """An inline rule for `opener`…`closer` maths (`\\(…\\)`, and `\\[…\\]` inside a
    sentence, as Qwen writes it: texmath finds that one only on lines of its own, and the
    Markdown escapes then ate its backslashes). Its token is `token_type`; display maths
    inside inline text is `math_inline_double`, as `$$…$$` in a sentence."""

    def rule(state: StateInline, silent: bool) -> bool:
        src, start = state.src, state.pos
        if not src.startswith(opener, start):
            return False
        inside = start + len(opener)
        end = _next_closer(src, closer, inside + 1, len(src))
        if end < 0 or (display and not src[inside:end].strip()):
            return False
        if not silent:
            token = state.push(token_type, "math", 0)
            token.content = src[inside:end]
            token.markup = opener
        state.pos = end + len(closer)
        return True

    return rule


def _bounded_block(rule: BlockRule) -> BlockRule:
    """texmath's `\\[` block rules match a regular expression over the rest of the text,
    so every line opening `\\[` with no `\\]` in its block scanned to the end (quadratic:
    3,000 such lines took 0.8 s). Tried only when a `\\]` lies within the block."""

    def bounded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        if state.src.startswith("\\[", begin):
            block_end = state.eMarks[end_line - 1] if end_line > start_line else begin
            if _next_closer(state.src, "\\]", begin + 3, block_end + 1) < 0:
                return False
        return rule(state, start_line, end_line, silent)

    return bounded


def use_maths(md: MarkdownIt) -> MarkdownIt:
    """Install the maths rules on `md`: the strict settings and money guards above."""
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.use(texmath_plugin, delimiters="brackets")
    brackets = _bracket_rule("\\[", "\\]", "math_inline_double", display=True)
    md.inline.ruler.before("escape", "math_inline_brackets", _guarded(brackets))
    for rule in md.inline.ruler.__rules__:
        if rule.name == "math_inline" and rule.fn.__module__ == texmath_plugin.__module__:
            rule.fn = _bracket_rule("\\(", "\\)", "math_inline", display=False)
        if rule.name == "math_inline":
            rule.fn = _guarded(rule.fn)
    for block_rule in md.block.ruler.__rules__:
        if block_rule.name in _BLOCK_TYPES:
            block_rule.fn = _mapped(_bounded_block(block_rule.fn))
    md.inline.ruler.__compile__()  # the chains may hold the unwrapped functions
    md.block.ruler.__compile__()
    return md


@cache
def _parser() -> MarkdownIt:
    return use_maths(MarkdownIt("gfm-like"))


def maths_spans(markdown: str) -> list[MathSpan]:
    """The formulas in `markdown`, in order. Offsets are into `normalize(markdown)`.

    A formula whose place in the text cannot be worked out for sure (tabs inside a
    container, say) is left out: it then shows as its source, never half-converted."""
    text = normalize(markdown)
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    spans: list[MathSpan] = []
    for token in _parser().parse(text):
        if token.type in _BLOCK_TYPES and token.map:
            span = _block_span(token, lines, starts)
        elif token.type == "inline" and token.map and token.children:
            spans.extend(_inline_spans(token, lines, starts, text))
            continue
        else:
            continue
        if span is not None:
            spans.append(span)
    return spans


def normalize(markdown: str) -> str:
    """The text as markdown-it reads it: `\\r\\n` and `\\r` as `\\n`, NUL as U+FFFD."""
    return re.sub(r"\r\n?", "\n", markdown).replace("\0", "\ufffd")


def _block_span(token: Token, lines: list[str], starts: list[int]) -> MathSpan | None:
    assert token.map is not None
    first, last = token.map[0], token.map[1] - 1
    while last > first and not lines[last].strip():
        last -= 1
    opener_at = min((lines[first].find(o) for o in _OPENERS if o in lines[first]), default=-1)
    if opener_at < 0:
        return None
    opener = lines[first][opener_at : opener_at + 2]
    closer_at = lines[last].rfind(_CLOSERS[opener])
    if closer_at < 0 or (first == last and closer_at <= opener_at):
        return None
    start, end = starts[first] + opener_at, starts[last] + closer_at + 2
    return MathSpan(start, end, token.content.strip(), display=True)


def _inline_spans(token: Token, lines: list[str], starts: list[int], text: str) -> list[MathSpan]:
    """The inline token's formulas, placed in the text by finding each line of its
    content in the lines of the source it came from."""
    assert token.map is not None and token.children is not None
    maths = [c for c in token.children if c.type.startswith("math_inline") and "start" in c.meta]
    if not maths:
        return []
    content_lines = token.content.split("\n")
    offsets: list[int] = []  # where each content line starts in the text
    for index, content_line in enumerate(content_lines):
        number = token.map[0] + index
        if number >= len(lines):
            return []
        line = lines[number]
        last = index == len(content_lines) - 1
        at = line.find(content_line) if last else len(line) - len(content_line)
        if at < 0 or not line.startswith(content_line, at):
            return []
        offsets.append(starts[number] + at)
    line_starts = [0]
    for content_line in content_lines:
        line_starts.append(line_starts[-1] + len(content_line) + 1)
    spans = []
    for child in maths:
        start = _place(child.meta["start"], line_starts, offsets)
        end = _place(child.meta["end"], line_starts, offsets)
        source = token.content[child.meta["start"] : child.meta["end"]]
        if text[start:end] != source:
            continue
        display = child.type == "math_inline_double"
        spans.append(MathSpan(start, end, child.content.strip(), display))
    return spans


def _place(position: int, line_starts: list[int], offsets: list[int]) -> int:
    """An offset into the inline content as an offset into the text."""
    line = max(i for i in range(len(offsets)) if line_starts[i] <= position)
    return offsets[line] + position - line_starts[line]
