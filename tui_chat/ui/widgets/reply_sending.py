"""The path from Enter (or Alt+R, Alt+G) to a streaming reply, for the conversation pane.

Checks first, in the order the user can fix them: a reply still streaming, an attached
file gone, the provider (no key, gone), what the provider would refuse, the context
window. Then the user's message is added (a new turn, or a new branch while editing), the
reply starts (the reply manager saves the session before the request goes out) and the
chat screen follows it. When the reply cannot start the message is taken back and the
prompt keeps the text. With an `api_key_cmd` that takes a while, the message shows at once
and the reply starts once the key is there; Esc or a failure gives the message back.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message, Session
from tui_chat.providers import ProviderUnavailable
from tui_chat.ui.widgets.message_draft import WaitingMessage

if TYPE_CHECKING:
    from tui_chat.ui.widgets.conversation_pane import ConversationPane


class ReplySender:
    """Sends the user's messages and starts replies in the session `pane` shows."""

    def __init__(self, pane: ConversationPane) -> None:
        self.pane = pane

    def busy(self) -> bool:
        """True (and says so) when the shown session's reply is streaming."""
        chat = self.pane.chat
        if chat.session is not None and chat.key_wait.waiting(chat.session.id):
            self.pane.notify("The key is still being fetched: Esc cancels.", severity="warning")
            return True
        if chat.session is not None and chat.app.replies.is_streaming(chat.session.id):
            self.pane.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return True
        return False

    async def send(self, raw: str) -> None:
        """Send what the user typed (slash commands already ran) as the next message, or
        as a new branch while editing; say why not when it cannot go (the text stays)."""
        pane = self.pane
        chat = pane.chat
        replies = chat.app.replies
        session = chat.session
        if session is None or self.busy():
            return
        text = strip_control(raw).strip("\n")
        problem = pane.draft.attachments_problem()
        if problem:
            pane.notify(problem, title="Not sent", severity="error", timeout=10)
            return
        if not chat.key_wait.provider_ready(session):  # no key, or the provider is gone: said
            return
        problem = replies.problem_before_sending(session, text)
        if problem:  # e.g. JSON mode without the word "json": say so now, not after a 400
            pane.notify(problem, title="Not sent", severity="warning", timeout=12)
            return
        if not chat.context_guard.fits(session, text):  # offers another strategy; the text stays
            return
        if replies.key_pending(session):  # its api_key_cmd runs in a worker
            await self._send_after_key(session, text)
            return
        message = await self._add_user_message(session, text)
        if await self.start_reply(session):
            pane.prompt.clear()  # only once the words are on disk
            self._message_sent()
        else:
            await self._undo_user_message(session, message)

    async def _add_user_message(self, session: Session, text: str) -> Message:
        pane = self.pane
        draft = pane.draft
        added = pane.conversation.add_user_message(session, text, list(draft.images), draft.edited)
        if added.forked:
            await pane.view.sync_path(session)
            pane.view.refresh_alternatives()
        else:
            await pane.view.add_message(added.message)
        return added.message

    async def _undo_user_message(self, session: Session, message: Message) -> None:
        """Take back a user message whose reply could not start (nothing was sent)."""
        pane = self.pane
        pane.conversation.take_back(session, message, pane.draft.edited)
        await pane.view.sync_path(session)
        pane.view.refresh_alternatives()

    def _message_sent(self) -> None:
        """The reply started: the edit and the attachments are done with."""
        self.pane.draft.sent()
        self.pane.selection.clear()

    async def start_reply(self, session: Session, continue_reply: Message | None = None) -> bool:
        """Start a reply in the shown `session` (or the rest of `continue_reply`) and let
        the screen follow it; False, said, when it cannot start."""
        pane = self.pane
        chat = pane.chat
        try:
            live = chat.app.replies.start(session, continue_reply)
        except ProviderUnavailable as exc:
            chat.key_wait.refuse(f"{exc.problem} Your text is still in the prompt.")
            return False
        except OSError as exc:
            pane.notify(
                f"Could not save the session, nothing was sent: {exc}. Your text is still in "
                "the prompt.",
                title="Save failed",
                severity="error",
            )
            return False
        widget = pane.view.reply_widget(live.message.id)
        if widget is None:
            await pane.view.add_message(live.message)
        else:  # continued: the rest streams into the reply that is there
            widget.refresh_note()
        pane.conversation.reply_started(session)
        await chat.follow_live(live)
        return True

    async def regenerate(self, session: Session, target: Message) -> None:
        """A new reply to `target` (a question, or the question of a reply); the path
        goes back to where it was when it cannot start."""
        pane = self.pane
        if pane.chat.session is not session or session.get(target.id) is not target:
            return  # the user moved on while the key was fetched
        before = pane.conversation.rewind_for_reply(session, target)
        pane.selection.id = None
        await pane.path_changed(session)
        if not await self.start_reply(session):
            pane.conversation.rewind_back(session, before)
            await pane.path_changed(session)
            return
        pane.view.refresh_alternatives()

    async def continue_reply(self, session: Session, reply: Message) -> None:
        if self.pane.chat.session is not session or session.messages[-1] is not reply:
            return  # the user moved on while the key was fetched
        await self.start_reply(session, continue_reply=reply)

    # -- after an api_key_cmd --------------------------------------------------------------

    async def _send_after_key(self, session: Session, text: str) -> None:
        """Send `text` once the key command has printed the key. The message shows in the
        conversation at once and the prompt is free for the next one; Esc or a failure
        puts it back in the prompt (before anything typed meanwhile)."""
        pane = self.pane
        chat = pane.chat
        message = await self._add_user_message(session, text)
        waiting = pane.draft.waiting(message, text)
        pane.prompt.clear()
        self._message_sent()

        async def proceed() -> None:
            if chat.session is session:
                if not await self.start_reply(session):
                    await self._give_back(session, waiting)
                return
            try:  # the user moved to another session meanwhile: the reply streams there
                chat.app.replies.start(session)
            except (OSError, ProviderUnavailable) as exc:
                await self._give_back(session, waiting)
                pane.notify(str(exc), title="Not sent", severity="error", markup=False)
                return
            pane.conversation.reply_started(session)

        give_back = partial(self._give_back, session, waiting)
        chat.key_wait.after_key(session, proceed, give_back=give_back)

    async def _give_back(self, session: Session, waiting: WaitingMessage) -> None:
        """Take a message whose reply never started out of its session and put its text
        back in the prompt, before what was typed since. In a session no longer shown it
        stays, unanswered (Ctrl+R there sends it)."""
        pane = self.pane
        if session.get(waiting.message.id) is not waiting.message:
            return
        if pane.chat.session is not session:
            await pane.conversation.keep_unanswered(session)
            pane.notify(
                f"Your message stays in “{session.title}”, unanswered: Ctrl+R there sends it.",
                timeout=10,
            )
            return
        if pane.draft.editing is None:
            pane.draft.editing = waiting.editing
        await self._undo_user_message(session, waiting.message)
        pane.draft.give_back(waiting)
