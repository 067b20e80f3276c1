"""The app's side of the config file: using a reloaded or saved config, watching the file
for changes, reloading it, and editing it in $EDITOR.

Owned by the app (`app.config_file`), whose actions call it. The config in use stays on the
app (`app.config`, `app.config_error`, `app.config_kept`): every screen reads it there.
Screens that show something of the config subscribe to `changed` in their `on_mount`; it is
published after each reload, save or failed reload, with the new config or the problem.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.screen import ModalScreen
from textual.signal import Signal

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.watch import file_stamp
from tui_chat.core.atomic import open_private
from tui_chat.ui.maths_display import show_maths
from tui_chat.ui.render.maths_switch import set_maths

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

ConfigChange = Config | ConfigError
"""What `ConfigFile.changed` publishes: the config now in use, or why the file was not."""


class ConfigFile:
    """Applies, watches, reloads and edits config.toml for the app."""

    def __init__(self, app: TuiChatApp) -> None:
        self.app = app
        self.changed: Signal[ConfigChange] = Signal(app, "config-changed")
        """The config was reloaded or saved (the new one), or failed to reload (the
        problem; the last good config stays in use). Subscribers are called at once, so a
        screen shows the new config before the next key."""
        set_maths(app.config.display.maths)  # before any reply is drawn

    def banner(self) -> str | None:
        """The line the chat screen shows while the config file has a problem."""
        app = self.app
        if app.config_error is None:
            return None
        # What it means first: a long problem may not fit the banner on a narrow terminal.
        if app.config_kept:
            return f"⚠ Config error, still using the last good config: {app.config_error}"
        return f"⚠ Config error, running on built-in defaults until fixed: {app.config_error}"

    def apply(self, config: Config) -> None:
        """Use `config` from now on (reloaded or saved): providers, theme, every screen
        that shows it, then its `[keymap]`."""
        app = self.app
        app.config = config
        app.config_error = None
        app.config_kept = False
        app.registry.reconfigure(config)
        app.tools.reconfigure(config)
        app.mcp.reconfigure(config.mcp_servers)
        app.run_worker(
            app.registry.close_retired(app.replies.busy_providers()),
            name="close old providers",
            exit_on_error=False,
        )
        if config.theme and config.theme in app.available_themes:
            app.theme = config.theme
        show_maths(app, config.display.maths)
        for warning in config.warnings:
            app.notify(warning, title="Config", severity="warning", timeout=10)
        self.changed.publish(config)
        app.apply_keymap()

    def _failed(self, error: ConfigError) -> None:
        """The file on disk has a problem: show it, keep running on the config in use."""
        app = self.app
        app.config_error = error
        app.config_kept = True
        app.notify(
            f"{error} — still using the last good config. The file was not changed.",
            title="Config not reloaded",
            severity="error",
            timeout=15,
        )
        self.changed.publish(error)

    def poll(self) -> None:
        """Timer: reload the config when the file changed on disk (a cheap stat otherwise)."""
        result = self.app.config_watcher.poll()
        if result is None:
            return
        if isinstance(result, ConfigError):
            self._failed(result)
        else:
            self.apply(result)
            self.app.notify(f"Config reloaded from {self.app.paths.config_file}.", title="Config")

    def reload(self) -> bool:
        """Read the config file again now; False (problem shown) when it cannot be used."""
        path = self.app.paths.config_file
        self.app.config_watcher.acknowledge(file_stamp(path))  # stamped before reading
        try:
            config = load_config(path)
        except ConfigError as error:
            self._failed(error)
            return False
        self.apply(config)
        self.app.notify(f"Config reloaded from {path}.", title="Config")
        return True

    def allow_tool_always(self, label: str) -> bool:
        """Add `label` to `[tools] allow` in config.toml ("Always allow this tool" in the
        approval modal) and use the config as it now reads; False (problem shown) when the
        file could not be changed."""
        from tui_chat.config.writer import (  # type: ignore[attr-defined,unused-ignore]
            allow_tool_always,
        )

        app = self.app
        path = app.paths.config_file
        try:
            config = allow_tool_always(path, label)
        except (ConfigError, OSError, ValueError) as error:
            app.notify(
                f"Could not add {label} to [tools] allow in {path}: {error}",
                title="Config",
                severity="error",
                markup=False,
            )
            return False
        app.config_watcher.acknowledge(file_stamp(path))  # our own write: no reload
        self.apply(config)
        app.notify(f"{label} runs without asking from now on ([tools] allow).", title="Config")
        return True

    def open_providers_screen(self) -> None:
        from tui_chat.ui.screens.config_editor import ConfigEditorScreen

        app = self.app
        if isinstance(app.screen, ModalScreen):
            return  # finish the dialog first
        if not any(isinstance(s, ConfigEditorScreen) for s in app.screen_stack):
            app.push_screen(ConfigEditorScreen())

    def edit_in_editor(self) -> None:
        """Suspend the app, edit config.toml in $EDITOR, then check and reload it."""
        from tui_chat.services.editor import editor_command  # imported when first used

        app = self.app
        path = app.paths.config_file
        command = editor_command()
        if command is None:
            app.notify(
                f"No editor found: set $EDITOR, or edit {path} yourself (it is reloaded when "
                "saved).",
                title="Open in $EDITOR",
                severity="warning",
            )
            return
        if not path.exists():
            try:
                with open_private(path, exclusive=True) as handle:
                    handle.write(example_config_text())
            except OSError as exc:
                app.notify(f"Cannot create {path}: {exc}", severity="error")
                return
        try:
            with app.suspend():
                subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            app.notify(
                f"This terminal cannot hand over to an editor. Edit {path} yourself: it is "
                "reloaded when saved.",
                title="Open in $EDITOR",
                severity="warning",
            )
            return
        except OSError as exc:
            app.notify(f"Cannot run {command[0]}: {exc}", severity="error")
            return
        self.reload()
