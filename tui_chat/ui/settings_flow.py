"""The chat screen's session settings (F2), model picker (F3) and provider switch (F4).

`SessionSettingsFlow` is a plain object owned by the chat screen: it opens the pickers,
takes their answers, runs a pending key command before a provider switch (through the
screen's `KeyWait`) and says the outcome. What a change does to the session, and whether a
provider may take it, is services/session_settings.py; the save and the refresh of the
sidebar, status line and banner follow through `SessionChanges`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.core.session import Session
from tui_chat.core.settings import ChatSettings
from tui_chat.services.session_settings import SessionSettingsService

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.chat import ChatScreen


class SessionSettingsFlow:
    """Asks for settings, a model or a provider for the shown session, and applies them."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> TuiChatApp:
        return self.screen.app

    @property
    def service(self) -> SessionSettingsService:
        # Made on use (it holds two references): this flow is made with the screen,
        # before the screen belongs to an app.
        return SessionSettingsService(self.app.changes, self.app.registry)

    # The settings screens are imported when first opened: start-up does not wait for them.

    def open_settings(self) -> None:
        from tui_chat.ui.screens.settings import SessionSettingsScreen

        if self.screen.session is not None:
            self.app.push_screen(SessionSettingsScreen(self.screen.session), self.settings_chosen)

    def choose_model(self) -> None:
        from tui_chat.ui.screens.model_picker import ModelPickerScreen

        session = self.screen.session
        if session is not None:
            picker = ModelPickerScreen.for_provider(self.app, session.provider, session.model)
            self.app.push_screen(picker, self.model_chosen)

    def choose_provider(self) -> None:
        from tui_chat.ui.screens.model_picker import ProviderPickerScreen

        if self.screen.session is not None:
            picker = ProviderPickerScreen(self.app, self.screen.session.provider)
            self.app.push_screen(picker, self.provider_chosen)

    def settings_chosen(self, settings: ChatSettings | None) -> None:
        session = self.screen.session
        if settings is None or session is None:
            return
        if settings.provider and settings.provider != session.provider:
            self.switch_provider(session, settings.provider, settings)  # may be refused
            return
        self.apply(session, settings, "Settings saved for this session.")

    def model_chosen(self, model: str | None) -> None:
        session = self.screen.session
        if model and session is not None and model != session.model:
            self.apply(session, session.settings.replace(model=model), f"Model: {model}")

    def provider_chosen(self, name: str | None) -> None:
        session = self.screen.session
        if not name or session is None or name == session.provider:
            return
        self.switch_provider(session, name)  # refused, with why, when it has no key

    def apply(self, session: Session, settings: ChatSettings, said: str) -> None:
        """Use `settings` for `session` from its next reply on (at once), save it off the
        event loop (once it has messages: an empty new session is saved with its first
        one) and say `said`."""
        save = self.service.apply(session, settings)
        if save is not None:
            self.screen.run_worker(save, name="save settings", exit_on_error=False)
        self.screen.notify(said, timeout=4)

    # -- switching provider ----------------------------------------------------------------

    def switch_provider(
        self, session: Session, name: str, settings: ChatSettings | None = None
    ) -> None:
        """Move `session` to provider `name` (with `settings`, from F2): refused, with the
        reason, when `name` is the demo (for a session not made with it), is not in the
        config or has no key; its key command runs first, in a worker."""
        service = self.service
        key_wait = self.screen.key_wait
        current = service.current_label(session)
        if key_wait.waiting(session.id):
            self.screen.notify("A key is still being fetched: Esc cancels.", severity="warning")
            return

        def refused(problem: str) -> None:
            key_wait.refuse(f"{problem} This session stays on {current}.", "Not switched")
            if settings is not None:  # the other settings from F2 still apply
                kept = service.kept_settings(session, settings)
                self.apply(session, kept, "The other settings are saved.")

        problem = service.switch_problem(session, name)
        if problem:
            refused(problem)
            return

        def switch() -> None:
            switch = service.switch(session, name, settings)
            if isinstance(switch, str):
                refused(switch)
            else:
                self.apply(session, switch.settings, switch.said)

        async def switch_after_key() -> None:
            switch()

        if service.key_pending(name):
            key_wait.after_key(session, switch_after_key, provider=name, refused=refused)
        else:
            switch()
