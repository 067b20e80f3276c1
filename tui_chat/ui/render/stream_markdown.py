"""Markdown that is streamed into: lists grow in place instead of being built again, and a
batch of many blocks mounts only what the reader can see.

Textual's `Markdown.append` parses the last top-level block again and hands the result to the
block on screen; paragraphs, code fences and tables take the new content in place, but a list
removes itself and mounts a new copy, every item of it, on every frame. Replies are full of
long lists, so here a list keeps the items it has, updates its last one and mounts new ones.
Anything it cannot match (a changed number width, a different kind of list) falls back to
Textual's rebuild.

A fast provider delivers hundreds of blocks between two frames. Mounting a block (compose,
styles, layout) costs milliseconds, so mounting them all before the next frame kept the end
of the reply off the screen for seconds. While the view follows the stream, the blocks of a
batch that would land far above the view wait, unmounted, in a `Deferred` of about their
height; they are mounted, a few at a time, once the reply has ended (or at once when the user
scrolls up), so the end of the reply shows as soon as it arrives.

A long code block would be highlighted and rendered whole on every frame; while it streams,
only its last lines are (see `StreamingFence`). A long list or table would be built again,
every item or cell a widget, on every frame; only its last items or rows are (see
`_trim_shown`), and the items of a long list fold like blocks when far above the view.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Self, TypeGuard

from markdown_it import MarkdownIt
from rich.cells import cell_len
from textual.await_complete import AwaitComplete
from textual.await_remove import AwaitRemove
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Region, Size
from textual.widget import AwaitMount, Widget
from textual.widgets import Label, Markdown, Static

# Private to textual, hence the exact pin; tests/test_stream_render.py compares streamed
# lists with full renders, so an upgrade that changes how lists are built is caught.
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownFence,
    MarkdownH1,
    MarkdownH2,
    MarkdownH3,
    MarkdownH4,
    MarkdownH5,
    MarkdownH6,
    MarkdownHeader,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownParagraph,
    MarkdownTable,
    MarkdownTableContent,
)

from tui_chat.ui.render.folding import Runway, RunwayMixin

if TYPE_CHECKING:
    from markdown_it.token import Token
    from textual.app import ComposeResult

_parsers = threading.local()


def markdown_parser() -> MarkdownIt:
    """This thread's "gfm-like" parser, made once. Textual's Markdown makes a new one for
    every append, about half a millisecond on every frame of a stream; one per thread
    because the linkify step keeps state while it parses (full renders parse in a thread)."""
    parser: MarkdownIt | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = MarkdownIt("gfm-like")
    return parser


MIN_DEFER = 4
"""Defer only when at least this many blocks of a batch can wait."""


def update_in_place(widget: Static, content: Content) -> None:
    """Show `content` in `widget`, laying the screen out again only if its height changes.

    Most frames of a stream add a few words to the last line of a paragraph or a code
    block; a repaint of that widget is enough, while a layout walks every widget on screen.
    While streaming, the growing widget is also given a few blank rows to grow into (see
    `StreamingMarkdown.grow`), so a new line is mostly a repaint too.
    """
    height = widget.size.height
    widget.update(content, layout=False)
    if not widget.is_mounted:
        return  # mounting it lays it out (a layout asked for now would be a second one)
    width = widget.content_size.width
    if not width or not height:
        widget.refresh(layout=True)
        return
    gutter = widget.size.height - widget.content_size.height
    needed = widget.get_content_height(Size(0, 0), Size(0, 0), width) + gutter
    markdown = _streaming_owner(widget)
    if markdown is not None:
        markdown.grow(widget, needed)
    elif needed != height:
        widget.refresh(layout=True)


def _is_streaming(markdown: Markdown) -> TypeGuard[StreamingMarkdown]:
    """Whether `markdown` is a StreamingMarkdown that a reply is streaming into."""
    return isinstance(markdown, StreamingMarkdown) and bool(markdown.runway_step)


def _streaming_owner(widget: Widget) -> StreamingMarkdown | None:
    """The StreamingMarkdown `widget` is a block of (or the label of a block of), while it
    streams."""
    block = widget if isinstance(widget, MarkdownBlock) else widget.parent
    if not isinstance(block, MarkdownBlock):
        return None
    markdown = block._markdown
    return markdown if _is_streaming(markdown) else None


class InPlaceBlock(MarkdownBlock):
    """A block whose new words are a repaint, not a layout, while its height holds. List it
    after the block class: Textual takes CSS type names from the first base only."""

    def set_content(self, content: Content) -> None:
        self._content = content
        update_in_place(self, content)


class StreamingParagraph(MarkdownParagraph, InPlaceBlock):
    pass


class StreamingH1(MarkdownH1, InPlaceBlock):
    pass


class StreamingH2(MarkdownH2, InPlaceBlock):
    pass


class StreamingH3(MarkdownH3, InPlaceBlock):
    pass


class StreamingH4(MarkdownH4, InPlaceBlock):
    pass


class StreamingH5(MarkdownH5, InPlaceBlock):
    pass


class StreamingH6(MarkdownH6, InPlaceBlock):
    pass


def growing_leaf(block: Widget) -> Widget | None:
    """The paragraph or heading at the end of `block` (itself, or the last one of a list or
    quote, mounted or not yet), which the next words of a stream go to."""
    while not isinstance(block, MarkdownParagraph | MarkdownHeader):
        children: list[Widget] = []
        if isinstance(block, MarkdownBlock) and block._blocks:
            children = list(block._blocks)
        children = children or list(block.children)
        if not children:
            return None
        block = children[-1]
    return block


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
        if not _is_streaming(markdown):
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
        if not _is_streaming(self._markdown):
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
        if not isinstance(block, MarkdownFence) or not _is_streaming(self._markdown):
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


def _symbols(block: MarkdownBlock) -> list[str]:
    """The bullet of each item of a list that is not mounted yet, as its compose gives them."""
    items = [b for b in block._blocks if isinstance(b, MarkdownListItem)]
    if not isinstance(block, MarkdownOrderedList):
        return [item.bullet for item in items]
    suffix = ". "
    start = 1
    if items:
        with contextlib.suppress(ValueError):
            start = int(items[0].bullet)
    start = getattr(block, "_stream_start", start)  # built from the end of a long list
    numbers = [f"{number}{suffix}" for number in range(start, start + len(items))]
    size = max((len(n) for n in numbers), default=0)
    return [n.rjust(size + 1) for n in numbers]


async def _update_list(old: MarkdownBlock, new: MarkdownBlock) -> bool:
    """Make the mounted list `old` show the unmounted list `new`; False if it cannot.
    `new` may hold only the items from `old`'s last row on (see `_trim_shown`)."""
    if type(new) is not type(old):
        return False
    skipped: int = getattr(new, "_stream_skipped", 0)
    items = [b for b in new._blocks if isinstance(b, MarkdownListItem)]
    rows = list(old.query_children(Horizontal))
    symbols = _symbols(new)
    if not rows or skipped + len(items) < len(rows) or skipped > len(rows) - 1:
        return False
    for row, symbol in zip(rows[skipped:], symbols, strict=False):
        if row.query_one(MarkdownBullet).symbol != symbol:
            return False  # numbers got wider (9 -> 10): every row changes
    last_row = rows[-1].query_one(Vertical)
    shown = list(last_row.children)
    new_rows = len(rows) - skipped  # the first of `items` with no row yet
    wanted = items[new_rows - 1]._blocks
    in_place = len(shown) == len(wanted) and len(items) == new_rows
    markdown = old._markdown
    if not in_place and isinstance(markdown, StreamingMarkdown):
        markdown.unpad()  # rows or blocks are mounted below the padded paragraph
    if len(shown) == len(wanted) and all(
        isinstance(a, MarkdownParagraph) and isinstance(b, MarkdownParagraph)
        for a, b in zip(shown, wanted, strict=True)
    ):
        for paragraph, source in zip(shown, wanted, strict=True):
            assert isinstance(paragraph, MarkdownParagraph)
            if paragraph._content != source._content:
                paragraph.set_content(source._content)
                paragraph._copy_context(source)
    else:
        await last_row.remove_children()
        if len(items) == new_rows and isinstance(markdown, StreamingMarkdown):
            markdown.pad_new(wanted[-1])
        await last_row.mount_all(wanted)
    added = []
    for item, symbol in zip(items[new_rows:], symbols[new_rows:], strict=True):
        bullet = MarkdownBullet()
        bullet.symbol = symbol
        added.append(Horizontal(bullet, Vertical(*item._blocks)))
    if added:
        if isinstance(markdown, StreamingMarkdown):
            markdown.pad_new(added[-1])
        await old.mount_all(added)
    old._copy_context(new)
    return True


