"""Code blocks of a streamed reply: while one streams, only its last lines are highlighted
and rendered on each frame (see `StreamingFence`). Each block carries its language and its
number in the reply (`python · 2`), the number `/copy N` and Alt+C use (see `FenceTitle`)."""

from __future__ import annotations

import contextlib
from bisect import bisect_left
from functools import lru_cache
from typing import TYPE_CHECKING

from textual.content import Content
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui_chat.ui.render.stream_blocks import is_streaming, update_in_place

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.app import ComposeResult


CHUNK_LINES = 12
"""While a code block streams, its lines are frozen this many at a time (see StreamingFence)."""


def fence_language(info: str) -> str:
    """The language a code block's info string names: its first word ("" for none). The
    label and the copy notice (message_copy.code_blocks) both say it this way."""
    return info.strip().split(" ")[0] if info else ""


CODE_TOKENS = ("fence", "code_block")
"""The token types of a code block, fenced or indented: the blocks labels and `/copy` count."""


@lru_cache(maxsize=32)
def _code_block_lines(markdown: str) -> tuple[int, ...]:
    """The first line of each code block in `markdown`, in order. One parse of the whole
    text serves every block of a reply (cached by the text): a parse of the text above
    each block cost 0.25 s on opening a 35 KB reply with 25 code blocks, one parse 16 ms."""
    from tui_chat.ui.render.stream_markdown import markdown_parser  # it imports this module

    tokens = markdown_parser().parse(markdown)
    return tuple(token.map[0] for token in tokens if token.type in CODE_TOKENS and token.map)


class CodeLines:
    """Where the code blocks of a streamed reply start, kept up to date from each append's
    parse (of the last block on), so that numbering a code block mounted while the reply
    streams does not parse the whole reply again: at 59 KB that parse cost some 35 ms of
    every frame that mounted a code block. Lines above the last parsed line are final, as
    Textual's append takes them; the rest come from the latest parse."""

    def __init__(self) -> None:
        self.final: list[int] | None = None
        """The code blocks above the last parsed line; None when not kept (not streamed)."""
        self.tail: list[int] = []

    def reset(self) -> None:
        """Forget them (the text was rendered whole): the next append starts again."""
        self.final, self.tail = None, []

    def parsed(self, source: str, tokens: list[Token], start: int, last_parsed: int) -> None:
        """Note the code blocks of `tokens`, parsed from line `start` of `source`, where
        the next append parses from `last_parsed` on."""
        if self.final is None:
            above = "".join(source.splitlines(keepends=True)[:start]) if start else ""
            self.final = list(_code_block_lines(above)) if above else []
        lines = [start + t.map[0] for t in tokens if t.type in CODE_TOKENS and t.map]
        self.final.extend(line for line in lines if line < last_parsed)
        self.tail = [line for line in lines if line >= last_parsed]

    def lines(self, source: str) -> list[int] | tuple[int, ...]:
        """The first line of each code block of `source`, in order."""
        if self.final is None:
            return _code_block_lines(source)
        return [*self.final, *self.tail]


class FenceTitle(Widget):
    """`python · 2` at the right of a code block's top row, in the blank row Textual's
    padding leaves above the code (so the block is no taller). Not a Static: find counts
    matches in a block's Statics, and the label is not the reply's text."""

    DEFAULT_CSS = """
    FenceTitle {
        dock: top;
        height: 1;
        width: 1fr;
        padding: 0 1;
        text-align: right;
        color: $text-muted;
    }
    """

    def render(self) -> str:
        fence = self.parent
        if not isinstance(fence, StreamingFence):
            return ""
        return f"{fence_language(fence.lexer) or 'text'} · {fence.number or '?'}"


