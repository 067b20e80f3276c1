"""The Textual messages the chat screen routes: what services announce, as messages, and
what the user asked for that another part of the screen carries out (`ImageRequested`).

Services know nothing of Textual; the app turns their callbacks into these and posts them
to the chat screen, whose one handler for each refreshes what depends on it.
"""

from __future__ import annotations

from textual.message import Message

from tui_chat.core.images import ImageRequest
from tui_chat.services.changes import SessionChange


class SessionChanged(Message):
    """A session was changed and saved (or failed to save) through `SessionChanges`:
    posted once per change. The chat screen refreshes the sidebar row, the status line
    and the banner from it."""

    def __init__(self, change: SessionChange) -> None:
        super().__init__()
        self.change = change


class ReplyStarted(Message):
    """A reply started streaming in a session (`ReplyManager`'s `on_started`)."""

    def __init__(self, session_id: str, notice: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.notice = notice
        """A line to show (the session moved from the offline demo to a provider)."""


class ReplyEnded(Message):
    """A reply left `app.replies.live` (`ReplyManager`'s `on_ended`): it finished, failed
    or was stopped. Its save is announced after this, as a `SessionChanged`."""

    def __init__(self, session_id: str, message_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.message_id = message_id


class ImageRequested(Message):
    """The user asked for images: `/image [options] PROMPT` parsed without a problem (the
    prompt area posts it; it bubbles to the chat screen and the app).
    Posted whatever the session's provider is, with or without an `image_model`, and for
    the offline demo too: the handler decides what to do and says why not."""

    def __init__(self, request: ImageRequest, typed: bool = False) -> None:
        super().__init__()
        self.request = request
        self.typed = typed
        """Typed in the prompt, which keeps it until the turn has started."""
