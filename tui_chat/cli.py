"""Command line: `tui-chat [--config PATH] [--data-dir PATH]`."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat import __version__
from tui_chat.config import Config, ConfigError, load_config
from tui_chat.paths import Paths

if TYPE_CHECKING:
    from tui_chat.app import TuiChatApp


def build_app(
    config_file: Path | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    demo_delay: float = 0.02,
) -> TuiChatApp:
    """The app with its config, store and providers; used by the CLI and the tests alike."""
    from tui_chat.app import TuiChatApp
    from tui_chat.providers import ProviderRegistry
    from tui_chat.store import SessionStore

    paths = Paths.resolve(config_file, data_dir)
    config_error: ConfigError | None = None
    try:
        config = load_config(paths.config_file)
    except ConfigError as error:
        config, config_error = Config(path=paths.config_file), error
    store = SessionStore(paths.sessions_dir, paths.session_index_file)
    registry = ProviderRegistry(config, environ if environ is not None else os.environ, demo_delay)
    return TuiChatApp(paths, config, config_error, store, registry)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="Chat with OpenAI-compatible LLM APIs in the terminal.",
    )
    parser.add_argument("--config", type=Path, help="config file (default: the user config dir)")
    parser.add_argument(
        "--data-dir", type=Path, help="where sessions are kept (default: the user data dir)"
    )
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    app = build_app(args.config, args.data_dir)
    app.run()
    return app.return_code or 0
