"""MCP server entries from elsewhere, and `${VAR}` expansion.

- `servers_from_json`: the `{"mcpServers": {...}}` file Claude Desktop, Cursor and oterm
  use, as McpServerConfig values for `tui-chat mcp import` (written as TOML tables as they
  are: `${VAR}` stays unexpanded, so a key kept in the environment stays there).
- `expanded`: a server's table with `${VAR}` / `${VAR:-default}` filled in from the
  environment, when the server starts. A missing variable is a clear one-line problem
  naming it, not an empty string passed on (which would fail later, obscurely).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui_chat.config.tools_config import McpServerConfig

SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A server name names a TOML table and starts every wire name and label of its tools."""
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_HTTP_TYPES = ("http", "streamable-http", "streamable_http", "streamableHttp")


class MissingVariable(ValueError):
    """A `${VAR}` without a default whose variable is not set."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        super().__init__(f"the environment variable {variable} is not set")


def expand(text: str, environ: Mapping[str, str]) -> str:
    """`text` with `${VAR}` and `${VAR:-default}` replaced (the default also when VAR is
    empty, as in the shell); MissingVariable for an unset `${VAR}`."""

    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = environ.get(name)
        if found:
            return found
        if default is not None:
            return default
        if found is not None:
            return found
        raise MissingVariable(name)

    return _VARIABLE.sub(value, text)


def expanded(server: McpServerConfig, environ: Mapping[str, str]) -> McpServerConfig:
    """The server's table with every `${VAR}` in command, args, env, cwd, url and headers
    filled in; MissingVariable names the first one that is not set."""

    def one(text: str | None) -> str | None:
        return None if text is None else expand(text, environ)

    return dataclasses.replace(
        server,
        command=one(server.command),
        args=tuple(expand(arg, environ) for arg in server.args),
        env={key: expand(value, environ) for key, value in server.env.items()},
        cwd=one(server.cwd),
        url=one(server.url),
        headers={key: expand(value, environ) for key, value in server.headers.items()},
    )


@dataclass(frozen=True)
class ServersFile:
    """What a JSON file of servers gave: the entries that can be used, and one line for
    each that cannot."""

    servers: list[McpServerConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class ServersFileError(ValueError):
    """The file is not a `{"mcpServers": {...}}` JSON object at all."""


def servers_from_json(text: str) -> ServersFile:
    """The servers of a Claude-Desktop style file: `{"mcpServers": {NAME: {command, args,
    env, cwd} | {url, headers, type}}}`. A top-level object of entries without the
    `mcpServers` key (as some tools write) is taken too."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ServersFileError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ServersFileError('not a JSON object with "mcpServers"')
    entries = data.get("mcpServers", data)
    if not isinstance(entries, dict):
        raise ServersFileError('"mcpServers" is not an object of servers')
    result = ServersFile()
    for name, entry in entries.items():
        try:
            result.servers.append(server_from_entry(str(name), entry))
        except ValueError as exc:
            result.problems.append(f"{name}: {exc}")
    return result


def server_from_entry(name: str, entry: Any) -> McpServerConfig:
    """One entry; ValueError (one line, for the user) when it cannot be used."""
    if not SERVER_NAME.fullmatch(name):
        raise ValueError(
            "a server name uses only letters, digits, '-' and '_' (at most 64); "
            "rename it in the file"
        )
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    command, url = entry.get("command"), entry.get("url")
    kind = entry.get("type", entry.get("transport"))
    enabled = not bool(entry.get("disabled", False))
    if url is not None:
        if not isinstance(url, str) or not url.strip():
            raise ValueError('"url" is not a text')
        if url.startswith(("ws://", "wss://")):
            raise ValueError(f"WebSocket servers ({url}) are not supported; use streamable HTTP")
        if not url.startswith(("http://", "https://", "${")):
            raise ValueError(f'"url" must start with http:// or https:// (got {url})')
        if kind is not None and kind not in _HTTP_TYPES:
            raise ValueError(
                f'transport "{kind}" is not supported; only streamable HTTP ("type": "http")'
            )
        return McpServerConfig(
            name=name, url=url, headers=_text_map(entry, "headers"), enabled=enabled
        )
    if not isinstance(command, str) or not command.strip():
        raise ValueError('needs "command" (a program to run) or "url"')
    args = entry.get("args", [])
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        raise ValueError('"args" is not a list of texts')
    cwd = entry.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ValueError('"cwd" is not a text')
    return McpServerConfig(
        name=name,
        command=command,
        args=tuple(args),
        env=_text_map(entry, "env"),
        cwd=cwd,
        enabled=enabled,
    )


def _text_map(entry: dict[str, Any], key: str) -> dict[str, str]:
    value = entry.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f'"{key}" is not an object of texts')
    return dict(value)
