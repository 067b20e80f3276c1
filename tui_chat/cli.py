"""Command line: `tui-chat [--config PATH] [--data-dir PATH] [config path|check|init]`,
`tui-chat export ID [--format md|json] [-o FILE]`, `tui-chat import FILE`,
`tui-chat mcp import FILE [--force]|list` (tui_chat.cli_mcp)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat import __version__
from tui_chat.cli_mcp import add_mcp_parser, run_mcp
from tui_chat.config.lines import LineIndex, Problem, in_line_order
from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.paths import Paths
from tui_chat.config.provider import PLACEHOLDER_KEY

if TYPE_CHECKING:
    from tui_chat.core.store.session_store import SessionStore
    from tui_chat.ui.app import TuiChatApp


def build_app(
    config_file: Path | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    demo_delay: float = 0.02,
) -> TuiChatApp:
    """The app with its config, store and providers; used by the CLI and the tests alike."""
    from tui_chat.config.watch import ConfigWatcher
    from tui_chat.core.store.session_store import SessionStore
    from tui_chat.providers import ProviderRegistry
    from tui_chat.ui.app import TuiChatApp

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
    export = commands.add_parser(
        "export",
        help="write a session as Markdown or JSON",
        description="Write a session as Markdown or JSON (to stdout unless -o is given).",
    )
    export.add_argument("session_id", metavar="ID", help="the session id, or a unique prefix")
    export.add_argument("--format", "-f", choices=("md", "json"), default="md")
    export.add_argument("-o", "--output", type=Path, help="the file to write (default: stdout)")
    export.add_argument(
        "--no-reasoning", action="store_true", help="Markdown: leave out the reasoning"
    )
    _add_location_options(export, argparse.SUPPRESS)
    imports = commands.add_parser(
        "import",
        help="import a ChatGPT export (conversations.json)",
        description="Import the conversations of a ChatGPT data export (conversations.json).",
    )
    imports.add_argument("file", type=Path, metavar="FILE")
    _add_location_options(imports, argparse.SUPPRESS)
    add_mcp_parser(commands, _add_location_options)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command is not None:
        try:
            return run_command(args)
        except BrokenPipeError:
            # `tui-chat config check | head`: the reader has gone; end quietly, and keep
            # the interpreter's last flush of stdout from printing a traceback.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
    from tui_chat.services.gc_pacing import pause_gc, resume_gc

    pause_gc()  # resumed once the first screen is up and warmed up (tui_chat.services.gc_pacing)
    try:
        app = build_app(args.config, args.data_dir)
        # Before the screen starts: once Textual runs, its input thread owns stdin.
        from tui_chat.services.terminal_graphics import detect_graphics

        app.graphics = detect_graphics(
            app.config.images.display, os.environ, sys.stdin, sys.stdout
        )
        app.run()
    finally:
        resume_gc()
    return app.return_code or 0


def run_command(args: argparse.Namespace) -> int:
    """`config`, `export`, `import` or `mcp`."""
    if args.command == "config":
        paths = Paths.resolve(args.config, args.data_dir)
        if args.action == "check":
            return config_check(paths, explicit=args.config is not None)
        return {"path": config_path, "init": config_init}[args.action](paths)
    if args.command == "export":
        return export_session(
            Paths.resolve(args.config, args.data_dir),
            args.session_id,
            args.format,
            args.output,
            not args.no_reasoning,
        )
    if args.command == "mcp":
        return run_mcp(args, Paths.resolve(args.config, args.data_dir))
    return import_chatgpt(Paths.resolve(args.config, args.data_dir), args.file)


def config_path(paths: Paths) -> int:
    """`tui-chat config path`: the config file's path, whether or not it exists."""
    print(paths.config_file)
    return 0


def config_check(
    paths: Paths, environ: Mapping[str, str] | None = None, explicit: bool = False
) -> int:
    """`tui-chat config check`: 0 when the app can use the file (warnings are printed but
    do not fail), 1 with every `file:line: problem` (in line order) when it cannot, or when
    the file named by `--config` (`explicit`) does not exist. Key commands are run, as
    finding out whether they work is the point; keys are shown masked."""
    path = paths.config_file
    if explicit and not path.exists():
        print(
            f"{path}: no such file (`tui-chat config init --config {path}` writes one)",
            file=sys.stderr,
        )
        return 1
    error: ConfigError | None = None
    try:
        config = load_config(path)
        problems, keymap = list(config.problems), config.keymap
    except ConfigError as exc:
        error, problems, keymap = exc, list(exc.problems), _written_keymap(path)
    problems += _keymap_problems(path, keymap)
    for problem in in_line_order(problems):
        said = problem.located(path)
        print(f"warning: {said}" if problem.warning else said, file=sys.stderr)
    if error is not None:
        print(
            "The app would show the first problem and run on the built-in presets; "
            "the file is not changed.",
            file=sys.stderr,
        )
        return 1
    count = len(config.providers)
    where = path if config.exists else "the built-in presets"
    print(
        f"OK: {count} provider{'s' if count != 1 else ''} "
        f"(default: {config.default_provider}) from {where}"
    )
    if not config.exists:
        print(f"No file at {path}; `tui-chat config init` writes an example there.")
    width = max(len(name) for name in config.providers)
    for name, provider in config.providers.items():
        lookup = provider.lookup_key(environ, hidden_env=config.key_variables())
        if lookup.key == PLACEHOLDER_KEY:
            state = "no key needed"
        elif lookup.found:
            state = f"key found in {lookup.source}: {lookup.masked}"
        else:
            state = f"no key: {lookup.problem}"
        if provider.image_model:
            state += f"; /image: {provider.image_model} ({provider.image_api_name} API)"
        print(f"  {name:<{width}}  {state}")
    return 0


