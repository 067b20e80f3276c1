"""A message the user sent: its text (plain, never markup), the thumbnails of the image
files it attached, and over an `/image` question the dim line of what it asked for."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tui_chat.core.session import Message
from tui_chat.ui.widgets.huge_text import open_full_text, show_all_markup, shown_part
from tui_chat.ui.widgets.image_reply import AttachmentThumbnails, local_attachments, request_label
from tui_chat.ui.widgets.message_parts import (
    DELETE_BINDING,
    Alternatives,
    FlipActions,
    MessageKeys,
    alternatives_markup,
    attachment_line,
)


class UserText(FlipActions, Static):
    """The text of a user message (its `‹ 1/2 ›` and `show all` can be clicked)."""

    def __init__(self, message: Message) -> None:
        super().__init__(Content(""), classes="user-text")
        self.message = message

    def action_show_all(self) -> None:
        open_full_text(self.app, self.message.content, "Your message")


class UserMessage(MessageKeys, Alternatives, Vertical, can_focus=True):
    """What the user sent, shown verbatim (never parsed as markup), with its attachments
    and, when it was edited, `‹ 1/2 ›` above it."""

    BINDINGS = [DELETE_BINDING]

    def __init__(self, message: Message) -> None:
        super().__init__(classes="message user")
        self.message = message
        self.highlight: re.Pattern[str] | None = None
        self.border_title = "You"
        self.text = UserText(message)
        self.refresh_content()

    def compose(self) -> ComposeResult:
        yield self.text
        if local_attachments(self.message):
            yield AttachmentThumbnails(self.message)

    def on_mount(self) -> None:
        self.tell_view()

    def on_focus(self) -> None:
        self.tell_focused()

    def show_alternatives(self) -> None:
        self.refresh_content()  # on a first line of its own

    def set_highlight(self, pattern: re.Pattern[str] | None) -> None:
        """Highlight what `pattern` matches in the text (find in session)."""
        if pattern != self.highlight:
            self.highlight = pattern
            self.refresh_content()

    def refresh_content(self) -> None:
        part = shown_part(self.message.content)  # a huge message: its start (see huge_text)
        content = Content(self.message.content if part is None else part)
        if self.highlight is not None:
            content = content.highlight_regex(self.highlight, style="reverse")
        if part is not None:
            more = Content.from_markup(show_all_markup(self.message.content)).stylize("dim")
            content = Content("\n").join([content, more])
        if self.message.attachments:
            chips = Content.styled(attachment_line(self.message), "bold")
            content = Content("\n").join([content, chips]) if self.message.content else chips
        if self.message.image_request is not None:
            label = Content(request_label(self.message.image_request)).stylize("dim")
            content = Content("\n").join([label, content])
        index, count = self.alternatives
        if count > 1:
            versions = Content.from_markup(alternatives_markup(index, count) + "  edited")
            content = Content("\n").join([versions.stylize("dim", 8), content])
        self.text.update(content)

    def action_show_all(self) -> None:
        open_full_text(self.app, self.message.content, "Your message")