class StreamingFence(MarkdownFence):
    """A code block. Textual highlights and renders a code block whole every time it
    changes, which while a long one streams is every frame: a 300-line block cost some
    40 ms a frame. While its reply streams, this one highlights and renders only its last
    lines (the tail label, fewer than 2 * CHUNK_LINES); the lines above are frozen in
    labels of CHUNK_LINES each, highlighted and rendered once. The tail is highlighted on
    its own (a string or comment that began above it can be coloured wrongly meanwhile);
    when the reply ends (`join`) the block is one label again, highlighted whole: exactly
    a full render."""

    _frozen_text = ""
    """The code (newlines normalized) shown by the frozen labels."""
    _highlighted_for: str | None = None
    """The code `_highlighted_code` highlights whole (None: the tail only, or plain)."""
    number = 0
    """The block's 1-based place among the reply's code blocks, fenced or indented, in
    document order as `message_copy.code_blocks` counts them (0 until mounted)."""

    def __init__(self, markdown: Markdown, token: Token, code: str) -> None:
        self._frozen: list[Label] = []
        if not is_streaming(markdown):
            super().__init__(markdown, token, code)
            self._highlighted_for = code
            return
        # Parsed again on every frame and mostly thrown away: highlighted when shown.
        MarkdownBlock.__init__(self, markdown, token)
        self.code = code
        self.lexer = token.info
        self.auto_links = False
        self._highlighted_code = Content(code)

    def _highlight(self, code: str) -> Content:
        app = self.app
        return self.highlight(
            code, self.lexer, ansi=app.native_ansi_color, dark=app.current_theme.dark
        )

    def _streamed(self) -> tuple[list[Content], Content]:
        """Lines to freeze now (CHUNK_LINES a label) and what the tail shows."""
        text = "\n".join(self.code.splitlines())
        frozen = self._frozen_text
        if frozen and not text.startswith(frozen + "\n"):
            frozen = self._frozen_text = ""  # not a continuation: all in the tail again
        tail_text = text[len(frozen) + 1 :] if frozen else text
        tail = self._highlight(tail_text)
        ends = [n for n, character in enumerate(tail_text) if character == "\n"]
        chunks = (len(ends) - CHUNK_LINES) // CHUNK_LINES  # keep CHUNK_LINES or more
        if chunks <= 0:
            return [], tail
        cuts = [ends[CHUNK_LINES * k - 1] for k in range(1, chunks + 1)]
        pieces = tail.divide([offset for cut in cuts for offset in (cut, cut + 1)])
        last = cuts[-1]
        self._frozen_text = f"{frozen}\n{tail_text[:last]}" if frozen else tail_text[:last]
        return pieces[:-1:2], pieces[-1]

    DEFAULT_CSS = """
    StreamingFence {
        & > Label { padding: 0 2 1 2; }
        &:ansi > Label { padding: 0 0 1 0; }
    }
    StreamingFence.-split {
        padding: 0 0 1 0;
        & > Label { padding: 0 2; }
        &:ansi > Label { padding: 0; }
    }
    """
    """The title (`FenceTitle`, docked) takes the blank row that Textual's CSS puts above
    the code (`padding: 1 2`, `1 0` in ANSI mode), so the code label keeps only the rest.
    Split in labels, the block keeps the look of one: the blank row below the code is the
    block's own, and the labels keep only their sides. (Textual CSS has no cascading
    `padding-top`: a rule sets all four sides.)"""

    def on_mount(self) -> None:
        self.number = self._place()
        with contextlib.suppress(NoMatches):
            self.query_one(FenceTitle).refresh()

    def _place(self) -> int:
        """The block's number: the code blocks in the source above its top-level block,
        plus its place among the code blocks of that block (a list item can hold several).
        From the source, not the widgets: blocks far above may not be mounted yet while
        the reply streams (see deferred)."""
        markdown = self._markdown
        top: DOMNode = self
        while top.parent is not None and top.parent is not markdown:
            top = top.parent
        if top.parent is not markdown or not isinstance(top, MarkdownBlock):
            return list(markdown.query(MarkdownFence)).index(self) + 1
        kept = getattr(markdown, "code_lines", None)  # a streamed reply's (StreamingMarkdown)
        source = markdown.source
        lines = kept.lines(source) if isinstance(kept, CodeLines) else _code_block_lines(source)
        above = bisect_left(lines, top.source_range[0])
        inside = list(top.query(MarkdownFence)) if top is not self else [self]
        return above + inside.index(self) + 1

    def _frozen_label(self, content: Content) -> Label:
        self.add_class("-split")
        label = Label(content, classes="frozen", expand=True)
        self._frozen.append(label)
        return label

    def compose(self) -> ComposeResult:
        yield FenceTitle()
        if not is_streaming(self._markdown):
            if self._highlighted_for != self.code:  # made while streaming, shown after
                self._highlighted_code = self._highlight(self.code)
                self._highlighted_for = self.code
            yield from super().compose()
            return
        chunks, tail = self._streamed()
        self._highlighted_code, self._highlighted_for = tail, None
        yield from (self._frozen_label(chunk) for chunk in chunks)
        yield Label(tail, id="code-content", expand=True)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if isinstance(block, MarkdownFence) and block.lexer != self.lexer:
            with contextlib.suppress(NoMatches):  # the info line was still coming
                self.query_one(FenceTitle).refresh()
        if not isinstance(block, MarkdownFence) or not is_streaming(self._markdown):
            await super()._update_from_block(block)
            return
        MarkdownBlock._copy_context(self, block)
        self.code, self.lexer = block.code, block.lexer
        had_frozen = bool(self._frozen_text)
        chunks, tail = self._streamed()
        if had_frozen and not self._frozen_text:
            await self._thaw()
        if chunks:
            with contextlib.suppress(NoMatches):
                label = self.query_one("#code-content", Label)
                await self.mount_all([self._frozen_label(c) for c in chunks], before=label)
        self._highlighted_for = None
        self._highlighted_code = tail
        self.set_content(tail)

    async def _thaw(self) -> None:
        """Remove the frozen labels: the tail label shows all the code again."""
        frozen, self._frozen = self._frozen, []
        self._frozen_text = ""
        if frozen:
            await self.remove_children(frozen)
        self.remove_class("-split")

    async def join(self) -> None:
        """One label with the whole code highlighted, as a full render has it."""
        if self._highlighted_for == self.code and not self._frozen:
            return
        await self._thaw()
        self._highlighted_code = self._highlight(self.code)
        self._highlighted_for = self.code
        self.set_content(self._highlighted_code)

    def notify_style_update(self) -> None:
        if self._highlighted_for == self.code:
            super().notify_style_update()  # highlighted whole again, in the new theme
        else:  # streaming: the next frame highlights the tail in the new theme
            MarkdownBlock.notify_style_update(self)

    def set_content(self, content: Content) -> None:
        self._content = content
        with contextlib.suppress(NoMatches):
            update_in_place(self.query_one("#code-content", Label), content)


