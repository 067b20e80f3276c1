"""Saving the config from the app: the one path the providers screen and "Save as
defaults" share, asking first when saving would lose something the user may want."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.watch import FileStamp
from tui_chat.config.writer import SaveRefused, backup_path, hand_written_notice, save_config
from tui_chat.core.sentences import as_sentence
from tui_chat.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


async def save_config_interactive(
    app: TuiChatApp, config: Config, expected: FileStamp | None
) -> bool:
    """Save `config` to its file, asking first when that would lose a hand-written file's
    comments or replace a file that changed or broke on disk; then use it. Run in a worker
    (it waits for the user's answers). True when saved."""
    path = config.path
    if app.config_error is None:  # a broken file gets its own question below
        notice = hand_written_notice(path)
        if notice is not None:
            question = f"{notice}\n\nSave anyway?"
            if not await app.push_screen_wait(ConfirmScreen(question, "Save", "Cancel")):
                return False
    had_file = path.exists()
    force = False
    while True:
        try:
            saved = save_config(config, expected=expected, force=force)
            break
        except SaveRefused as refused:
            if force:  # cannot happen: force skips the checks that refuse
                app.notify(str(refused), title="Not saved", severity="error")
                return False
            question = (
                as_sentence(f"Not saved yet: {refused.problem}")
                + "\n\nReplace the file on disk with these settings?"
            )
            if not await app.push_screen_wait(ConfirmScreen(question, "Replace it", "Cancel")):
                return False
            force = True
        except ConfigError as error:
            app.notify(str(error), title="Not saved", severity="error", timeout=12)
            return False
    app.config_watcher.acknowledge(saved.stamp)
    app.config_file.apply(saved.config)
    kept = f"; the previous file is kept as {backup_path(path).name}" if had_file else ""
    app.notify(f"Saved {path}{kept}.", title="Config saved")
    return True
