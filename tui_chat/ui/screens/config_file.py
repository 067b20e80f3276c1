"""The app's side of the config file: applying a reloaded or saved config, watching the
file for changes, reloading it, and editing it in $EDITOR. Mixed into TuiChatApp."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported
from textual.screen import ModalScreen

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.watch import file_stamp
from tui_chat.core.atomic import open_private

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


class ConfigFileActions:
    """Config-file actions for TuiChatApp (`self` is the app)."""

    theme: str

    def config_banner(self: TuiChatApp) -> str | None:
        """The line the chat screen shows while the config file has a problem."""
        if self.config_error is None:
            return None
        # What it means first: a long problem may not fit the banner on a narrow terminal.
        if self.config_kept:
            return f"⚠ Config error, still using the last good config: {self.config_error}"
        return f"⚠ Config error, running on built-in defaults until fixed: {self.config_error}"

    def apply_config(self: TuiChatApp, config: Config) -> None:
        """Use `config` from now on (reloaded or saved): providers, banner, status line."""
        self.config = config
        self.config_error = None
        self.config_kept = False
        self.registry.reconfigure(config)
        self.run_worker(
            self.registry.close_retired(self.replies.busy_providers()),
            name="close old providers",
            exit_on_error=False,
        )
        if config.theme and config.theme in self.available_themes:
            self.theme = config.theme
        for warning in config.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=10)
        self._config_changed()

    def _config_failed(self: TuiChatApp, error: ConfigError) -> None:
        """The file on disk has a problem: show it, keep running on the config in use."""
        self.config_error = error
        self.config_kept = True
        self.notify(
            f"{error} — still using the last good config. The file was not changed.",
            title="Config not reloaded",
            severity="error",
            timeout=15,
        )
        self._config_changed()

    def _config_changed(self: TuiChatApp) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "config_changed", None)
            if callable(refresh):
                refresh()

    def poll_config(self: TuiChatApp) -> None:
        """Timer: reload the config when the file changed on disk (a cheap stat otherwise)."""
        result = self.config_watcher.poll()
        if result is None:
            return
        if isinstance(result, ConfigError):
            self._config_failed(result)
        else:
            self.apply_config(result)
            self.notify(f"Config reloaded from {self.paths.config_file}.", title="Config")

    def reload_config(self: TuiChatApp) -> bool:
        """Read the config file again now; False (problem shown) when it cannot be used."""
        path = self.paths.config_file
        self.config_watcher.acknowledge(file_stamp(path))  # stamped before reading
        try:
            config = load_config(path)
        except ConfigError as error:
            self._config_failed(error)
            return False
        self.apply_config(config)
        self.notify(f"Config reloaded from {path}.", title="Config")
        return True

    def action_reload_config(self: TuiChatApp) -> None:
        self.reload_config()

    def action_edit_config(self: TuiChatApp) -> None:
        from tui_chat.ui.screens.config_editor import ConfigEditorScreen

        if isinstance(self.screen, ModalScreen):
            return  # finish the dialog first
        if not any(isinstance(s, ConfigEditorScreen) for s in self.screen_stack):
            self.push_screen(ConfigEditorScreen())

    def editor_command(self: TuiChatApp) -> list[str] | None:
        """$VISUAL or $EDITOR split into words, else vi or nano if installed."""
        for variable in ("VISUAL", "EDITOR"):
            value = os.environ.get(variable, "").strip()
            if value:
                try:
                    return shlex.split(value)
                except ValueError:
                    return [value]
        for fallback in ("vi", "nano"):
            if shutil.which(fallback):
                return [fallback]
        return None

    def action_open_config_in_editor(self: TuiChatApp) -> None:
        """Suspend the app, edit config.toml in $EDITOR, then check and reload it."""
        path = self.paths.config_file
        command = self.editor_command()
        if command is None:
            self.notify(
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
                self.notify(f"Cannot create {path}: {exc}", severity="error")
                return
        try:
            with self.suspend():
                subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            self.notify(
                f"This terminal cannot hand over to an editor. Edit {path} yourself: it is "
                "reloaded when saved.",
                title="Open in $EDITOR",
                severity="warning",
            )
            return
        except OSError as exc:
            self.notify(f"Cannot run {command[0]}: {exc}", severity="error")
            return
        self.reload_config()
