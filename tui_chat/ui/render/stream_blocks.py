"""The blocks of a streamed reply that take new words in place, and the Markdown base that
gives the growing block blank rows to grow into.

Most frames of a stream add a few words to the last paragraph, heading or code line. Textual
hands the new text to the block on screen, which lays the whole screen out again; here the
block repaints itself and lays out only when its height changes, and while a reply streams its
growing block is padded a few rows ahead (see `GrowingMarkdown.grow`), so a new line is mostly
a repaint too. Code blocks are in `stream_fence`, lists and tables in `stream_lists`, the
widget that puts them together in `stream_markdown`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeGuard

from textual.content import Content
from textual.geometry import Region, Size
from textual.widget import AwaitMount, Widget
from textual.widgets import Markdown, Static

# Private to textual, hence the exact pin (see private_names.py).
from textual.widgets._markdown import (
    MarkdownH1,
    MarkdownH2,
    MarkdownH3,
    MarkdownH4,
    MarkdownH5,
    MarkdownH6,
    MarkdownHeader,
    MarkdownParagraph,
)
from textual.widgets.markdown import MarkdownBlock

from tui_chat.ui.render.folding import RunwayMixin

if TYPE_CHECKING:
    from markdown_it.token import Token


def update_in_place(widget: Static, content: Content) -> None:
    """Show `content` in `widget`, laying the screen out again only if its height changes.

    Most frames of a stream add a few words to the last line of a paragraph or a code
    block; a repaint of that widget is enough, while a layout walks every widget on screen.
    While streaming, the growing widget is also given a few blank rows to grow into (see
    `GrowingMarkdown.grow`), so a new line is mostly a repaint too.
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
    markdown = streaming_owner(widget)
    if markdown is not None:
        markdown.grow(widget, needed)
    elif needed != height:
        widget.refresh(layout=True)


def is_streaming(markdown: Markdown) -> TypeGuard[GrowingMarkdown]:
    """Whether `markdown` is a GrowingMarkdown that a reply is streaming into."""
    return isinstance(markdown, GrowingMarkdown) and bool(markdown.runway_step)


def streaming_owner(widget: Widget) -> GrowingMarkdown | None:
    """The GrowingMarkdown `widget` is a block of (or the label of a block of), while it
    streams."""
    block = widget if isinstance(widget, MarkdownBlock) else widget.parent
    if not isinstance(block, MarkdownBlock):
        return None
    markdown = block._markdown
    return markdown if is_streaming(markdown) else None


class InPlaceBlock(MarkdownBlock):
    """A block whose new words are a repaint, not a layout, while its height holds. List it
    after the block class: Textual takes CSS type names from the first base only."""

    def set_content(self, content: Content) -> None:
        self._content = content
        update_in_place(self, content)


class StreamingParagraph(MarkdownParagraph, InPlaceBlock):
    pass


def is_paragraph_of(block: Widget | None, tokens: list[Token]) -> bool:
    """Whether `tokens` (the last top-level block parsed again) are one paragraph, and
    `block`, the last block on screen, is the streaming paragraph they update."""
    return (
        type(block) is StreamingParagraph
        and len(tokens) == 3
        and tokens[0].type == "paragraph_open"
        and tokens[0].level == 0
        and tokens[0].map is not None
        and tokens[1].type == "inline"
    )


def take_paragraph(block: MarkdownBlock, tokens: list[Token], start_line: int) -> None:
    """Show the paragraph `tokens` (see `is_paragraph_of`), parsed from line `start_line`,
    in `block`. What Textual's `_update_from_block` takes from a new block built from them,
    without building one: most frames of a stream add words to the last paragraph, and the
    new block (a Static) cost more to make than the words to draw."""
    opening, inline = tokens[0], tokens[1]
    assert opening.map is not None
    block.source_range = (opening.map[0] + start_line, opening.map[1] + start_line)
    block.set_content(block._token_to_content(inline))
    block._token = opening


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


class GrowingMarkdown(Markdown, RunwayMixin):
    """Markdown that a reply streams into: its growing block is padded a few rows ahead,
    and it has a runway (see `folding.RunwayMixin`) while `runway_step` is set. List
    `RunwayMixin` after `Markdown`: Textual takes CSS type names from the first base only."""

    stock = False
    """Stock Textual rendering (see `stock`): no runway, no padding."""

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
        if self.stock:
            return
        if not step:
            self.unpad()
        super().set_runway(step)


    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        # While streaming, a block mounted in here asks for a layout and a repaint of this
        # whole widget, which is most of the screen; the layout alone repaints whatever
        # moved or changed size, so the full repaint is skipped (see `quiet_layouts`).
        if layout and self.quiet_layouts and not regions and not recompose:
            repaint = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    @property
    def quiet_layouts(self) -> bool:
        """A layout asked for here repaints only what it moves or resizes: while streaming."""
        return bool(self.runway_step)

