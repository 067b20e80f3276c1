"""Find in the shown session (Ctrl+F), for the conversation pane.

Every message with a match gets the `-find-match` class (a light tint), the current one
`-find-current`. The matched text itself is highlighted: in user messages (plain text) and
in the Markdown blocks of replies at rest (see find_highlight: every match lightly, the
current one strongly); the block holding the current match is scrolled to. A streaming
reply's blocks are rebuilt on every frame, so they are highlighted once it has ended and
find runs or moves again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.core.find_matches import Matches
from tui_chat.core.session import Session
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.find_highlight import (
    Restylable,
    clear_block,
    highlight_block,
    leaf_blocks,
)
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView, UserMessage


def after_pending(
    owner: Widget, widget: AssistantMessage, then: Callable[[], Awaitable[None] | None]
) -> None:
    """Mount the blocks `widget` still defers (in a worker of `owner`: it can take a
    moment), then call `then` again."""

    async def mount_then() -> None:
        await widget.show_pending()
        if widget.is_attached and not widget.has_pending_blocks:
            done = then()
            if done is not None:
                await done

    owner.run_worker(mount_then(), group="pending-blocks", exclusive=True, exit_on_error=False)


class MessageFinder:
    """The matches of the find bar's query in the current path, and which one is shown.
    `owner` holds the find bar and the message view; `session` gives the shown session."""

    def __init__(self, owner: Widget, session: Callable[[], Session | None]) -> None:
        self.owner = owner
        self.session = session
        self.matches = Matches()
        self.index = -1
        self.pattern: re.Pattern[str] | None = None
        self.marked: list[Widget] = []
        """The reply blocks whose matches are highlighted now."""

    @property
    def bar(self) -> FindBar:
        """The find bar, once `open` or `step` has mounted it."""
        return self.owner.query_one(FindBar)

    def _bar_if_mounted(self) -> FindBar | None:
        bars = self.owner.query_children(FindBar)
        return bars.first() if bars else None

    async def _mounted_bar(self) -> FindBar:
        """The find bar, mounted above the messages the first time: the first screen does
        without it (its widgets cost a few ms of styling before that screen is drawn)."""
        bar = self._bar_if_mounted()
        if bar is not None:
            return bar
        bar = FindBar(id="find")
        await self.owner.mount(bar, before=self.view)
        return bar

    @property
    def view(self) -> MessageView:
        return self.owner.query_one(MessageView)

    @property
    def is_open(self) -> bool:
        bar = self._bar_if_mounted()
        return bar is not None and bar.display

    async def open(self, text: str = "") -> None:
        """Open the find bar (with `text` as the query, when given) and show the matches."""
        (await self._mounted_bar()).open(text)
        self.run()
        await self.show_match()

    async def step(self, step: int) -> None:
        bar = await self._mounted_bar()
        if not bar.display:
            bar.open()
        if not self.matches:
            return
        self.index = (self.index + step) % len(self.matches)
        await self.show_match()

    def close(self) -> None:
        self.matches, self.index, self.pattern = Matches(), -1, None
        self._clear_marks()

    def run(self, keep_position: bool = False) -> None:
        """Find the bar's query in the current path (case-insensitive)."""
        bar = self.bar
        query = bar.query_text
        session = self.session()
        previous = self.matches[self.index] if self.matches else None
        self.pattern = re.compile(re.escape(query), re.IGNORECASE) if query else None
        messages = session.messages if session is not None else []
        self.matches = Matches(messages, self.pattern)
        self.index = len(self.matches) - 1  # the newest first
        if keep_position and previous is not None:
            kept = self.matches.index_of(previous)
            self.index = self.index if kept is None else kept
        self._mark_matches()
        if self.matches:
            widget = self.view.message_widget(self.matches[self.index].message.id)
            if widget is not None:
                self._mark_current_match(widget)  # in place: the view is not scrolled
        bar.show_count(self.index + 1, len(self.matches))

    def _clear_marks(self) -> None:
        view = self.view
        for widget in view.query(".-find-match, .-find-current, .-find-block"):
            widget.remove_class("-find-match", "-find-current", "-find-block")
        for user in view.query(UserMessage):
            user.set_highlight(None)
        self._clear_blocks()
        view.mark_found(set(), None)

    def _clear_blocks(self) -> None:
        for block in self.marked:
            clear_block(block)
        self.marked = []

    def _mark_reply(self, widget: AssistantMessage, current: tuple[Widget, int] | None) -> None:
        """Highlight every match in `widget`'s blocks, in `current` (a block, the match's
        number in it) strongly. Not while it streams or still defers blocks."""
        pattern = self.pattern
        if pattern is None or widget.is_streaming or widget.has_pending_blocks:
            return
        for block in leaf_blocks(widget.body):
            strong = current[1] if current is not None and current[0] is block else None
            highlight_block(block, pattern, strong)
            self.marked.append(block)

    def _mark_matches(self) -> None:
        self._clear_marks()
        matched = self.matches.message_ids()
        view = self.view
        view.mark_found(matched, self.pattern)  # for messages paged in
        for widget in view.message_widgets():
            hit = widget.message.id in matched
            widget.set_class(hit, "-find-match")
            if isinstance(widget, UserMessage):
                widget.set_highlight(self.pattern if hit else None)
            elif hit and isinstance(widget, AssistantMessage):
                self._mark_reply(widget, None)

    async def show_match(self) -> None:
        """Scroll to the current match (mounting a window around it when it is not)."""
        self.bar.show_count(self.index + 1, len(self.matches))
        if not self.matches or self.session() is None:
            return
        match = self.matches[self.index]
        view = self.view
        widget = await view.show_message(match.message.id)
        if widget is None:
            return
        view.unfold_all()  # while a reply streams, messages far above are folded away
        target = self._mark_current_match(widget)
        if isinstance(widget, AssistantMessage) and widget.has_pending_blocks:
            after_pending(self.owner, widget, self.show_match)  # then to the block
        view.scroll_to_widget(target, animate=False, center=True)
        # Messages just mounted (a new window) are laid out on the next refresh.
        self.owner.call_after_refresh(view.scroll_to_widget, target, animate=False, center=True)

    def _mark_current_match(self, widget: Widget) -> Widget:
        """Mark the current match, shown by `widget` (its message): the message, and in a
        reply the block holding it, with the match strongly. The widget to scroll to."""
        match = self.matches[self.index]
        if not isinstance(widget, UserMessage | AssistantMessage):
            return widget
        for old in self.view.query(".-find-current, .-find-block"):
            old.remove_class("-find-current", "-find-block")
        widget.add_class("-find-current")
        if not isinstance(widget, AssistantMessage) or widget.has_pending_blocks:
            return widget
        found = self._block_of(widget, match.occurrence)
        self._mark_current(widget, found)
        if found is None:
            return widget
        found[0].add_class("-find-block")  # no style of its own: names the block
        return found[0]

    def _mark_current(self, widget: AssistantMessage, found: tuple[Widget, int] | None) -> None:
        """The current match strongly, the others of its reply lightly (blocks of other
        replies keep their light marks)."""
        mine = set(leaf_blocks(widget.body))
        for block in [block for block in self.marked if block in mine]:
            clear_block(block)
        self.marked = [block for block in self.marked if block not in mine]
        self._mark_reply(widget, found)

    def _block_of(self, widget: AssistantMessage, occurrence: int) -> tuple[Widget, int] | None:
        """The innermost Markdown block of `widget` showing the `occurrence`-th match and
        the match's number in it, by counting matches in each block's rendered text
        (Markdown syntax is gone there, so counts can differ from the source: then the
        first match of the first block with one)."""
        pattern = self.pattern
        if pattern is None:
            return None
        seen = 0
        first: tuple[Widget, int] | None = None
        for block in leaf_blocks(widget.body):
            if isinstance(block, Restylable):
                text = block.find_text()
            else:
                text = _widget_text(block) if block.children else _static_text(block)
            count = len(pattern.findall(text))
            if count and first is None:
                first = (block, 0)
            if seen + count > occurrence:
                return block, occurrence - seen
            seen += count
        return first


def _static_text(block: Static) -> str:
    """A block's text without our highlight (its Content, which `render` may restyle)."""
    content = block.content
    return content.plain if isinstance(content, Content) else str(block.render())


def _widget_text(widget: Widget) -> str:
    return "\n".join(_static_text(child) for child in widget.query(Static))
