"""The message view: user messages as plain text, replies as Markdown that can stream."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Button, Markdown, Static

# Private to textual, hence the exact pin: a streamed table's new rows are mounted as plain
# Statics (no links, other tooltips), unlike a full render. tests/test_stream_render.py
# compares the two, so an upgrade that changes this is caught.
from textual.widgets._markdown import MarkdownTable, MarkdownTableCellContents, MarkdownTableContent
from textual.widgets.markdown import MarkdownBlock

from tui_chat.providers.events import describe_finish_reason
from tui_chat.session import Message, Session
from tui_chat.timefmt import short_count
from tui_chat.widgets.folding import Fold, FollowingScroll, unfold
from tui_chat.widgets.json_view import reply_markdown
from tui_chat.widgets.stream_markdown import StreamingMarkdown

# A long session opens with its newest messages; older ones are mounted on request.
FIRST_PAGE = 40
PAGE = 100
RUNWAY_MIN = 3
"""A streaming reply's height grows by at least this many rows at a time (see RunwayMixin)."""
REVEAL_SECONDS = 2.5
"""How long a message found by search stays highlighted."""


def reply_meta(message: Message) -> Content:
    """The line above a reply: model, time, tokens, and whether it has reasoning."""
    parts = [message.model or message.provider or "assistant"]
    parts.append(time.strftime("%H:%M", time.localtime(message.created_at)))
    if message.usage and message.usage.completion_tokens:
        parts.append(f"{short_count(message.usage.completion_tokens)} tokens")
    text = " · ".join(parts)
    if message.reasoning:
        text += f" · 💭 thought {short_count(len(message.reasoning))} chars"
    return Content(text)


def reply_note(message: Message) -> tuple[str, str] | None:
    """(css class, text) for how a reply ended, when it is worth saying."""
    if message.status == "error":
        return "-error", f"⚠ {message.error or 'The reply failed.'}"
    if message.status == "stopped":
        return "-stopped", "■ Stopped — the reply above is partial. Ctrl+R to retry."
    if message.status == "streaming":
        return None
    description = describe_finish_reason(message.finish_reason)
    if description:
        return "-warning", f"✂ {description} (finish_reason: {message.finish_reason})"
    return None


class UserMessage(Static, can_focus=True):
    """What the user sent, shown verbatim (never parsed as markup)."""

    def __init__(self, message: Message) -> None:
        super().__init__(Content(message.content), classes="message user")
        self.message = message
        self.border_title = "You"


class ReplyBody(StreamingMarkdown):
    """A reply's Markdown that says when its own first render is done (writing to it before
    then would be wiped by that render), with a runway while it streams."""

    def __init__(self, markdown: str | None = None, *, classes: str | None = None) -> None:
        super().__init__(markdown, classes=classes)
        self.ready = asyncio.Event()

    def update(self, markdown: str) -> AwaitComplete:
        rendering = super().update(markdown)
        if self.ready.is_set():
            return rendering

        async def first_render() -> None:  # the one Markdown starts when it is mounted
            await rendering
            self.ready.set()

        return AwaitComplete(first_render())


