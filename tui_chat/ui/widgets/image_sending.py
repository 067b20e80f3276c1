"""The path from `/image PROMPT` (or Ctrl+R on an image) to pictures in the conversation,
for the conversation pane: the checks, the question added (a new branch while editing),
the turn started through `app.images`, and its reply's card kept up to date.

As with chat replies, the prompt keeps the text until the question is on disk and the
turn has started; a refusal says why and leaves the text where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.core.image_turns import image_request_for
from tui_chat.core.images import ImageRequest
from tui_chat.core.session import Message, Session
from tui_chat.services.image_turns import ImageTurnRefused, LiveImage
from tui_chat.ui.image_turn_events import ImageTurnEnded, ImageTurnEvent
from tui_chat.ui.widgets.image_reply import progress_line

if TYPE_CHECKING:
    from tui_chat.ui.widgets.conversation_pane import ConversationPane

PROGRESS_TICK_SECONDS = 1.0
"""How often the card's "12 s" moves while an image is generated."""


class ImageSender:
    """Starts `/image` turns in the session `pane` shows and keeps their cards current."""

    def __init__(self, pane: ConversationPane) -> None:
        self.pane = pane
        self._ticking = False

    def busy(self, session: Session) -> bool:
        """True (and says so) when the session is streaming a reply or making an image."""
        if self.pane.chat.app.images.is_streaming(session.id):
            self.pane.notify("An image is still being generated: Esc stops it.", severity="warning")
            return True
        return self.pane.sender.busy()

    async def send(self, request: ImageRequest, typed: bool) -> None:
        """Generate what `request` asks for as the next turn (or a new branch while
        editing). `typed`: it came from the prompt, which is cleared once it started."""
        pane = self.pane
        session = pane.chat.session
        if session is None or self.busy(session):
            return
        images = pane.chat.app.images
        try:
            images.provider_for(session)
        except ImageTurnRefused as exc:
            pane.notify(
                f"{exc} Your text is still in the prompt.",
                title="No image",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        added = pane.conversation.add_image_request(session, request, pane.draft.edited)
        if added.forked:
            await pane.view.sync_path(session)
            pane.view.refresh_alternatives()
        else:
            await pane.view.add_message(added.message)

        def started() -> None:
            if typed:
                pane.prompt.clear()
            pane.draft.sent()
            pane.selection.clear()

        if not await self.start(session, added.message, started):
            pane.conversation.take_back(session, added.message, pane.draft.edited)
            await pane.view.sync_path(session)
            pane.view.refresh_alternatives()

    async def start(
        self, session: Session, question: Message, started: Callable[[], None] | None = None
    ) -> bool:
        """Start the turn whose question is `question` (the current leaf); False, said,
        when it cannot. `started` runs as soon as it has, before anything is awaited: a
        turn that fails at once ends only after that (and finds the prompt as it left
        it)."""
        pane = self.pane
        try:
            live = pane.chat.app.images.start(session, question)
        except ImageTurnRefused as exc:
            pane.notify(str(exc), title="No image", severity="error", timeout=12, markup=False)
            return False
        except OSError as exc:
            pane.notify(
                f"Could not save the session, nothing was sent: {exc}.",
                title="Save failed",
                severity="error",
                markup=False,
            )
            return False
        if started is not None:
            started()
        await self.show(live)
        return True

    async def regenerate(self, session: Session, target: Message) -> bool:
        """Ctrl+R on an `/image` question or reply: a new image for the same request,
        beside the old one. False when `target` is not part of an image turn."""
        question = target if target.image_request is not None else None
        if question is None:
            found = image_request_for(session, target)
            question = found[0] if found else None
        if question is None:
            return False
        if self.busy(session):
            return True
        pane = self.pane
        before = pane.conversation.rewind_for_reply(session, question)
        pane.selection.id = None
        await pane.path_changed(session)
        if not await self.start(session, question):
            pane.conversation.rewind_back(session, before)
            await pane.path_changed(session)
            return True
        pane.view.refresh_alternatives()
        return True

    async def show(self, live: LiveImage) -> None:
        """Put the turn's reply in the view (once) with its card, and follow it."""
        view = self.pane.view
        widget = view.reply_widget(live.reply.id)
        if widget is None:
            await view.add_message(live.reply)
        else:  # resumed: "stopped" no longer holds
            widget.refresh_note()
        self.refresh_card(live.session.id, live.reply.id)
        view.scroll_end(animate=False)
        self._tick()

    async def session_shown(self, session: Session) -> None:
        """Follow the shown session's `/image` turn: one still running (the user came
        back to it), or one that was waiting on its provider when the app closed, whose
        task is polled again (no second image is paid for)."""
        images = self.pane.chat.app.images
        live = images.live.get(session.id) or images.resume(session)
        if live is not None:
            await self.show(live)

    def refresh_card(self, session_id: str, reply_id: str) -> None:
        chat = self.pane.chat
        if chat.session is None or chat.session.id != session_id:
            return
        widget = self.pane.view.reply_widget(reply_id)
        live = self.pane.chat.app.images.live.get(session_id)
        if widget is None:
            return
        if live is None or live.reply.id != reply_id:
            widget.show_image_progress("")
            return
        stage = "downloading" if live.stage == "downloading" else live.status
        widget.show_image_progress(
            progress_line(
                count=live.request.count,
                model=live.model,
                size=live.request.size,
                seconds=live.seconds,
                status=stage,
                polls=live.polls,
            )
        )

    async def turn_event(self, event: ImageTurnEvent) -> None:
        """Started, moved on or ended (services/image_turns.py via the app)."""
        self.refresh_card(event.session_id, event.reply_id)
        if not isinstance(event, ImageTurnEnded):
            return
        chat = self.pane.chat
        if chat.session is None or chat.session.id != event.session_id:
            return
        widget = self.pane.view.reply_widget(event.reply_id)
        if widget is not None:
            widget.refresh_images()
            widget.refresh_note()
            widget.refresh_meta()
        reply = chat.session.get(event.reply_id)
        if reply is not None and reply.status == "error":
            self._failed(chat.session, reply)

    def _failed(self, session: Session, reply: Message) -> None:
        """Say why, and give the request back to be changed: a content filter or a bad
        size is fixed by editing it. Enter then sends it as a new branch beside the failed
        one; Esc leaves it. Only into an empty prompt: nothing typed meanwhile is lost."""
        pane = self.pane
        question = session.get(reply.parent_id) if reply.parent_id else None
        back = question is not None and not pane.prompt.text.strip()
        if back and question is not None:
            pane.draft.edit(question)
        more = " Your request is back in the prompt: change it and press Enter." if back else ""
        pane.notify(
            (reply.error or "The image failed.") + more,
            title="No image",
            severity="error",
            timeout=12,
            markup=False,
        )

    def _tick(self) -> None:
        """While the shown session makes an image, move its card's seconds once a second."""
        if self._ticking:
            return
        self._ticking = True

        def tick() -> None:
            session = self.pane.chat.session
            live = self.pane.chat.app.images.live.get(session.id) if session is not None else None
            if live is None:
                self._ticking = False
                timer.stop()
                return
            self.refresh_card(live.session.id, live.reply.id)

        timer = self.pane.set_interval(PROGRESS_TICK_SECONDS, tick)