class NeedsFullParse(Exception):
    """A block built from the end of a list or table could not update the one shown."""


class GrowingList(MarkdownBlock):
    """A list that keeps its rows and takes new ones (see `_update_list`). List it after
    the list class: Textual takes CSS type names from the first base only."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if not await _update_list(self, block):
            if getattr(block, "_stream_skipped", 0):
                raise NeedsFullParse
            await super()._update_from_block(block)  # Textual's rebuild


class StreamingBulletList(MarkdownBulletList, GrowingList):
    pass


class StreamingOrderedList(MarkdownOrderedList, GrowingList):
    pass


class StreamingTable(MarkdownTable):
    """A table that can take its new rows from a block built from its last row on."""

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        skipped: int = getattr(block, "_stream_skipped", 0)
        if not skipped:
            await super()._update_from_block(block)
            return
        # Built from the last row shown on (see `_trim_shown`): its rows follow ours.
        contents = self.query_children(MarkdownTableContent)
        content = contents.first() if contents else None
        if not isinstance(block, MarkdownTable) or content is None or not content.rows:
            raise NeedsFullParse
        if len(self._rows) - 1 != skipped:
            raise NeedsFullParse
        _headers, rows = block._get_headers_and_rows()
        self._rows = self._rows[:skipped] + rows
        await content._update_rows(rows)


TRIM_MIN = 8
"""Lists and tables with fewer items or rows on screen are built whole on every frame."""


def _trim_shown(
    tokens: list[Token], shown: Widget | None, markdown: Markdown
) -> tuple[list[Token], dict[str, int]] | None:
    """`tokens` less the items of a list, or the rows of a table, that `shown` (the last
    block on screen, which their first block updates) shows already, and what the block
    built from them needs to know; None to build it from all of them.

    Textual parses the last block again on every frame and builds a widget for each of
    its items or cells: a list of 200 items or a table of 200 rows cost some 40 ms a
    frame. The parse stays; only the last item or row shown and those after it are built.
    """
    if not tokens or shown is None:
        return None
    first = tokens[0]
    kinds = ("bullet_list_open", "ordered_list_open", "table_open")
    if first.level != 0 or first.type not in kinds:
        return None
    if type(shown) is not markdown.get_block_class(first.type):
        return None
    end = next(
        (n for n, token in enumerate(tokens) if token.level == 0 and token.nesting == -1),
        len(tokens),
    )
    if first.type in ("bullet_list_open", "ordered_list_open"):
        skip = len(shown.query_children(Horizontal)) - 1
        starts = [n for n in range(1, end) if tokens[n].type == "list_item_open"]
        starts = [n for n in starts if tokens[n].level == 1]
        if skip < TRIM_MIN or len(starts) <= skip:
            return None
        marks = {"_stream_skipped": skip}
        if first.type == "ordered_list_open":
            start = 1
            with contextlib.suppress(ValueError):
                start = int(tokens[starts[0]].info)
            marks["_stream_start"] = start + skip
        return [first, *tokens[starts[skip] :]], marks
    if first.type == "table_open" and isinstance(shown, MarkdownTable):
        skip = len(shown._rows) - 1
        body = next((n for n in range(end) if tokens[n].type == "tbody_open"), end)
        rows = [n for n in range(body, end) if tokens[n].type == "tr_open"]
        if skip < TRIM_MIN or len(rows) <= skip:
            return None
        return [*tokens[: rows[0]], *tokens[rows[skip] :]], {"_stream_skipped": skip}
    return None


class Deferred(Widget):
    """Blocks of a streamed reply that are not mounted yet, standing in with about their
    height (see the module docstring)."""

    def __init__(self, blocks: list[MarkdownBlock], rows: list[int]) -> None:
        super().__init__()
        self.blocks = blocks
        self.rows = rows
        """The estimated height of each block, margins included."""
        self.styles.height = sum(rows)

    def render(self) -> str:
        return ""

    def take(self, count: int, *, keep_height: bool = False) -> list[MarkdownBlock]:
        """Remove and return the first `count` blocks; `keep_height` while the blocks are
        mounted hidden (a height change would lay out and redraw the screen each time)."""
        taken, self.blocks = self.blocks[:count], self.blocks[count:]
        del self.rows[:count]
        if not keep_height:
            self.styles.height = sum(self.rows)
        return taken


def estimated_block_rows(block: MarkdownBlock, lines: list[str], width: int) -> int:
    """About how many rows `block` takes at `width` columns, from its source lines."""
    start, end = block.source_range
    rows = sum(max(1, math.ceil(cell_len(line) / width)) for line in lines[start:end])
    if isinstance(block, MarkdownFence):
        rows += 2  # padding
    return max(1, rows) + 1  # the margin below


class StreamingMarkdown(Markdown, RunwayMixin):
    """Markdown for streamed text: lists grow in place, and a runway while streaming."""

    BLOCKS = {
        **Markdown.BLOCKS,
        "h1": StreamingH1,
        "h2": StreamingH2,
        "h3": StreamingH3,
        "h4": StreamingH4,
        "h5": StreamingH5,
        "h6": StreamingH6,
        "bullet_list_open": StreamingBulletList,
        "ordered_list_open": StreamingOrderedList,
        "paragraph_open": StreamingParagraph,
        "fence": StreamingFence,
        "code_block": StreamingFence,
        "table_open": StreamingTable,
    }

    def __init__(self, markdown: str | None = None, *, classes: str | None = None) -> None:
        super().__init__(markdown, classes=classes, parser_factory=markdown_parser)
        self._hidden_blocks: list[Widget] = []

    PAD_ROWS = 3
    """Blank rows a growing block gets below its text while streaming (see `grow`)."""
    _padded: Widget | None = None

    def grow(self, leaf: Widget, needed: int) -> None:
        """`leaf` (a paragraph or a code block's label) now needs `needed` rows. While it
        fits the rows it was given, nothing is laid out; when it does not, it gets
        PAD_ROWS more than it needs (a minimum height), so the next few lines fit too.
        Only the last growing leaf is padded: anything mounted after it unpads it, as
        does the end of the stream (see `unpad`)."""
        if leaf is self._padded:
            given = leaf.styles.min_height
            if given is not None and given.cells is not None and needed <= given.cells:
                return
        elif self._padded is not None:
            self.unpad()
        if needed == leaf.size.height and leaf is not self._padded:
            return
        self._padded = leaf
        leaf.styles.min_height = needed + self.PAD_ROWS

    def unpad(self) -> None:
        padded, self._padded = self._padded, None
        if padded is not None:
            padded.styles.min_height = None

    def pad_new(self, block: Widget) -> None:
        """Give the growing leaf of `block`, about to be mounted at the end while streaming,
        its blank rows now: laid out with them from the start, its second line is a
        repaint rather than another layout."""
        self.unpad()  # what is mounted goes below: no blank rows in between
        leaf = growing_leaf(block) if self.runway_step else None
        if leaf is not None:
            self._padded = leaf
            leaf.styles.min_height = 1 + self.PAD_ROWS

    def mount(
        self,
        *widgets: Widget,
        before: int | str | Widget | None = None,
        after: int | str | Widget | None = None,
    ) -> AwaitMount:
        if widgets and before is None and after is None:
            self.pad_new(widgets[-1])
        else:
            self.unpad()
        return super().mount(*widgets, before=before, after=after)

    def set_runway(self, step: int) -> None:
        if not step:
            self.unpad()
        super().set_runway(step)

    keep_rows = 0
    """While not 0, a batch of new blocks mounts only its blocks at the end that fill about
    this many rows; the others wait in a `Deferred` (set while the view follows a stream)."""

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # While streaming, a block mounted in here asks for a layout and a repaint of this
        # whole widget, which is most of the screen; the layout alone repaints whatever
        # moved or changed size, so the full repaint is skipped.
        if layout and self.runway_step and not regions and not recompose:
            repaint = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def append(self, markdown: str) -> AwaitComplete:
        """Textual's `Markdown.append`, but a long list or table that the new text adds to
        is built from its last shown item or row on (see `_trim_shown`)."""
        parser = markdown_parser()
        self._markdown = self.source + markdown
        updated_source = "".join(
            self._markdown.splitlines(keepends=True)[self._last_parsed_line :]
        )

        async def await_append() -> None:
            async with self.lock:
                tokens = parser.parse(updated_source)
                existing_blocks = [
                    child for child in self.children if isinstance(child, MarkdownBlock)
                ]
                start_line = self._last_parsed_line
                for token in reversed(tokens):
                    if token.map is not None and token.level == 0:
                        self._last_parsed_line += token.map[0]
                        break

                def build(tokens: list[Token]) -> list[MarkdownBlock]:
                    blocks = list(self._parse_markdown(tokens))
                    for block in blocks:
                        start, end = block.source_range
                        block.source_range = (start + start_line, end + start_line)
                    return blocks

                last_block = existing_blocks[-1] if existing_blocks else None
                trimmed = _trim_shown(tokens, last_block, self)
                new_blocks = build(trimmed[0] if trimmed else tokens)
                if trimmed and new_blocks:
                    for name, value in trimmed[1].items():
                        setattr(new_blocks[0], name, value)
                with self.app.batch_update():
                    if last_block is not None and new_blocks:
                        last_block.source_range = new_blocks[0].source_range
                        try:
                            try:
                                await last_block._update_from_block(new_blocks[0])
                            except NeedsFullParse:
                                new_blocks = build(tokens)
                                await last_block._update_from_block(new_blocks[0])
                        except IndexError:
                            pass
                        else:
                            new_blocks = new_blocks[1:]
                    if new_blocks:
                        await self.mount_all(new_blocks)
                if any(isinstance(block, MarkdownHeader) for block in new_blocks):
                    self._table_of_contents = None
                    self.post_message(
                        Markdown.TableOfContentsUpdated(
                            self, self.table_of_contents
                        ).set_sender(self)
                    )

        return AwaitComplete(await_append())

    def foldable(self) -> list[Widget]:
        """What can fold what scrolled far above (see `folding`): this widget (its blocks)
        and its last block when that is a list (its items: a long list is one block)."""
        last = self.children[-1] if self.children else None
        if isinstance(last, Runway) and len(self.children) > 1:
            last = self.children[-2]
        if isinstance(last, MarkdownBulletList | MarkdownOrderedList):
            return [self, last]
        return [self]

    async def append_deferring(self, text: str, keep_rows: int) -> None:
        """Append streamed text; with `keep_rows`, a batch of many new blocks mounts only
        those at its end that fill about that many rows (see `keep_rows`)."""
        self.keep_rows = keep_rows
        try:
            await self.append(text)
        finally:
            self.keep_rows = 0

    def mount_all(
        self,
        widgets: Iterable[Widget],
        *,
        before: int | str | Widget | None = None,
        after: int | str | Widget | None = None,
    ) -> AwaitMount:
        widgets = list(widgets)
        if self.keep_rows and before is None and after is None:
            widgets = self._defer_above(widgets)
        return super().mount_all(widgets, before=before, after=after)

    def _defer_above(self, widgets: list[Widget]) -> list[Widget]:
        """`widgets` with those that would be far above the view put in a `Deferred`."""
        blocks = [w for w in widgets if isinstance(w, MarkdownBlock)]
        if len(blocks) != len(widgets) or len(blocks) <= MIN_DEFER:
            return widgets
        width = max(10, self.content_region.width or self.app.size.width)
        lines = self.source.splitlines()
        rows = [estimated_block_rows(block, lines, width) for block in blocks]
        shown, keep = 0, len(blocks)
        while keep > 0 and shown < self.keep_rows:
            keep -= 1
            shown += rows[keep]
        if keep < MIN_DEFER:
            return widgets
        return [Deferred(blocks[:keep], rows[:keep]), *blocks[keep:]]

    async def mount_deferred(self, limit: int | None = None, *, hidden: bool = False) -> bool:
        """Mount up to `limit` deferred blocks (all when None), first ones first. `hidden`
        mounts them with `display: none` and leaves the Deferred's height in place, so
        nothing on screen moves until `show_hidden` shows them all in one layout.
        Returns True when some are still deferred."""
        for deferred in list(self.query_children(Deferred)):
            if limit is not None and limit <= 0:
                break
            count = len(deferred.blocks) if limit is None else min(limit, len(deferred.blocks))
            blocks = deferred.take(count, keep_height=hidden)
            if hidden:
                for block in blocks:
                    block.display = False
                self._hidden_blocks.extend(blocks)
            with self.app.batch_update():
                if blocks:
                    await super().mount_all(blocks, before=deferred)
                if not deferred.blocks and not self._hidden_blocks:
                    await deferred.remove()
            if limit is not None:
                limit -= count
        return self.has_deferred

    async def show_hidden(self) -> None:
        """Show the blocks `mount_deferred` mounted hidden, in place of their Deferreds."""
        spent = [d for d in self.query_children(Deferred) if not d.blocks]
        with self.app.batch_update():
            for block in self._hidden_blocks:
                block.display = True
            self._hidden_blocks.clear()
            if spent:
                await self.remove_children(spent)

    @property
    def has_deferred(self) -> bool:
        """Whether blocks wait in a Deferred (not mounted yet)."""
        return any(d.blocks for d in self.query_children(Deferred))

    @property
    def has_pending(self) -> bool:
        """Whether blocks are deferred or mounted hidden."""
        return bool(self._hidden_blocks) or self.has_deferred

    def drop_deferred(self) -> AwaitRemove:
        return self.query_children(Deferred).remove()

    def update(self, markdown: str) -> AwaitComplete:
        # A full render replaces the blocks; `Markdown.update` removes only MarkdownBlocks.
        self.keep_rows = 0
        self._hidden_blocks.clear()
        removing = self.drop_deferred()
        rendering = super().update(markdown)

        async def update_all() -> None:
            await removing
            await rendering
            # Textual's update has the next append parse from the text's last line, while
            # its appends parse from the start of the last block: text appended to a reply
            # rendered whole in the middle of a block (it was followed once some had come)
            # replaced that block with its last lines ("two lines." of a quote).
            blocks = [child for child in self.children if isinstance(child, MarkdownBlock)]
            if blocks:
                self._last_parsed_line = blocks[-1].source_range[0]

        return AwaitComplete(update_all())


def keep_distance_from_end(view: Widget) -> Callable[[], None]:
    """Note how far the scrolling `view` is from its end; the function returned scrolls it
    back to that distance once laid out (content above the user's place changed height)."""
    from_end = view.max_scroll_y - view.scroll_y

    def restore() -> None:
        view.scroll_to(y=max(0, view.max_scroll_y - from_end), animate=False)

    def restore_after_refresh() -> None:
        view.call_after_refresh(restore)

    return restore_after_refresh


async def mount_pending(body: StreamingMarkdown, view: Widget) -> None:
    """Mount and show what `body` deferred, keeping the distance from the end of the
    scrolling `view` the same (the user scrolled up from the end to look at it)."""
    restore = keep_distance_from_end(view)
    await body.mount_deferred()
    await body.show_hidden()
    restore()
