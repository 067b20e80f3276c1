"""The Textual messages the chat screen routes: what services announce, as messages.

Services know nothing of Textual; the app turns their callbacks into these and posts them
to the chat screen, whose one handler for each refreshes what depends on it.
"""

from __future__ import annotations

from textual.message import Message

from tui_chat.services.changes import SessionChange


class SessionChanged(Message):
    """A session was changed and saved (or failed to save) through `SessionChanges`:
    posted once per change. The chat screen refreshes the sidebar row, the status line
    and the banner from it."""

    def __init__(self, change: SessionChange) -> None:
        super().__init__()
        self.change = change
