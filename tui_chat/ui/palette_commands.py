"""The command palette's commands: every chat action with an id (generated from the
bindings, with the keys bound now), the config's and the tools' screens, and what the
screen shown adds (the config editor's own actions)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from tui_chat.ui.screens.chat import ChatScreen

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.keys import KeyEntry


def palette_commands(app: TuiChatApp, screen: Screen) -> list[SystemCommand]:
    """tui-chat's commands in the palette opened over `screen`."""
    from tui_chat.ui.screens.config_editor import ConfigEditorScreen

    commands: list[SystemCommand] = []
    if isinstance(screen, ChatScreen):
        # Generated from the bindings: every chat action with an id, keys as bound now.
        commands += [
            command_for(app, entry, screen) for entry in app.key_entries(screen) if not entry.on_app
        ]
        commands.append(
            SystemCommand(
                "Image: generate…",
                "Put /image in the prompt, then say what to draw (options: F1)",
                screen.prompt_area.action_start_image,
            )
        )
    if isinstance(screen, ConfigEditorScreen):
        # Its own actions: they ask before dropping unsaved edits.
        commands.append(
            SystemCommand(
                "config: Open in $EDITOR",
                "Edit config.toml in your editor; it is checked and reloaded after",
                screen.action_open_in_editor,
            )
        )
        commands.append(
            SystemCommand("config: Reload", "Read config.toml again", screen.action_reload)
        )
    elif not isinstance(screen, ModalScreen):
        commands.append(
            SystemCommand(
                "config: Edit providers",
                "List, add, edit, test and remove providers; save the config  (f5)",
                app.action_edit_config,
            )
        )
        commands.append(
            SystemCommand(
                "config: Open in $EDITOR",
                "Edit config.toml in your editor; it is checked and reloaded after",
                app.action_open_config_in_editor,
            )
        )
        commands.append(
            SystemCommand("config: Reload", "Read config.toml again", app.action_reload_config)
        )
        commands.append(
            SystemCommand(
                "Tools: MCP servers",
                "The MCP servers: state, tools, last problem; restart one  (m in F5)",
                app.action_mcp_servers,
            )
        )
    titles = {c.title for c in commands}
    for entry in app.key_entries():
        if entry.on_app and entry.id != "config.edit" and entry.title not in titles:
            commands.append(command_for(app, entry, app))
    return commands


def command_for(app: TuiChatApp, entry: KeyEntry, target: ChatScreen | TuiChatApp) -> SystemCommand:
    """A palette command for `entry`, run by whichever of the chat screen's nodes has
    the action (or the app)."""
    keys = ", ".join(app.get_key_display(Binding(k, "")) for k in entry.keys)
    # The title already says what the description says; the tooltip says more.
    said = entry.binding.tooltip
    keys = keys or "no key"
    help_text = f"{said}  ({keys})" if said else f"Key: {keys}"
    action = entry.binding.action
    owner: DOMNode = target
    if isinstance(target, ChatScreen):
        owner = target.action_owner(action) or target
    return SystemCommand(entry.title, help_text, partial(app.run_action, action, owner))
