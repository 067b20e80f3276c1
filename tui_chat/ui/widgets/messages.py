"""The message view: user messages as plain text (user_message.py), replies as Markdown
that can stream (here, with the parts both share in message_parts.py)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from tui_chat.core.session import Message
from tui_chat.ui.input_quiet import input_clock
from tui_chat.ui.render.folding import FollowingScroll
from tui_chat.ui.widgets.huge_text import ShowAllLine, shown_part
from tui_chat.ui.widgets.image_reply import ImageReply
from tui_chat.ui.widgets.message_parts import (
    DELETE_BINDING,
    Alternatives,
    FlipActions,
    MessageKeys,
    alternatives_markup,
    reply_meta,
    reply_note,
)
from tui_chat.ui.widgets.message_parts import FlipRequested as FlipRequested
from tui_chat.ui.widgets.message_window import MAX_PAGE as MAX_PAGE
from tui_chat.ui.widgets.message_window import MessageWindow
from tui_chat.ui.widgets.tool_cards import ToolRoundsView
from tui_chat.ui.widgets.user_message import UserMessage
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.widgets.reply_body import ReplyBody

RUNWAY_MIN = 3
"""A streaming reply's height grows by at least this many rows at a time (see RunwayMixin)."""
SETTLE_BLOCKS = 6
SETTLE_PAUSE = 0.01
"""Once a reply ends, the blocks it deferred are mounted this many at a time, with this
pause in between, so keys and other replies stay quick (see StreamingMarkdown)."""
REVEAL_SECONDS = 2.5
"""How long a message found by search stays highlighted."""


class MetaLine(FlipActions, Static):
    """A reply's meta line; `‹ 2/3 ›` in it can be clicked."""

    def __init__(self, message: Message) -> None:
        super().__init__(reply_meta(message), classes="meta")
        self.message = message


