"""Code blocks of a streamed reply: while one streams, only its last lines are highlighted
and rendered on each frame (see `StreamingFence`)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui_chat.ui.render.stream_blocks import is_streaming, update_in_place

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.app import ComposeResult


CHUNK_LINES = 12
"""While a code block streams, its lines are frozen this many at a time (see StreamingFence)."""


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
    StreamingFence.-split {
        padding: 1 0;
        & > Label { padding: 0 2; }
        &:ansi > Label { padding: 0; }
    }
    """
    """Split in labels, the block keeps the look of one: the blank rows above and below
    the code, which Textual's CSS gives each label (`padding: 1 2`, `1 0` in ANSI mode),
    are the block's own, and the labels keep only their sides. (Textual CSS has no
    cascading `padding-top`: a rule sets all four sides.)"""

    def _frozen_label(self, content: Content) -> Label:
        self.add_class("-split")
        label = Label(content, classes="frozen", expand=True)
        self._frozen.append(label)
        return label

    def compose(self) -> ComposeResult:
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