def _written_keymap(path: Path) -> dict[str, str]:
    """The `[keymap]` of a file that has other problems, so they are checked too."""
    import tomllib

    from tui_chat.config.keymap import parse_keymap

    try:
        return parse_keymap(tomllib.loads(path.read_text(encoding="utf-8")).get("keymap", {}))[0]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _keymap_problems(path: Path, keymap: Mapping[str, str]) -> list[Problem]:
    """Ids no binding has and keys two bindings share, as the app says them at start."""
    if not keymap:
        return []  # no need to load the UI
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.keymap_report import keymap_in_force
    from tui_chat.ui.screens.keys import merged_bindings

    _in_force, problems = keymap_in_force(keymap, merged_bindings(TuiChatApp))
    try:
        index = LineIndex(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        index = LineIndex("")
    return [Problem(text, index.line("keymap", binding_id), True) for binding_id, text in problems]


def config_init(paths: Paths) -> int:
    """`tui-chat config init`: write the example config where the config belongs, readable
    by the owner only, never over an existing file."""
    from tui_chat.core.atomic import open_private, private_dir

    target = paths.config_file
    try:
        private_dir(target.parent)
    except OSError as exc:
        print(f"Cannot create {target.parent}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        # O_EXCL: an existing file (or a link to one) is never replaced, even in a race.
        handle = open_private(target, exclusive=True)
    except FileExistsError:
        print(f"{target} already exists; it was not changed.", file=sys.stderr)
        print("Check it with `tui-chat config check`.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Cannot create {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    with handle:
        handle.write(example_config_text())
    print(f"Wrote {target}")
    print("Set default_provider and that provider's key variable, then run tui-chat.")
    return 0


def _store(paths: Paths) -> SessionStore:
    from tui_chat.core.store.session_store import SessionStore

    return SessionStore(
        paths.sessions_dir, paths.session_index_file, paths.search_index_file, paths.trash_dir
    )


def export_session(
    paths: Paths, session_id: str, fmt: str, output: Path | None, reasoning: bool = True
) -> int:
    """`tui-chat export ID`: the session (id or unique prefix) as Markdown or JSON."""
    from tui_chat.core.atomic import write_atomic
    from tui_chat.core.export import render
    from tui_chat.core.session import Session
    from tui_chat.core.store.files import SessionIdError
    from tui_chat.core.store.session_store import SessionLoadError

    store = _store(paths)
    try:
        full_id = store.resolve_id(session_id)
        data = store.load_raw(full_id)
        session = Session.from_dict(data)
    except SessionIdError as problem:
        print(f"{problem} (sessions are in {paths.sessions_dir})", file=sys.stderr)
        return 1
    except SessionLoadError as problem:
        print(f"{problem.path}: {problem.problem}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        print(f"{store.path_for(session_id)}: not a tui-chat session ({exc})", file=sys.stderr)
        return 1
    try:
        config: Config | None = load_config(paths.config_file)
    except ConfigError:
        config = None  # the export works without; only the cost line needs the prices
    text = render(session, data, fmt, reasoning, config, paths.data_dir)
    if output is None:
        sys.stdout.write(text)
        return 0
    target = output.expanduser()
    try:
        write_atomic(target, text)
    except OSError as exc:
        print(f"Cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {target}", file=sys.stderr)
    return 0


def import_chatgpt(paths: Paths, file: Path) -> int:
    """`tui-chat import FILE`: import a ChatGPT conversations.json; 1 when the file cannot be
    read at all (a conversation that cannot be read is reported, the rest imported)."""
    from tui_chat.core.import_chatgpt import ImportFileError, import_file

    try:
        config = load_config(paths.config_file)
        provider = config.default_provider
        provider_config = config.provider(provider)
        model = provider_config.model if provider_config is not None else ""
    except ConfigError:
        provider, model = "", ""
    store = _store(paths)
    try:
        result = import_file(file.expanduser(), store, provider or "", model or "")
    except ImportFileError as problem:
        print(problem, file=sys.stderr)
        return 1
    finally:
        store.close()
    for line in result.summary_lines():
        print(line)
    return 0