class AssistantMessage(Vertical, can_focus=True):
    """A reply: a meta line, the Markdown body, and a note on how it ended."""

    @dataclass
    class Selected(TextualMessage):
        """The user focused this reply (its reasoning can be shown)."""

        reply: AssistantMessage

    def __init__(self, message: Message) -> None:
        super().__init__(classes="message assistant")
        self.message = message
        self._meta = Static(reply_meta(message), classes="meta")
        self._body = ReplyBody(reply_markdown(message) or None, classes="body")
        self._note = Static("", classes="note")
        self._streaming = False
        self.parts_shown = 0
        """How many streamed text parts have been written to the body."""

    def compose(self) -> ComposeResult:
        yield self._meta
        yield self._body
        yield self._note

    def on_mount(self) -> None:
        self.refresh_note()

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    @property
    def body(self) -> Markdown:
        return self._body

    async def show_text(self, text: str) -> None:
        """Make the body show `text` (once its first render is done), rendering only if it
        shows something else."""
        await self._body.ready.wait()
        if self._body.source != text:
            await self._body.update(text)

    @property
    def is_streaming(self) -> bool:
        return self._streaming

    def start_stream(self) -> None:
        if not self._streaming:
            self._streaming = True
            self.add_class("-live")
            view = self.parent
            rows = view.size.height if isinstance(view, Widget) else 0
            self._body.set_runway(max(RUNWAY_MIN, rows // 4))

    async def write(self, text: str) -> None:
        """Append streamed text. The caller paces this (one call per frame), so each call
        renders at once: only the last block is parsed again."""
        await self._body.ready.wait()
        self.start_stream()
        await self._body.append(text)

    async def finish(self) -> None:
        """Stop streaming; the reply is then exactly a full Markdown render."""
        if self._streaming:
            self._streaming = False
            self._body.set_runway(0)
            await finish_streamed(self._body)
        if self.message.json_mode:
            await self.show_text(reply_markdown(self.message))
        self.remove_class("-live")
        self.refresh_meta()
        self.refresh_note()

    def refresh_meta(self) -> None:
        self._meta.update(reply_meta(self.message))

    def refresh_note(self) -> None:
        note = reply_note(self.message)
        self._note.remove_class("-error", "-stopped", "-warning")
        if note is None:
            self._note.display = False
            return
        css_class, text = note
        self._note.add_class(css_class)
        self._note.update(Content(text))
        self._note.display = True


async def finish_streamed(markdown: Markdown) -> None:
    """Make a Markdown that was streamed into (with `append`) exactly a full render of its
    source.

    Incremental appends can split a block wrongly (a table whose delimiter row came in a
    later batch stays a paragraph), so the blocks are checked against a fresh parse and the
    whole text is rendered again only when they differ; otherwise just the tables that grew
    while streaming are rebuilt.
    """
    unfold(markdown)
    async with markdown.lock:  # after any append still running
        pass
    if await blocks_match_source(markdown):
        await rebuild_streamed_tables(markdown)
    else:
        await markdown.update(markdown.source)


async def blocks_match_source(markdown: Markdown) -> bool:
    """Whether the top-level blocks on screen are those a full parse of the source gives."""
    parser = MarkdownIt("gfm-like")
    loop = asyncio.get_running_loop()
    tokens = await loop.run_in_executor(None, parser.parse, markdown.source)
    expected: list[type] = []
    for token in tokens:
        if token.level != 0 or token.nesting == -1:
            continue
        key = token.tag if token.type == "heading_open" else token.type
        if key in markdown.BLOCKS:
            expected.append(markdown.BLOCKS[key])
    shown = [type(child) for child in markdown.children if isinstance(child, MarkdownBlock)]
    return shown == expected


async def rebuild_streamed_tables(markdown: Markdown) -> None:
    """Rebuild the tables whose rows arrived while streaming, as a full render would."""
    for table in markdown.query(MarkdownTable):
        for content in table.query_children(MarkdownTableContent):
            cells = content.query_children(Static)
            if all(isinstance(cell, MarkdownTableCellContents) for cell in cells):
                continue
            with markdown.app.batch_update():
                await content.remove()
                await table.mount(MarkdownTableContent(table._headers, table._rows))


class MessageView(FollowingScroll):
    """The conversation. Follows a streaming reply unless the user scrolled up to read;
    while it follows, what scrolled far above is folded out of the layout."""

    @dataclass
    class EarlierRequested(TextualMessage):
        """The user asked to see older messages."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._first_shown = 0
        self._session: Session | None = None

    async def show_session(self, session: Session) -> None:
        """Replace what is shown with `session`, newest messages first."""
        self._session = session
        self.unfold_all()
        await self.remove_children()
        self._first_shown = max(0, len(session.messages) - FIRST_PAGE)
        widgets = [make_message_widget(m) for m in session.messages[self._first_shown :]]
        if self._first_shown:
            widgets.insert(0, self._earlier_button())
        with self.app.batch_update():
            await self.mount_all(widgets)
        self.anchor()

    def _earlier_button(self) -> Button:
        return Button(
            f"▲ Show {min(PAGE, self._first_shown)} earlier of {self._first_shown}",
            id="earlier",
            classes="earlier",
            compact=True,
        )

    async def show_earlier(self) -> None:
        if self._session is None or not self._first_shown:
            return
        start = max(0, self._first_shown - PAGE)
        older = [make_message_widget(m) for m in self._session.messages[start : self._first_shown]]
        self._first_shown = start
        self.unfold_all()
        await self.query("#earlier").remove()
        first = next((child for child in self.children if not isinstance(child, Fold)), None)
        if start:
            older.insert(0, self._earlier_button())
        if first is None:
            await self.mount_all(older)
        else:
            await self.mount_all(older, before=first)

    async def reveal(self, message_id: str) -> Widget | None:
        """Scroll to a message of the shown session (mounting earlier pages as needed) and
        highlight it briefly; None when it is not on the current path."""
        session = self._session
        if session is None:
            return None
        index = next((i for i, m in enumerate(session.messages) if m.id == message_id), None)
        if index is None:
            return None
        target = session.messages[index]
        while self._first_shown > index:
            before = self._first_shown
            await self.show_earlier()
            if self._first_shown == before:
                break
        self.unfold_all()
        widget = next(
            (w for w in self.query(".message") if getattr(w, "message", None) is target),
            None,
        )
        if widget is None:
            return None
        self.release_anchor()
        # Once laid out: widgets just mounted (earlier pages) have no place yet.
        self.call_after_refresh(self.scroll_to_widget, widget, animate=False, top=True)
        widget.add_class("-found")
        self.set_timer(REVEAL_SECONDS, lambda: widget.remove_class("-found"))
        return widget

    async def add_message(self, message: Message) -> UserMessage | AssistantMessage:
        widget = make_message_widget(message)
        await self.mount(widget)
        return widget

    def reply_widget(self, message_id: str) -> AssistantMessage | None:
        for widget in reversed(self.children):
            if isinstance(widget, AssistantMessage) and widget.message.id == message_id:
                return widget
        return None

    async def remove_message(self, message_id: str) -> None:
        for widget in self.query(".message"):
            if getattr(widget, "message", None) is not None and widget.message.id == message_id:  # type: ignore[attr-defined]
                await widget.remove()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "earlier":
            event.stop()
            self.run_worker(self.show_earlier(), exclusive=True, group="earlier")


def make_message_widget(message: Message) -> UserMessage | AssistantMessage:
    if message.role == "assistant":
        return AssistantMessage(message)
    return UserMessage(message)
