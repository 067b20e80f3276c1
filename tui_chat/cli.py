"""Command line: `tui-chat [--config PATH] [--data-dir PATH] [config path|check|init]`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat import __version__
from tui_chat.config import (
    PLACEHOLDER_KEY,
    Config,
    ConfigError,
    example_config_text,
    load_config,
)
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
    from tui_chat.config_watch import ConfigWatcher
    from tui_chat.providers import ProviderRegistry
    from tui_chat.store import SessionStore

    paths = Paths.resolve(config_file, data_dir)
    # Stamped before reading: a change made while the file is read shows up as a change.
    watcher = ConfigWatcher(paths.config_file)
    config_error: ConfigError | None = None
    try:
        config = load_config(paths.config_file)
    except ConfigError as error:
        config, config_error = Config(path=paths.config_file), error
    store = SessionStore(
        paths.sessions_dir, paths.session_index_file, paths.search_index_file, paths.trash_dir
    )
    registry = ProviderRegistry(config, environ if environ is not None else os.environ, demo_delay)
    return TuiChatApp(paths, config, config_error, store, registry, watcher=watcher)


def _add_location_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument(
        "--config", type=Path, default=default, help="config file (default: the user config dir)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="where sessions are kept (default: the user data dir)",
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="Chat with OpenAI-compatible LLM APIs in the terminal.",
    )
    _add_location_options(parser)
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = commands.add_parser(
        "config", help="show, check or create the config file", description="The config file."
    )
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("path", "print where the config file is"),
        ("check", "validate the config file and say which API keys are found"),
        ("init", "write the example config file there (never over an existing file)"),
    ):
        # The options again, so `tui-chat config check --config X` works too; SUPPRESS keeps
        # a value given before `config` when it is not repeated.
        _add_location_options(
            actions.add_parser(name, help=text, description=text), argparse.SUPPRESS
        )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "config":
        paths = Paths.resolve(args.config, args.data_dir)
        return {"path": config_path, "check": config_check, "init": config_init}[args.action](paths)
    app = build_app(args.config, args.data_dir)
    app.run()
    return app.return_code or 0


def config_path(paths: Paths) -> int:
    """`tui-chat config path`: the config file's path, whether or not it exists."""
    print(paths.config_file)
    return 0


def config_check(paths: Paths, environ: Mapping[str, str] | None = None) -> int:
    """`tui-chat config check`: 0 when the app can use the file (warnings are printed but
    do not fail), 1 with `file:line: problem` when it cannot. Key commands are run, as
    finding out whether they work is the point; keys are shown masked."""
    try:
        config = load_config(paths.config_file)
    except ConfigError as error:
        print(f"{error}", file=sys.stderr)
        print(
            "The app would show this problem and run on the built-in presets; "
            "the file is not changed.",
            file=sys.stderr,
        )
        return 1
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    count = len(config.providers)
    where = paths.config_file if config.exists else "the built-in presets"
    print(
        f"OK: {count} provider{'s' if count != 1 else ''} "
        f"(default: {config.default_provider}) from {where}"
    )
    if not config.exists:
        print(f"No file at {paths.config_file}; `tui-chat config init` writes an example there.")
    width = max(len(name) for name in config.providers)
    for name, provider in config.providers.items():
        lookup = provider.lookup_key(environ)
        if lookup.key == PLACEHOLDER_KEY:
            state = "no key needed"
        elif lookup.found:
            state = f"key found in {lookup.source}: {lookup.masked}"
        else:
            state = f"no key: {lookup.problem}"
        print(f"  {name:<{width}}  {state}")
    return 0


def config_init(paths: Paths) -> int:
    """`tui-chat config init`: write the example config where the config belongs, readable
    by the owner only, never over an existing file."""
    target = paths.config_file
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"Cannot create {target.parent}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        # O_EXCL: an existing file (or a link to one) is never replaced, even in a race.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"{target} already exists; it was not changed.", file=sys.stderr)
        print("Check it with `tui-chat config check`.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Cannot create {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(example_config_text())
    print(f"Wrote {target}")
    print("Set default_provider and that provider's key variable, then run tui-chat.")
    return 0
