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

from tui_chat.core.session import Session
from tui_chat.services.session_settings import SWITCH_HINT

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.chat import ChatScreen


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
        give_back: Callable[[], Awaitable[None]] | None = None,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        """Run `proceed` once the key of `provider` (the provider of the session's next
        reply when None) is there: its key command runs in a thread meanwhile. A failure is
        said and `give_back` puts the message that waited back in the prompt."""
        name = provider or self.app.replies.provider_for(session)
        label = self.app.registry.describe(name).label
        wait = PendingKey(session, keep_on_exit=give_back is not None, refused=refused)
        wait.note = f"Fetching the key for {label} (api_key_cmd)… Esc cancels"
        wait.give_back = give_back
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

