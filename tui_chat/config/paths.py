"""Every location tui-chat reads or writes. Nothing else computes paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "tui-chat"


def default_config_path() -> Path:
    """`<user config dir>/config.toml`; XDG_CONFIG_HOME moves it on Linux."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def default_data_dir() -> Path:
    """The user data dir; XDG_DATA_HOME moves it on Linux."""
    return platformdirs.user_data_path(APP_NAME)


def default_log_dir() -> Path:
    """The user log dir (Linux: `~/.local/state/tui-chat/log`; XDG_STATE_HOME moves it)."""
    return platformdirs.user_log_path(APP_NAME)


@dataclass(frozen=True)
class Paths:
    """Where this run of the app keeps its config and data."""

    config_file: Path
    data_dir: Path
    log_dir: Path | None = None
    """Where the error log goes; None: `logs/` in the data dir."""

    @classmethod
    def resolve(cls, config_file: Path | None = None, data_dir: Path | None = None) -> Paths:
        """The defaults for what is not given. A `--data-dir` keeps the log in it too, so a
        run on other data (and every test) leaves nothing in the user's own folders."""
        return cls(
            config_file=(config_file or default_config_path()).expanduser(),
            data_dir=(data_dir or default_data_dir()).expanduser(),
            log_dir=None if data_dir else default_log_dir(),
        )

    @property
    def sessions_dir(self) -> Path:
        return self.data_dir / "sessions"

    @property
    def session_index_file(self) -> Path:
        return self.data_dir / "session-index.json"

    @property
    def trash_dir(self) -> Path:
        """Deleted sessions, restorable for a while (see `tui_chat.core.store.trash`)."""
        return self.data_dir / "trash"

    @property
    def search_index_file(self) -> Path:
        """The text of every session's messages, for search (see `tui_chat.core.search`)."""
        return self.data_dir / "search-index.jsonl"

    @property
    def models_cache_file(self) -> Path:
        """Model lists fetched from providers (`GET /models`), by provider and base URL."""
        return self.data_dir / "models-cache.json"

    @property
    def log_file(self) -> Path:
        """Tracebacks of unexpected errors (see `tui_chat.services.error_log`)."""
        return (self.log_dir or self.data_dir / "logs") / "tui-chat.log"
