"""The chat screen's provider side: getting a session's provider ready before a request.

A provider that cannot be used (not in the config, no key) is said as one line with the
fix, and the request or the switch is refused: the session keeps its provider and the
user's text stays in the prompt. The offline demo never stands in for a provider.

An `api_key_cmd` (a password manager) may take seconds to print the key. It runs in a
worker thread while the screen stays live: keys typed meanwhile go to the prompt, the
status line says what is awaited, and Esc cancels (a message waiting for it goes back to
the prompt). Mixed into ChatScreen (`self` is the screen).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual.worker import Worker

from tui_chat.config.model import DEMO_PROVIDER
from tui_chat.core.session import Session

if TYPE_CHECKING:
    from tui_chat.core.settings import ChatSettings
    from tui_chat.ui.screens.chat import ChatScreen

SWITCH_HINT = "F4 picks another provider."


@dataclass
class KeyWait:
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


class ProviderActions:
    """Provider checks, key commands in a worker, and provider switches for ChatScreen."""

    def _init_provider_actions(self) -> None:
        self._key_waits: dict[str, KeyWait] = {}

    @property
    def _chat(self) -> ChatScreen:
        return cast("ChatScreen", self)

    # -- refusing --------------------------------------------------------------------------

    def refuse(self, problem: str, title: str = "Not sent") -> None:
        """Say why nothing was sent (or switched) and how to fix it, on one line."""
        screen = self._chat
        screen.notify(
            f"{problem} {SWITCH_HINT}", title=title, severity="error", timeout=15, markup=False
        )

    def provider_ready(self, session: Session) -> bool:
        """True when a reply can be asked for in `session` (perhaps after its key command);
        else says why, and nothing changes."""
        screen = self._chat
        problem = screen.app.replies.send_problem(session)
        if problem:
            screen.refuse(f"{problem} Your text is still in the prompt.")
            return False
        return True

    async def when_ready(self, session: Session, proceed: Callable[[], Awaitable[object]]) -> None:
        """Run `proceed` now, or once the key command of the session's provider has run (in
        a thread); nothing when the provider cannot answer (said by `provider_ready`)."""
        if not self.provider_ready(session):
            return
        if self._chat.app.replies.key_pending(session):
            self.after_key(session, proceed)
            return
        await proceed()

    def provider_banner(self, session: Session) -> str | None:
        """The banner line about the session's provider: why the offline demo answers, that
        a demo session can move to a real provider, or what the provider lacks."""
        screen = self._chat
        registry = screen.app.registry
        if session.demo:
            default = registry.describe(None)
            if registry.config.default_provider == DEMO_PROVIDER:
                return (
                    f'Offline demo: default_provider = "{DEMO_PROVIDER}" in {registry.config.path}.'
                )
            if default.problem is None:
                return (
                    "This session was made with the offline demo: sending moves it to "
                    f"{default.label}, F4 to another provider. Its canned replies are not sent."
                )
            if registry.has_any_key():
                return (
                    "This session was made with the offline demo: F4 moves it to a provider "
                    "with a key."
                )
            return f"Offline demo (no provider has an API key): {default.problem}"
        problem = registry.describe(session.provider).problem
        return f"⚠ {problem} {SWITCH_HINT}" if problem else None

    # -- waiting for a key -----------------------------------------------------------------

    def waiting_for_key(self, session_id: str) -> bool:
        screen = self._chat
        return session_id in screen._key_waits

    def key_wait_note(self, session_id: str) -> str | None:
        """The status line's words while the session waits for a key command."""
        wait = self._chat._key_waits.get(session_id)
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
        screen = self._chat
        name = provider or screen.app.replies.provider_for(session)
        label = screen.app.registry.describe(name).label
        wait = KeyWait(session, keep_on_exit=give_back is not None, refused=refused)
        wait.note = f"Fetching the key for {label} (api_key_cmd)… Esc cancels"
        wait.give_back = give_back
        screen._key_waits[session.id] = wait
        wait.worker = screen.run_worker(
            screen._wait_for_key(wait, proceed, provider),
            name=f"key for {session.id}",
            group="key",
            exit_on_error=False,
        )
        screen._refresh_status()

    async def _wait_for_key(
        self,
        wait: KeyWait,
        proceed: Callable[[], Awaitable[object]],
        provider: str | None,
    ) -> None:
        screen = self._chat
        session = wait.session
        try:
            problem = await screen.app.replies.fetch_key(session, provider)
        except asyncio.CancelledError:
            if screen._key_waits.pop(session.id, None) is wait and wait.keep_on_exit:
                # Not Esc (that takes the wait out first): the app is quitting. The message
                # stays in its session, unanswered; Ctrl+R sends it next time.
                with contextlib.suppress(OSError):
                    screen.app.store.save(session)
            raise
        if screen._key_waits.get(session.id) is not wait:
            return  # cancelled meanwhile
        del screen._key_waits[session.id]
        screen._refresh_status()
        if problem:
            if wait.refused is not None:
                wait.refused(problem)
            else:
                screen.refuse(problem, title="No key")
            if wait.give_back is not None:
                await wait.give_back()
            return
        await proceed()

    async def cancel_key_wait(self, session: Session) -> bool:
        """Esc while a key is fetched: stop waiting; a message that waited goes back to
        the prompt. True when there was a wait."""
        screen = self._chat
        wait = screen._key_waits.pop(session.id, None)
        if wait is None:
            return False
        if wait.worker is not None:
            wait.worker.cancel()
        if wait.give_back is not None:
            await wait.give_back()
            screen.notify("Not sent: your message is back in the prompt.", timeout=6)
        else:
            screen.notify("Cancelled while the key was fetched.", timeout=4)
        screen._refresh_status()
        return True

    # -- switching provider ----------------------------------------------------------------

    def switch_provider(
        self, session: Session, name: str, settings: ChatSettings | None = None
    ) -> None:
        """Move `session` to provider `name` (with `settings`, from F2): refused, with the
        reason, when `name` is the demo (for a session not made with it), is not in the
        config or has no key; its key command runs first, in a worker."""
        screen = self._chat
        registry = screen.app.registry
        current = registry.describe(session.provider).label
        if screen.waiting_for_key(session.id):
            screen.notify("A key is still being fetched: Esc cancels.", severity="warning")
            return

        def refused(problem: str) -> None:
            screen.refuse(f"{problem} This session stays on {current}.", "Not switched")
            if settings is not None:  # the other settings from F2 still apply
                kept = settings.replace(provider=session.provider, model=session.model)
                screen._apply_settings(session, kept, "The other settings are saved.")

        if name == DEMO_PROVIDER and not session.demo:
            refused(
                "The offline demo answers only in sessions made with it (when no provider "
                "has a key)."
            )
            return
        view = registry.describe(name)
        if view.problem:
            refused(view.problem)
            return

        def switch() -> None:
            view = registry.describe(name)
            if view.problem:
                refused(view.problem)
                return
            model = view.model if settings is None else (settings.model or view.model)
            session.demo = session.demo and name == DEMO_PROVIDER
            screen._apply_settings(
                session,
                (settings or session.settings).replace(provider=name, model=model),
                f"This session now uses {view.label} · {model}.",
            )

        async def switch_after_key() -> None:
            switch()

        if view.key_pending:
            screen.after_key(session, switch_after_key, provider=name, refused=refused)
        else:
            switch()
