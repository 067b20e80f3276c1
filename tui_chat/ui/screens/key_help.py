"""What F1 lists: the chat screen's and the app's bindings by group, the prompt's keys, the
slash commands, then the keys of other places (the session list, the providers screen, the
tool approval modal, an image in the conversation), each as bound now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from tui_chat.ui.screens.keys import HelpSection, help_sections

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

PROVIDERS_SCREEN_KEYS = "On the providers screen (F5)"
SIDEBAR_KEYS = "In the session list (Ctrl+S)"
APPROVAL_KEYS = "When a tool asks to run"
IMAGE_KEYS = "On an image"
PREFIXES = {
    PROVIDERS_SCREEN_KEYS: "Providers screen: ",
    SIDEBAR_KEYS: "Sidebar: ",
    APPROVAL_KEYS: "Tool approval: ",
    IMAGE_KEYS: "Image: ",
}
"""How `key_rows` names the place of another screen's (or widget's) keys."""


def app_help_sections(app: TuiChatApp) -> list[HelpSection]:
    """What F1 shows: bindings by group, prompt keys, slash commands, other places."""
    from tui_chat.ui.screens.config_editor import ConfigEditorScreen
    from tui_chat.ui.screens.tool_approval import ToolApprovalScreen
    from tui_chat.ui.widgets.image_view import ImageView
    from tui_chat.ui.widgets.session_list import SessionList

    def rows(bindings: Iterable[Any], with_id_only: bool) -> list[tuple[str, str]]:
        return [
            (
                " / ".join(app.get_key_display(Binding(k, "")) for k in b.key.split(",")),
                b.tooltip or b.description or b.action,
            )
            for b in bindings
            if isinstance(b, Binding) and (b.id or not with_id_only)
        ]

    chat = app.chat_screen
    commands = chat.prompt_area.available_commands() if chat is not None else None
    return help_sections(
        app,
        app.key_entries(),
        [
            (SIDEBAR_KEYS, rows(SessionList.BINDINGS, with_id_only=True)),
            (IMAGE_KEYS, rows(ImageView.BINDINGS, with_id_only=False)),
            (PROVIDERS_SCREEN_KEYS, rows(ConfigEditorScreen.BINDINGS, with_id_only=False)),
            (APPROVAL_KEYS, rows(ToolApprovalScreen.BINDINGS, with_id_only=False)),
        ],
        *([commands] if commands is not None else []),
    )


def key_rows(app: TuiChatApp) -> list[tuple[str, str]]:
    """(keys, description) for every binding of the chat screen and the app (keys as bound
    now), then those of the other places, each named."""
    rows: list[tuple[str, str]] = []
    for section in app_help_sections(app):
        prefix = PREFIXES.get(section.title, "")
        rows += [(keys, prefix + said) for keys, said in section.rows]
    return rows