class AssistantMessage(MessageKeys, Alternatives, Vertical, can_focus=True):
    """A reply: a meta line, its tool rounds, the images of an `/image` reply, the
    Markdown body, and a note on how it ended."""

    BINDINGS = [DELETE_BINDING]

    @dataclass
    class Selected(TextualMessage):
        """The user focused this reply (its reasoning can be shown)."""

        reply: AssistantMessage

    def __init__(self, message: Message) -> None:
        super().__init__(classes="message assistant")
        self.message = message
        self._meta = MetaLine(message)
        self.rounds = ToolRoundsView(message.tool_rounds)
        self.rounds_shown = len(message.tool_rounds)
        """How many tool rounds the body has moved past (see restart_body)."""
        self.images: ImageReply | None = ImageReply(message) if message.is_image_turn else None
        """The images and progress line of an `/image` reply; made only for one (most
        replies are not, and a long session mounts hundreds)."""
        # Imported here, not at start: the first screen shows no reply (the Markdown stack).
        from tui_chat.ui.widgets.reply_body import ReplyBody

        self._body = ReplyBody(shown_markdown(message) or None, classes="body")
        self._more = ShowAllLine(message)
        self._note = Static("", classes="note")
        self._streaming = False
        self.parts_shown = 0
        """How many streamed text parts have been written to the body."""
        self.settling = False
        """The reply ended and blocks deferred while it streamed are still being mounted."""
        self._hurry = False
        self._settle_round = 0
        self._settled = asyncio.Event()
        self._settled.set()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def compose(self) -> ComposeResult:
        yield self._meta
        yield self.rounds
        if self.images is not None:
            yield self.images
        yield self._body
        yield self._more
        yield self._note

    def on_mount(self) -> None:
        self.refresh_note()
        self.tell_view()

    def show_alternatives(self) -> None:
        self.refresh_meta()

    def on_focus(self) -> None:
        self.tell_focused()
        self.post_message(self.Selected(self))

    @property
    def body(self) -> ReplyBody:
        return self._body

    async def show_text(self, text: str) -> None:
        """Make the body show `text` (once its first render is done), rendering only if it
        shows something else."""
        await self._body.ready.wait()
        if self._body.source != text:
            await self._body.update(text)

    async def restart_body(self) -> None:
        """A round ended in tool calls: its text moved into the round (shown by `rounds`),
        so the body streams the next round's text from empty."""
        self.parts_shown = 0
        await self._body.ready.wait()
        await self._body.update("")

    @property
    def is_streaming(self) -> bool:
        return self._streaming

    def start_stream(self) -> None:
        if not self._streaming:
            self._streaming = True
            self._show_live(True)
            view = self.parent
            rows = view.size.height if isinstance(view, Widget) else 0
            self._body.set_runway(max(RUNWAY_MIN, rows // 4))

    def _show_live(self, live: bool) -> None:
        """The border that marks a streaming reply. An inline style, not a class: a class
        change restyles every widget inside, thousands for a long reply."""
        if live:
            color = Color.parse(self.app.theme_variables.get("success", "green"))
            self.styles.border_left = ("thick", color)
        else:
            self.styles.clear_rule("border_left")
            self.refresh(layout=True)

    async def write(self, text: str, keep_rows: int = 0) -> None:
        """Append streamed text. The caller paces this (one call per frame), so each call
        renders at once: only the last block is parsed again. With `keep_rows`, a batch of
        many blocks mounts only those at its end that fill about that many rows (see
        StreamingMarkdown.keep_rows)."""
        if not self.is_attached:
            return  # unmounted by paging or a jump: the message keeps the text
        await self._body.ready.wait()
        self.start_stream()
        await self._body.append_deferring(text, keep_rows)

    async def finish(self) -> None:
        """Stop streaming; the reply is then exactly a full Markdown render (once no longer
        `settling` when blocks were deferred: they are mounted in the background)."""
        if not self.is_attached:
            self._streaming = False  # unmounted meanwhile: a new widget shows it whole
            return
        if self._streaming:
            self._streaming = False
            self._body.set_runway(0)
            self._show_live(False)
            if self._body.has_pending and not self.message.json_mode:
                self.settling, self._hurry = True, False
                self._settled.clear()
                self._settle_round += 1
                self.run_worker(
                    self._settle(self._settle_round),
                    group="settle",
                    exclusive=True,
                    exit_on_error=False,
                )
            else:  # what folding hid is shown by the caller, once no key is coming
                from tui_chat.ui.render.stream_markdown import finish_streamed

                await finish_streamed(self._body, lay_out=False)
        if self.message.json_mode:
            await self.show_text(shown_markdown(self.message))
        self.refresh_meta()
        self.refresh_note()

    @property
    def has_pending_blocks(self) -> bool:
        """Whether blocks deferred while streaming are not all mounted, shown and checked."""
        return self.settling or self._body.has_pending

    async def _settle(self, settle_round: int) -> None:
        """Mount the blocks deferred while streaming, a few at a time and hidden (hidden
        widgets cost no layout), then show them all at once and check the render."""
        from tui_chat.ui.render.stream_markdown import finish_streamed, keep_distance_from_end

        body = self._body
        try:
            while not self._hurry and await body.mount_deferred(SETTLE_BLOCKS, hidden=True):
                await asyncio.sleep(SETTLE_PAUSE)
            view = self.parent if isinstance(self.parent, FollowingScroll) else None
            # The user scrolled up meanwhile (the hurry): keep what they look at in place.
            following = view is None or view.is_following
            restore = None if view is None or following else keep_distance_from_end(view)
            await body.mount_deferred()
            # Showing them all is one big layout: not while the user is typing.
            await input_clock(self.app).quiet(lambda: self._hurry)
            with self.app.batch_update():
                if view is not None:
                    view.unfold_all()  # kept folded while settling: less to lay out
                await body.show_hidden()
            if restore is not None:
                restore()
            await finish_streamed(body)
        finally:
            if settle_round == self._settle_round:  # not replaced by a later one (a continuation)
                self.settling = False
                self._settled.set()

    async def show_pending(self) -> None:
        """Mount what is deferred now (the user scrolled away from the end, or looks for a
        block), keeping the distance from the end of the view (what the user looks at) the
        same. A settle under way is hurried and waited for."""
        if self.settling:
            self._hurry = True
            await self._settled.wait()
            return
        view = self.parent
        if isinstance(view, FollowingScroll) and self._body.has_pending:
            from tui_chat.ui.render.stream_markdown import mount_pending

            await mount_pending(self._body, view)

    def refresh_meta(self) -> None:
        meta = reply_meta(self.message)
        index, count = self.alternatives
        if count > 1:
            meta = Content.from_markup(alternatives_markup(index, count) + "  ") + meta
        self._meta.update(meta)

    def show_image_progress(self, text: str) -> None:
        """The progress line of an `/image` reply (see image_reply.progress_line); ""
        hides it. It is hidden anyway once the reply is no longer streaming."""
        shown = text if self.message.status == "streaming" else ""
        if shown or self.images is not None:
            self.image_part().show_progress(shown)

    def refresh_images(self) -> None:
        """Show the images `message.images` gained since (each once)."""
        if self.images is not None:
            self.images.refresh_images()
        elif self.message.images:
            self.image_part()  # shows the images once mounted

    def image_part(self) -> ImageReply:
        """The `/image` part, mounted after the tool rounds the first time it is needed
        (the reply of a new `/image` turn has neither images nor a task yet)."""
        if self.images is None:
            self.images = ImageReply(self.message)
            if self.rounds.parent is self:  # composed already; else compose yields it
                self.mount(self.images, after=self.rounds)
        return self.images

    def refresh_note(self) -> None:
        if self.message.status != "streaming" and self.images is not None:
            self.images.show_progress("")
        note = reply_note(self.message)
        self._note.remove_class("-error", "-stopped", "-warning")
        if note is None:
            self._note.display = False
            return
        css_class, text = note
        self._note.add_class(css_class)
        self._note.update(Content(text))
        self._note.display = True


def shown_markdown(message: Message) -> str:
    """What a reply's body shows: the first part of a huge reply (as it is), else the
    whole reply (see reply_markdown, imported when the first reply is shown)."""
    from tui_chat.ui.widgets.json_view import reply_markdown

    part = shown_part(message.content)
    return reply_markdown(message) if part is None else part


class MessageView(MessageWindow):
    """The conversation. Follows a streaming reply unless the user scrolled up to read;
    while it follows, what scrolled far above is folded out of the layout. Only a window of
    a long session's messages is mounted (see MessageWindow)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._find_ids: set[str] = set()
        self._find_pattern: re.Pattern[str] | None = None

    def make_widget(self, message: Message) -> UserMessage | AssistantMessage:
        """A message's widget, marked when find matches it (it may be mounted by paging)."""
        widget = make_message_widget(message)
        if message.id in self._find_ids:
            widget.add_class("-find-match")
            if isinstance(widget, UserMessage):
                widget.set_highlight(self._find_pattern)
        return widget

    def mark_found(self, ids: set[str], pattern: re.Pattern[str] | None) -> None:
        """What find matches: messages mounted from now on are marked as found."""
        self._find_ids, self._find_pattern = ids, pattern

    def release_anchor(self) -> None:
        super().release_anchor()
        for child in self.children:
            if isinstance(child, AssistantMessage) and child.has_pending_blocks:
                self.run_worker(
                    child.show_pending(),
                    group=f"pending-{id(child)}",
                    exclusive=True,
                    exit_on_error=False,
                )

    async def reveal(self, message_id: str) -> Widget | None:
        """Scroll to a message of the shown session (mounting a window around it when it is
        not mounted) and highlight it briefly; None when it is not on the current path."""
        widget = await self.show_message(message_id)
        if widget is None:
            return None
        self.unfold_all()
        self.release_anchor()
        # Once laid out: widgets just mounted (a new window) have no place yet.
        self.call_after_refresh(self.scroll_to_widget, widget, animate=False, top=True)
        widget.add_class("-found")
        self.set_timer(REVEAL_SECONDS, lambda: widget.remove_class("-found"))
        return widget

    async def show_message(self, message_id: str) -> UserMessage | AssistantMessage | None:
        """The widget of a message of the current path, mounting a window around it when it
        is not mounted; None when it is not on the path."""
        widget = self.message_widget(message_id)
        session = self._session
        if widget is not None or session is None:
            return widget
        index = next((i for i, m in enumerate(session.messages) if m.id == message_id), None)
        if index is None or not await self.show_around(index):
            return None
        return self.message_widget(message_id)

    async def add_message(self, message: Message) -> UserMessage | AssistantMessage:
        """Show a message added at the end of the path (sent, or a reply starting): the
        window comes back to the newest messages first, so it is shown where it belongs."""
        if not self.reaches_end:
            await self.show_newest()
            shown = self.message_widget(message.id)
            if shown is not None:
                return shown
        widget = self.make_widget(message)
        await self.mount(widget)
        return widget

    def reply_widget(self, message_id: str) -> AssistantMessage | None:
        for widget in reversed(self.children):
            if isinstance(widget, AssistantMessage) and widget.message.id == message_id:
                return widget
        return None

    def message_widgets(self) -> list[UserMessage | AssistantMessage]:
        return [w for w in self.children if isinstance(w, UserMessage | AssistantMessage)]

    def message_widget(self, message_id: str) -> UserMessage | AssistantMessage | None:
        for widget in self.message_widgets():
            if widget.message.id == message_id:
                return widget
        return None

    def refresh_alternatives(self) -> None:
        """Show `‹ i/n ›` on the shown messages that have alternatives."""
        self._alternatives_pending = False
        session = self._session
        if session is None:
            return
        positions = session.alternative_positions()
        for widget in self.message_widgets():
            widget.set_alternatives(*positions.get(widget.message.id, (1, 1)))

    def alternatives_changed(self) -> None:
        """Messages were mounted: refresh `‹ i/n ›` once, after the batch."""
        if not getattr(self, "_alternatives_pending", False):
            self._alternatives_pending = True
            self.call_after_refresh(self.refresh_alternatives)

    async def remove_message(self, message_id: str) -> None:
        for widget in self.query(".message"):
            if getattr(widget, "message", None) is not None and widget.message.id == message_id:  # type: ignore[attr-defined]
                await widget.remove()


def make_message_widget(message: Message) -> UserMessage | AssistantMessage:
    if message.role == "assistant":
        return AssistantMessage(message)
    return UserMessage(message)
