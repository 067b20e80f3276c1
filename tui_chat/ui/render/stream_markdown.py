"""Markdown that is streamed into: each frame parses and builds only the last block again,
and a batch of many blocks mounts only what the reader can see.

The blocks that take new text in place are in `stream_blocks` (paragraphs, headings, and the
padded growing block), `stream_fence` (code) and `stream_lists` (lists and tables); this is
the widget that builds them from the streamed text and settles them into a full render.

A fast provider delivers hundreds of blocks between two frames. Mounting a block (compose,
styles, layout) costs milliseconds, so mounting them all before the next frame kept the end
of the reply off the screen for seconds. While the view follows the stream, the blocks of a
batch that would land far above the view wait, as their parse (not built nor mounted), in a
`Deferred` of about their height; they are built and mounted, a few at a time, once the reply
has ended (or at once when the user scrolls up), so the end of the reply shows as soon as it
arrives.

With `TUI_CHAT_STOCK_RENDER=1` (see `stock`) this is Textual's own `Markdown`, streamed
through `Markdown.get_stream`, with none of the above.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from textual.await_complete import AwaitComplete
from textual.await_remove import AwaitRemove
from textual.widget import Widget
from textual.widgets import Markdown

# Private to textual, hence the exact pin (see private_names.py).
from textual.widgets._markdown import MarkdownBulletList, MarkdownHeader, MarkdownOrderedList
from textual.widgets.markdown import MarkdownBlock, MarkdownStream

from tui_chat.ui.render.deferred import Deferred, Pending, split_deferred
from tui_chat.ui.render.folding import Runway, unfold
from tui_chat.ui.render.maths_switch import maths_on
from tui_chat.ui.render.stock import stock_render
from tui_chat.ui.render.stream_blocks import (
    GrowingMarkdown,
    StreamingH1,
    StreamingH2,
    StreamingH3,
    StreamingH4,
    StreamingH5,
    StreamingH6,
    StreamingParagraph,
    is_paragraph_of,
    take_paragraph,
)
from tui_chat.ui.render.stream_fence import CodeLines, StreamingFence
from tui_chat.ui.render.stream_lists import (
    NeedsFullParse,
    StreamingBulletList,
    StreamingOrderedList,
    StreamingTable,
    trim_shown,
)
from tui_chat.ui.render.stream_maths import BLOCK_TYPES as MATHS_BLOCKS
from tui_chat.ui.render.stream_maths import MathsBlock, add_maths

if TYPE_CHECKING:
    from markdown_it.token import Token

_parsers = threading.local()


def markdown_parser() -> MarkdownIt:
    """This thread's "gfm-like" parser, made once. Textual's Markdown makes a new one for
    every append, about half a millisecond on every frame of a stream; one per thread
    because the linkify step keeps state while it parses (full renders parse in a thread).
    With maths shown (`stream_maths`), the parser that also has the maths rules."""
    name = "maths_parser" if maths_on() else "parser"
    parser: MarkdownIt | None = getattr(_parsers, name, None)
    if parser is None:
        parser = MarkdownIt("gfm-like")
        setattr(_parsers, name, add_maths(parser) if maths_on() else parser)
    return parser


class StreamingMarkdown(GrowingMarkdown):
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
        **dict.fromkeys(MATHS_BLOCKS, MathsBlock),
    }
    def __init__(self, markdown: str | None = None, *, classes: str | None = None) -> None:
        stock = stock_render()
        super().__init__(
            markdown, classes=classes, parser_factory=None if stock else markdown_parser
        )
        self.stock = stock
        self._hidden_blocks: list[Widget] = []
        self.code_lines = CodeLines()
        self._stream: MarkdownStream | None = None
        """Stock rendering only: Textual's stream of the text being appended."""

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return (Markdown.BLOCKS if self.stock else self.BLOCKS)[block_name]

    def unhandled_token(self, token: Token) -> MarkdownBlock | None:
        if token.type in MATHS_BLOCKS and not self.stock:  # display maths (stream_maths)
            return MathsBlock(self, token)
        return super().unhandled_token(token)


    keep_rows = 0
    """While not 0, a batch of new blocks mounts only its blocks at the end that fill about
    this many rows; the others wait in a `Deferred` (set while the view follows a stream)."""

    def append(self, markdown: str) -> AwaitComplete:
        """Textual's `Markdown.append`, but a long list or table that the new text adds to
        is built from its last shown item or row on (see `trim_shown`)."""
        if self.stock:
            return super().append(markdown)
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
                self.code_lines.parsed(self.source, tokens, start_line, self._last_parsed_line)

                def build(tokens: list[Token]) -> list[MarkdownBlock]:
                    return self._build(tokens, start_line)

                last_block = existing_blocks[-1] if existing_blocks else None
                tokens, pending = self._defer_above(tokens, start_line, last_block)
                trimmed = trim_shown(tokens, last_block, self)
                quick = pending is None and is_paragraph_of(last_block, tokens)
                new_blocks = [] if quick else build(trimmed[0] if trimmed else tokens)
                if trimmed and new_blocks:
                    for name, value in trimmed[1].items():
                        setattr(new_blocks[0], name, value)
                with self.app.batch_update():
                    updated = False
                    if quick and last_block is not None:
                        take_paragraph(last_block, tokens, start_line)
                    elif last_block is not None and new_blocks:
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
                            new_blocks, updated = new_blocks[1:], True
                    mounting: list[Widget] = list(new_blocks)
                    if pending is not None:  # after the block built from the first group
                        at = 1 if last_block is not None and not updated else 0
                        mounting.insert(at, pending)
                    if mounting:
                        await self.mount_all(mounting)
                if any(isinstance(block, MarkdownHeader) for block in new_blocks) or (
                    pending is not None
                    and any(p.tokens[0].type == "heading_open" for p in pending.blocks)
                ):
                    self._table_of_contents = None
                    self.post_message(
                        Markdown.TableOfContentsUpdated(
                            self, self.table_of_contents
                        ).set_sender(self)
                    )

        return AwaitComplete(await_append())


    def foldable(self) -> list[Widget]:
        """What can fold what scrolled far above (see `folding`): this widget (its blocks)
        and its last block when that is a list (its items: a long list is one block).
        Nothing with stock rendering."""
        if self.stock:
            return []
        last = self.children[-1] if self.children else None
        if isinstance(last, Runway) and len(self.children) > 1:
            last = self.children[-2]
        if isinstance(last, MarkdownBulletList | MarkdownOrderedList):
            return [self, last]
        return [self]

    async def append_deferring(self, text: str, keep_rows: int) -> None:
        """Append streamed text; with `keep_rows`, a batch of many new blocks mounts only
        those at its end that fill about that many rows (see `keep_rows`). With stock
        rendering, Textual's `MarkdownStream` appends it (batching what comes meanwhile)."""
        if self.stock:
            if self._stream is None:
                self._stream = Markdown.get_stream(self)
            await self._stream.write(text)
            return
        self.keep_rows = keep_rows
        try:
            await self.append(text)
        finally:
            self.keep_rows = 0

    async def end_stream(self) -> None:
        """Stock rendering: stop Textual's stream, which appends what it still holds."""
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.stop()

    def _defer_above(
        self, tokens: list[Token], start_line: int, last_block: MarkdownBlock | None
    ) -> tuple[list[Token], Deferred | None]:
        """The `tokens` to build now, and a `Deferred` holding, unbuilt, the new top-level
        blocks that would land far above the view (see `keep_rows`), or None. The first
        block updates `last_block` when there is one, so it is always built."""
        if not self.keep_rows:
            return tokens, None
        width = max(10, self.content_region.width or self.app.size.width)
        split = split_deferred(
            tokens, start_line, self.keep_rows, last_block is not None, self.source, width
        )
        if split is None:
            return tokens, None
        kept, pending, rows = split
        return kept, Deferred(pending, rows)

    def _build(self, tokens: list[Token], start_line: int) -> list[MarkdownBlock]:
        """The blocks of `tokens`, parsed from line `start_line` of the source on, with
        their lines in the whole source."""
        blocks = list(self._parse_markdown(tokens))
        for block in blocks:
            start, end = block.source_range
            block.source_range = (start + start_line, end + start_line)
        return blocks

    def _build_pending(self, pending: list[Pending]) -> list[MarkdownBlock]:
        """The widgets of blocks that waited unbuilt in a `Deferred`."""
        return [widget for p in pending for widget in self._build(p.tokens, p.start_line)]

    async def mount_deferred(self, limit: int | None = None, *, hidden: bool = False) -> bool:
        """Mount up to `limit` deferred blocks (all when None), first ones first. `hidden`
        mounts them with `display: none` and leaves the Deferred's height in place, so
        nothing on screen moves until `show_hidden` shows them all in one layout.
        Returns True when some are still deferred."""
        for deferred in list(self.query_children(Deferred)):
            if limit is not None and limit <= 0:
                break
            count = len(deferred.blocks) if limit is None else min(limit, len(deferred.blocks))
            blocks = self._build_pending(deferred.take(count, keep_height=hidden))
            if any(isinstance(block, MarkdownHeader) for block in blocks):
                self._table_of_contents = None
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
    def quiet_layouts(self) -> bool:
        """Also while blocks are mounted hidden: a long reply settling repainted the whole
        screen, unchanged, for each slice (20 KB to the terminal every 50 ms)."""
        return super().quiet_layouts or bool(self._hidden_blocks)

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
        if self.stock:
            render = super().update

            async def end_and_render() -> None:
                await self.end_stream()
                await render(markdown)

            return AwaitComplete(end_and_render())
        # A full render replaces the blocks; `Markdown.update` removes only MarkdownBlocks.
        self.keep_rows = 0
        self._hidden_blocks.clear()
        self.code_lines.reset()
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


