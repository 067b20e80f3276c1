"""`tui-chat mcp import FILE [--force]` and `tui-chat mcp list`.

`import` takes the servers of a Claude-Desktop style JSON file into the config as
`[mcp_servers.NAME]` tables, as written there (`${VAR}` stays for the start to expand).
`list` starts every enabled server the way the app does (their stderr goes to the app's
log file, not the terminal) and says which work and what tools they offer: the way to
check a server before a model tries to use it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.paths import Paths
from tui_chat.core.sanitize import one_line, single_line

LOGGER_NAME = "tui_chat.mcp"


def add_mcp_parser(
    commands: Any, add_location_options: Callable[[argparse.ArgumentParser, object], None]
) -> None:
    """The `mcp` command and its actions, on the CLI's subparsers."""
    mcp = commands.add_parser(
        "mcp",
        help="import or check MCP servers (tools from other programs)",
        description="MCP servers: the [mcp_servers.NAME] tables of the config.",
    )
    actions = mcp.add_subparsers(dest="action", metavar="ACTION", required=True)
    text = 'add the servers of a Claude-Desktop style JSON file ({"mcpServers": ...})'
    imports = actions.add_parser("import", help=text, description=text)
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument(
        "--force", action="store_true", help="replace servers of the same name in the config"
    )
    add_location_options(imports, argparse.SUPPRESS)
    text = "start each enabled server and list its tools (exit 1 if one fails)"
    add_location_options(actions.add_parser("list", help=text, description=text), argparse.SUPPRESS)


def run_mcp(args: argparse.Namespace, paths: Paths) -> int:
    if args.action == "import":
        return mcp_import(paths.config_file, args.file, force=args.force)
    from tui_chat.config.parse import load_config

    try:
        config = load_config(paths.config_file)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    return mcp_list(config, paths.log_file)


def mcp_import(config_file: Path, file: Path, force: bool = False) -> int:
    """Write the file's servers into the config; names already there are left alone unless
    `force`. 1 when the file cannot be used or nothing was added."""
    from tui_chat.config.mcp_writer import add_mcp_servers
    from tui_chat.tools.mcp_config import ServersFileError, servers_from_json

    source = file.expanduser()
    try:
        found = servers_from_json(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Cannot read {source}: {exc}", file=sys.stderr)
        return 1
    except ServersFileError as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return 1
    for problem in found.problems:
        print(f"skipped {one_line(problem, 200)}", file=sys.stderr)
    existing = _configured_names(config_file)
    if existing is None:
        return 1
    chosen = []
    for server in found.servers:
        if server.name in existing and not force:
            print(
                f"skipped {server.name}: already in the config (--force replaces it)",
                file=sys.stderr,
            )
        else:
            chosen.append(server)
    if not chosen:
        print(f"Nothing added to {config_file}.", file=sys.stderr)
        return 1
    try:
        add_mcp_servers(config_file, chosen)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    for server in chosen:
        verb = "replaced" if server.name in existing else "added"
        where = server.url or " ".join([server.command or "", *server.args])
        print(f"{verb} {server.name}: {one_line(where, 120)}")
    print(f"in {config_file}; `tui-chat mcp list` starts them and lists their tools.")
    return 0


def _configured_names(config_file: Path) -> Mapping[str, object] | None:
    """The `[mcp_servers]` tables the file has now (read as TOML: their names are what
    matters, whether or not the rest of the file is valid config)."""
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        print(f"{config_file}: cannot be read as TOML ({exc}); fix it first", file=sys.stderr)
        return None
    servers = data.get("mcp_servers", {})
    return servers if isinstance(servers, dict) else {}


def mcp_list(config: Config, log_file: Path, environ: Mapping[str, str] | None = None) -> int:
    """Start every enabled server, print `NAME  ready  3 tools` and a line per tool (or the
    reason it failed), stop them. 1 if any failed."""
    import asyncio

    if not config.mcp_servers:
        print(
            f"No MCP servers in {config.path} (add [mcp_servers.NAME] tables, or run "
            "`tui-chat mcp import FILE`)."
        )
        return 0
    from tui_chat.services.error_log import close_server_log, server_log

    log = server_log(log_file)
    try:
        return asyncio.run(_list(config, log, environ))
    finally:
        close_server_log(log)


async def _list(config: Config, log: logging.Logger, environ: Mapping[str, str] | None) -> int:
    from tui_chat.tools.mcp_manager import McpManager

    manager = McpManager(config.mcp_servers, log, environ)
    enabled = [name for name, server in config.mcp_servers.items() if server.enabled]
    try:
        await manager.ensure(enabled)
        failed = False
        width = max(len(name) for name in config.mcp_servers)
        for state in manager.states():
            server = config.mcp_servers[state.name]
            if not server.enabled:
                print(f"{state.name:<{width}}  off  (enabled = false)")
                continue
            if state.state != "ready":
                failed = True
                print(f"{state.name:<{width}}  {state.state}  {one_line(state.problem or '', 300)}")
                continue
            count = f"{state.tool_count} tool{'s' if state.tool_count != 1 else ''}"
            print(f"{state.name:<{width}}  ready  {count}")
            for tool in manager.tools(state.name):
                about = one_line(tool.spec.description, 80)
                print(f"  {single_line(tool.spec.label)}  {about}".rstrip())
    finally:
        await manager.stop_all()
    return 1 if failed else 0
