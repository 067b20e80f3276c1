"""Getting a session's provider ready before a request, and waiting for its key command.

A provider that cannot be used (not in the config, no key) is said as one line with the
fix, and the request or the switch is refused: the session keeps its provider and the
user's text stays in the prompt. The offline demo never stands in for a provider.

An `api_key_cmd` (a password manager) may take seconds to print the key. It runs in a
worker while the screen stays live: keys typed meanwhile go to the prompt, the status line
says what is awaited, and Esc cancels (a message waiting for it goes back to the prompt).
`KeyWait` is a plain object owned by the chat screen: it keeps one wait per session and
runs their workers on the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.worker import Worker

from tui_chat.core.session import Message, Session
from tui_chat.providers import ProviderUnavailable
from tui_chat.services.session_settings import SWITCH_HINT

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.chat import ChatScreen
    from tui_chat.ui.screens.chat_messages import Editing


@dataclass
class PendingKey:
    """A request (or a provider switch) waiting for a key command, and how to undo it."""

    session: Session
    worker: Worker[None] | None = None
    give_back: Callable[[], Awaitable[None]] | None = None
    """Puts what waited (the user's message) back in the prompt, on Esc or a failure."""
    keep_on_exit: bool = False
    """The session holds a message that waits: if the app quits meanwhile, save it."""
    note: str = ""
    """What the status line says meanwhile."""
    refused: Callable[[str], None] | None = None
    """Says that no key came (the problem); None: the usual "No key" line."""


@dataclass
class WaitingMessage:
    """A sent message whose reply waits for the key, with what the prompt held for it."""

    message: Message
    text: str
    images: list[str]
    editing: Editing | None


class KeyWait:
    """The chat screen's provider checks and key-command waits, one wait per session."""

    def __init__(self, screen: ChatScreen, status_changed: Callable[[], None]) -> None:
        self.screen = screen
        self._status_changed = status_changed
        """Redraws the status line, whose words say what is awaited (`note`). Not a change
        of the session: an unsaved session must not get a sidebar row for it."""
        self._waits: dict[str, PendingKey] = {}

    @property
    def app(self) -> TuiChatApp:
        return self.screen.app

    # -- refusing --------------------------------------------------------------------------

    def refuse(self, problem: str, title: str = "Not sent") -> None:
        """Say why nothing was sent (or switched) and how to fix it, on one line."""
        self.screen.notify(
            f"{problem} {SWITCH_HINT}", title=title, severity="error", timeout=15, markup=False
        )

    def provider_ready(self, session: Session) -> bool:
        """True when a reply can be asked for in `session` (perhaps after its key command);
        else says why, and nothing changes."""
        problem = self.app.replies.send_problem(session)
        if problem:
            self.refuse(f"{problem} Your text is still in the prompt.")
            return False
        return True

    async def when_ready(self, session: Session, proceed: Callable[[], Awaitable[object]]) -> None:
        """Run `proceed` now, or once the key command of the session's provider has run (in
        a thread); nothing when the provider cannot answer (said by `provider_ready`)."""
        if not self.provider_ready(session):
            return
        if self.app.replies.key_pending(session):
            self.after_key(session, proceed)
            return
        await proceed()

    # -- waiting for a key -----------------------------------------------------------------

    def waiting(self, session_id: str) -> bool:
        return session_id in self._waits

    def note(self, session_id: str) -> str | None:
        """The status line's words while the session waits for a key command."""
        wait = self._waits.get(session_id)
        return wait.note if wait is not None else None

    def after_key(
        self,
        session: Session,
        proceed: Callable[[], Awaitable[object]],
        provider: str | None = None,
        waiting: WaitingMessage | None = None,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Run `proceed` once the key of `provider` (the provider of the session's next
        reply when None) is there: its key command runs in a thread meanwhile. A failure is
        said and `waiting` goes back to the prompt."""
        name = provider or self.app.replies.provider_for(session)
        label = self.app.registry.describe(name).label
        wait = PendingKey(session, keep_on_exit=waiting is not None, refused=refused)
        wait.note = f"Fetching the key for {label} (api_key_cmd)… Esc cancels"
        if waiting is not None:
            wait.give_back = lambda: self.give_back(session, waiting)
        self._waits[session.id] = wait
        wait.worker = self.screen.run_worker(
            self._wait_for_key(wait, proceed, provider),
            name=f"key for {session.id}",
            group="key",
            exit_on_error=False,
        )
        self._status_changed()

    async def _wait_for_key(
        self,
        wait: PendingKey,
        proceed: Callable[[], Awaitable[object]],
        provider: str | None,
    ) -> None:
        session = wait.session
        try:
            problem = await self.app.replies.fetch_key(session, provider)
        except asyncio.CancelledError:
            if self._waits.pop(session.id, None) is wait and wait.keep_on_exit:
                # Not Esc (that takes the wait out first): the app is quitting. The message
                # stays in its session, unanswered; Ctrl+R sends it next time.
                self.app.changes.commit_now(session, "unanswered")
            raise
        if self._waits.get(session.id) is not wait:
            return  # cancelled meanwhile
        del self._waits[session.id]
        self._status_changed()
        if problem:
            if wait.refused is not None:
                wait.refused(problem)
            else:
                self.refuse(problem, title="No key")
            if wait.give_back is not None:
                await wait.give_back()
            return
        await proceed()

    async def cancel(self, session: Session) -> bool:
        """Esc while a key is fetched: stop waiting; a message that waited goes back to
        the prompt. True when there was a wait."""
        wait = self._waits.pop(session.id, None)
        if wait is None:
            return False
        if wait.worker is not None:
            wait.worker.cancel()
        if wait.give_back is not None:
            await wait.give_back()
            self.screen.notify("Not sent: your message is back in the prompt.", timeout=6)
        else:
            self.screen.notify("Cancelled while the key was fetched.", timeout=4)
        self._status_changed()
        return True

    # -- sending after the key -------------------------------------------------------------
    # These two reach the send path's state on the screen (the pending images, the edit,
    # adding and taking back a user message): they move with it.

    async def send_after_key(self, session: Session, text: str) -> None:
        """Send `text` once the key command has printed the key. The message shows in the
        conversation at once and the prompt is free for the next one; Esc or a failure
        puts it back in the prompt (before anything typed meanwhile)."""
        screen = self.screen
        images, editing = list(screen._pending_images), screen._editing
        message = await screen.add_user_message(session, text)
        screen.prompt.clear()
        screen.message_sent()
        waiting = WaitingMessage(message, text, images, editing)

        async def proceed() -> None:
            if screen.session is session:
                if not await screen._start_reply(session):
                    await self.give_back(session, waiting)
                return
            try:  # the user moved to another session meanwhile: the reply streams there
                self.app.replies.start(session)
            except (OSError, ProviderUnavailable) as exc:
                await self.give_back(session, waiting)
                screen.notify(str(exc), title="Not sent", severity="error", markup=False)
                return
            self.app.changes.announce_only(session, "sent")  # the reply manager saved it

        self.after_key(session, proceed, waiting=waiting)

    async def give_back(self, session: Session, waiting: WaitingMessage) -> None:
        """Take a message whose reply never started out of its session and put its text
        back in the prompt, before what was typed since. In a session no longer shown it
        stays, unanswered (Ctrl+R there sends it)."""
        screen = self.screen
        if session.get(waiting.message.id) is not waiting.message:
            return
        if screen.session is not session:
            await self.app.changes.commit(session, "unanswered")
            screen.notify(
                f"Your message stays in “{session.title}”, unanswered: Ctrl+R there sends it.",
                timeout=10,
            )
            return
        if screen._editing is None:
            screen._editing = waiting.editing
        await screen.undo_user_message(session, waiting.message)
        screen._pending_images = [
            *waiting.images,
            *(i for i in screen._pending_images if i not in waiting.images),
        ]
        draft = screen.prompt.text
        screen.prompt.set_prompt_text(
            f"{waiting.text}\n\n{draft}" if draft.strip() else waiting.text
        )
        screen.prompt.focus()
        screen._refresh_prompt_info()
