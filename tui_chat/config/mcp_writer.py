"""`tui-chat mcp import`: `[mcp_servers.NAME]` tables written into the config file, with
the same backup, atomic write and private mode as every other config edit
(tui_chat.config.writer)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomli_w

from tui_chat.config.model import ConfigError
from tui_chat.config.tools_config import McpServerConfig
from tui_chat.config.tools_writer import mcp_server_table
from tui_chat.config.writer import HEADER, replace_file
from tui_chat.core.atomic import private_dir


def add_mcp_servers(path: Path, servers: Sequence[McpServerConfig]) -> None:
    """Write `servers` as `[mcp_servers.NAME]` tables into the config file at `path`,
    replacing tables of the same names (the caller asks before it replaces one).

    New names are appended to the file as text, so a hand-written file keeps its comments
    and layout; replacing a table rewrites the file (comments are lost, the old file is kept
    as `.bak`). Either way the result must read back with exactly these tables, the file
    is replaced atomically with mode 0o600 (tables may hold keys), and a file that is not
    valid TOML is never touched: ConfigError."""
    target = Path(os.path.realpath(path))
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"is not valid TOML ({exc}); fix it first") from None
    tables = {server.name: mcp_server_table(server) for server in servers}
    existing = data.get("mcp_servers", {})
    if not isinstance(existing, dict):
        raise ConfigError(path, "mcp_servers is not a table; fix it first")

    new_text = _appended(text, tables) if not set(tables) & set(existing) else None
    if new_text is None or not _holds(new_text, tables):
        data["mcp_servers"] = {**existing, **tables}
        new_text = HEADER + tomli_w.dumps(data, multiline_strings=True)
        if not _holds(new_text, tables):
            raise ConfigError(path, "the MCP servers would not read back the same; not saved")
    try:
        private_dir(target.parent)
    except OSError as exc:
        raise ConfigError(path, f"cannot write the file: {exc}") from None
    replace_file(target, text or None, new_text, path)


def _appended(text: str, tables: dict[str, dict[str, Any]]) -> str:
    added = tomli_w.dumps({"mcp_servers": tables}, multiline_strings=True)
    if not text:
        return HEADER + added
    return text.rstrip("\n") + "\n\n" + added


def _holds(text: str, tables: dict[str, dict[str, Any]]) -> bool:
    """`text` is valid TOML whose `[mcp_servers]` has each of `tables` exactly."""
    try:
        written = tomllib.loads(text).get("mcp_servers", {})
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(written, dict) and all(written.get(n) == t for n, t in tables.items())
