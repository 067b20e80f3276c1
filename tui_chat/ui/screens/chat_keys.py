"""The chat screen's keys (`ChatScreen.BINDINGS`), kept apart because they are a long
list: sessions, replies, the view and the context keys (context_guard)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from tui_chat.ui.context_guard import CONTEXT_BINDINGS

CHAT_KEYS: list[BindingType] = [
    Binding("ctrl+n", "new_session", "New", id="session.new"),
    Binding("escape", "stop", "Stop", id="reply.stop"),
    Binding("ctrl+r", "retry", "Retry", id="reply.retry"),
    Binding("ctrl+t", "toggle_thinking", "Thinking", id="view.thinking"),
    Binding(
        "alt+t",
        "keep_thinking_open",
        "Keep thinking open",
        id="view.keep_thinking",
        show=False,
        priority=True,  # Alt+T would type a "t" in the prompt
    ),
    Binding("ctrl+b", "toggle_sidebar", "Sidebar", id="view.sidebar"),
    Binding("ctrl+s", "focus_sessions", "Sessions", id="view.sessions", show=False),
    Binding("f2", "session_settings", "Session settings", id="session.settings", show=False),
    Binding("f3", "choose_model", "Choose model", id="session.model", show=False),
    Binding("f4", "switch_provider", "Switch provider", id="session.provider", show=False),
    # The session keys act on the open session, or on the sidebar's cursor row while the
    # list has focus. F6/F7 are the prompt's (TextArea: select line / select all).
    Binding("f9", "rename_session", "Rename the session", id="session.rename", show=False),
    Binding(
        "shift+f9",
        "duplicate_session",
        "Duplicate the session",
        id="session.duplicate",
        show=False,
    ),
    Binding("f10", "pin_session", "Pin or unpin the session", id="session.pin", show=False),
    Binding(
        "f8",
        "delete_session",
        "Delete the session (to the trash)",
        id="session.delete",
        show=False,
    ),
    Binding(
        "shift+f8",
        "restore_session",
        "Restore a deleted session (trash)",
        id="session.restore",
        show=False,
    ),
    Binding(
        "f12",
        "export_session('md')",
        "Export the session as Markdown",
        id="session.export",
        show=False,
    ),
    Binding(
        "shift+f12",
        "export_session('json')",
        "Export the session as JSON",
        id="session.export_json",
        show=False,
    ),
    # priority: a terminal sends Alt+S with the letter, which the prompt would type.
    Binding(
        "alt+s",
        "search_sessions",
        "Search all sessions",
        id="session.search",
        show=False,
        priority=True,
    ),
    *CONTEXT_BINDINGS,
]