async def finish_streamed(markdown: Markdown, *, lay_out: bool = True) -> None:
    """Make a Markdown that was streamed into (with `append`) exactly a full render of its
    source.

    Incremental appends can split a block wrongly (a table whose delimiter row came in a
    later batch stays a paragraph), so the blocks are checked against a fresh parse and the
    whole text is rendered again only when they differ; otherwise just the code blocks are
    highlighted whole (see StreamingFence). Tables are drawn alike streamed or not.

    `lay_out=False` leaves the blocks that folding hid hidden (showing them is one big
    layout of a long reply): the caller shows them once no key is coming (input_quiet).
    """
    if isinstance(markdown, StreamingMarkdown):
        await markdown.end_stream()
    if lay_out:
        unfold(markdown)
    async with markdown.lock:  # after any append still running
        pass
    if await blocks_match_source(markdown):
        for fence in markdown.query(StreamingFence):
            await fence.join()
            await asyncio.sleep(0)  # one code block at a time: a key waits for one at most
    else:
        unfold(markdown)  # its fold would stand in for blocks the full render replaces
        await markdown.update(markdown.source)


async def blocks_match_source(markdown: Markdown) -> bool:
    """Whether the top-level blocks on screen are those a full parse of the source gives."""
    loop = asyncio.get_running_loop()
    source = markdown.source
    tokens = await loop.run_in_executor(None, lambda: markdown_parser().parse(source))
    expected: list[type] = []
    for token in tokens:
        if token.level != 0 or token.nesting == -1:
            continue
        key = token.tag if token.type == "heading_open" else token.type
        if key in markdown.BLOCKS:
            expected.append(markdown.get_block_class(key))
    shown = [type(child) for child in markdown.children if isinstance(child, MarkdownBlock)]
    return shown == expected
