"""Maths in rendered replies (issue 18): LaTeX shown as Unicode text, or as written.

Textual's Markdown drops token types it does not know, so the maths tokens that
`core.maths.use_maths` finds are turned into what it draws: inline maths (`$…$`, `\\(…\\)`)
into italic text in its sentence; `$$…$$` inside a sentence into italic text on a line of its
own (one line: a 2-D drawing cannot sit inside a paragraph); display maths (`$$…$$`, `\\[…\\]`
on lines of their own) into a `MathsBlock`, indented and never wrapped, which scrolls
sideways (with a scrollbar, so nothing is cut silently) when it is wider than the pane.

Only the rendering changes: the message keeps its LaTeX, so copy, export and find see the
source. A formula arriving in a stream stays raw text until its closing delimiter comes
(the rules match nothing before that), then shows converted: it never shows half converted.
Conversions are cached (`latex_to_unicode`), so the frames of a stream that parse the same
formula again cost a dictionary lookup.

With maths off (`[display] maths = false`, `/maths off`) the parser has no maths rules at
all, so `$…$` renders exactly as plain Markdown."""

from __future__ import annotations

import contextlib

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from textual.app import ComposeResult
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock

from tui_chat.core.maths import latex_to_unicode, use_maths

BLOCK_TYPES = ("math_block", "math_block_eqno")
"""The display-maths tokens, each shown as a MathsBlock."""
_CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_LATEX_SIGNS = frozenset("\\^_{}")


def add_maths(md: MarkdownIt) -> MarkdownIt:
    """`md` with the maths rules, and a last core rule that makes inline maths text."""
    use_maths(md)
    md.core.ruler.push("maths_text", _maths_to_text)
    return md


def converted(latex: str, display: bool) -> str | None:
    """`latex` as Unicode, or None when it did not convert (`latex_to_unicode` then gives
    the LaTeX back: `$x$` or `$a+b$` come back the same and are converted all the same)."""
    unicode = latex_to_unicode(latex, display)
    if unicode == latex and not _LATEX_SIGNS.isdisjoint(latex):
        return None
    return unicode


def source_of(token: Token) -> str:
    """The maths as written, with its delimiters."""
    return f"{token.markup}{token.content}{_CLOSERS.get(token.markup, token.markup)}"


def _maths_to_text(state: StateCore) -> None:
    for token in state.tokens:
        children = token.children if token.type == "inline" else None
        if children and any(child.type.startswith("math_inline") for child in children):
            token.children = _text_children(children)


def _text_children(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    for index, child in enumerate(children):
        if not child.type.startswith("math_inline"):
            out.append(child)
            continue
        display = child.type == "math_inline_double"
        latex = child.content.strip()
        unicode = converted(latex, display)
        if unicode is not None and "\n" in unicode:  # 2-D: one line inside a paragraph
            unicode = converted(latex, False)
        if unicode is None:  # did not convert: the source as written
            out.append(_text(source_of(child)))
            continue
        before = any(_shows(c) for c in out)
        after = any(_shows(c) for c in children[index + 1 :])
        if display and before:
            if out[-1].type == "text":
                out[-1].content = out[-1].content.rstrip()
            out.append(Token("hardbreak", "br", 0))
        out.append(Token("em_open", "em", 1, markup="maths"))
        out.append(_text(unicode))
        out.append(Token("em_close", "em", -1, markup="maths"))
        if display and after:
            out.append(Token("hardbreak", "br", 0))
            following = children[index + 1]
            if following.type == "text":
                following.content = following.content.lstrip()
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _shows(token: Token) -> bool:
    return token.type != "text" or bool(token.content.strip())


def display_text(token: Token) -> str:
    """What a display-maths block shows: its Unicode (rows of a 2-D drawing aligned), or
    its source when it does not convert."""
    unicode = converted(token.content.strip(), True)
    return source_of(token).strip() if unicode is None else unicode


class MathsBlock(MarkdownBlock):
    """Display maths on lines of its own: indented, never wrapped (a formula cut across
    lines reads as two), scrolling sideways with a visible scrollbar when wider than the
    pane."""

    DEFAULT_CSS = """
    MathsBlock {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 0 0 2;
        overflow-x: auto;
        overflow-y: hidden;
        scrollbar-size-horizontal: 1;
        & > Label {
            width: auto;
            text-style: italic;
        }
    }
    """

    def __init__(self, markdown: Markdown, token: Token) -> None:
        super().__init__(markdown, token)
        self.latex = token.content.strip()
        self.text = display_text(token)

    def compose(self) -> ComposeResult:
        yield Label(Content(self.text), classes="maths")

    @property
    def allow_horizontal_scroll(self) -> bool:
        return True

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not isinstance(block, MathsBlock):
            await super()._update_from_block(block)
            return
        self._copy_context(block)
        self.latex, self.text = block.latex, block.text
        with contextlib.suppress(NoMatches):
            self.query_one(Label).update(Content(self.text))
