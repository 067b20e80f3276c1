"""Changing a session's settings, model or provider: what the session settings screen (F2),
the model picker (F3), the provider picker (F4) and slash commands end in.

The decisions live here, without Textual: whether a provider may take a session (the
offline demo only answers in sessions made with it; a provider that is not in the config
or has no key is refused with the fix), which settings a switch leaves in force, and the
banner line about a session's provider. Saving goes through `SessionChanges`: the one
path by which a changed session reaches disk and the screen. The UI (ui/settings_flow.py)
asks the questions, runs a key command first when one is pending, and says the outcome.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from tui_chat.config.provider import DEMO_PROVIDER
from tui_chat.core.session import Session
from tui_chat.core.settings import ChatSettings
from tui_chat.providers import ProviderRegistry, ProviderView
from tui_chat.services.changes import SessionChanges

SWITCH_HINT = "F4 picks another provider."
DEMO_ONLY = "The offline demo answers only in sessions made with it (when no provider has a key)."


@dataclass(frozen=True)
class ProviderSwitch:
    """A switch that may go ahead: the settings the session takes and the line that says
    so."""

    settings: ChatSettings
    said: str


class SessionSettingsService:
    """Puts settings in force for a session and decides provider switches."""

    def __init__(self, changes: SessionChanges, registry: ProviderRegistry) -> None:
        self.changes = changes
        self.registry = registry

    def apply(self, session: Session, settings: ChatSettings) -> Coroutine[Any, Any, bool] | None:
        """Use `settings` for `session` from its next reply on. Returns the save to run off
        the event loop when the session has messages; an empty new session is saved with
        its first message, so its change is only announced (now) and None is returned."""
        session.settings = settings
        if session.messages:
            return self.changes.commit(session, "settings")
        self.changes.announce_only(session, "settings")
        return None

    # -- switching provider ----------------------------------------------------------------

    def current_label(self, session: Session) -> str:
        return self.registry.describe(session.provider).label

    def switch_problem(self, session: Session, name: str) -> str | None:
        """Why `session` cannot move to provider `name` now (with the fix); None when it
        can (perhaps once the provider's key command has run: `key_pending`)."""
        if name == DEMO_PROVIDER and not session.demo:
            return DEMO_ONLY
        return self.registry.describe(name).problem

    def key_pending(self, name: str) -> bool:
        """Provider `name` runs its api_key_cmd before it can take the session."""
        return self.registry.describe(name).key_pending

    def switch(
        self, session: Session, name: str, settings: ChatSettings | None = None
    ) -> ProviderSwitch | str:
        """The settings that move `session` to provider `name` (with `settings` from F2,
        whose model wins when it names one), or the problem when it cannot go (asked again
        after a key command: the config may have changed meanwhile)."""
        view: ProviderView = self.registry.describe(name)
        if view.problem:
            return view.problem
        model = view.model if settings is None else (settings.model or view.model)
        session.demo = session.demo and name == DEMO_PROVIDER
        chosen = (settings or session.settings).replace(provider=name, model=model)
        return ProviderSwitch(chosen, f"This session now uses {view.label} · {model}.")

    @staticmethod
    def kept_settings(session: Session, settings: ChatSettings) -> ChatSettings:
        """The settings from F2 less the refused provider switch (they still apply)."""
        return settings.replace(provider=session.provider, model=session.model)

    # -- the banner ------------------------------------------------------------------------

    def provider_banner(self, session: Session) -> str | None:
        """The banner line about the session's provider: why the offline demo answers, that
        a demo session can move to a real provider, or what the provider lacks."""
        registry = self.registry
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
