"""The app's `/image` turns (services/image_turns.py) and the messages they post to the chat
screen: started, moved on (a poll, a download), ended. Kept out of app.py, which only
builds them and stops them on quit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui_chat.core.store.image_files import ImageFiles
from tui_chat.services.image_turns import ImageTurns

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


class ImageTurnEvent(Message):
    """Something happened to the `/image` reply `reply_id` of session `session_id`."""

    def __init__(self, session_id: str, reply_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.reply_id = reply_id


class ImageTurnStarted(ImageTurnEvent):
    """An `/image` reply started (or resumed polling its provider's task)."""


class ImageTurnProgressed(ImageTurnEvent):
    """The provider answered a poll, or the download began: the card's line changes."""


class ImageTurnEnded(ImageTurnEvent):
    """The `/image` reply left `app.images.live`: done, failed or stopped. Its save is
    announced after this, as a `SessionChanged`."""


def image_turns_for(app: TuiChatApp) -> ImageTurns:
    """The app's one `ImageTurns`, posting its events to the chat screen."""
    post = app.post_to_chat
    return ImageTurns(
        app.registry,
        app.changes,
        ImageFiles(app.paths.data_dir),
        lambda: app.config.images,
        run_in_worker=app.run_reply_worker,
        notify=lambda *args, **kwargs: app.notify(*args, **kwargs),
        on_started=lambda session_id, reply_id: post(ImageTurnStarted(session_id, reply_id)),
        on_progress=lambda session_id, reply_id: post(ImageTurnProgressed(session_id, reply_id)),
        on_ended=lambda session_id, reply_id: post(ImageTurnEnded(session_id, reply_id)),
    )
