"""The banner above the conversation: what stands in the way of the shown session.

It says, one line each, that the config file has a problem (and which config is in use),
that the session's provider cannot answer (no key, gone from the config), and that some
sessions are not saved. It is hidden when there is nothing to say, and red when the config
is broken or something is unsaved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from tui_chat.core.session import Session
from tui_chat.ui.screens.unsaved import unsaved_line

if TYPE_CHECKING:
    from tui_chat.services.session_settings import SessionSettingsService
    from tui_chat.ui.app import TuiChatApp


class Banner(Static):
    """Shows the lines for one session (or none); `show_for` draws them again."""

    def show_for(
        self, app: TuiChatApp, session: Session | None, settings: SessionSettingsService
    ) -> None:
        lines: list[str] = []
        config_problem = app.config_file.banner()
        if config_problem:
            lines.append(config_problem)
        provider_line = settings.provider_banner(session) if session is not None else None
        if provider_line:
            lines.append(provider_line)
        unsaved = app.store.unsaved()
        if unsaved:
            lines.append(unsaved_line(unsaved))
        self.update(Content("\n".join(lines)))
        self.display = bool(lines)
        self.set_class(app.config_error is not None or bool(unsaved), "-error")
