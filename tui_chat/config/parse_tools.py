"""Reading `[tools]` and the `[mcp_servers.NAME]` tables, each problem named at the line of
its key (as tui_chat.config.parse_provider does for providers); used by
tui_chat.config.parse.

A mistake in a value is an error (the file is refused, as for providers: a server that
would start with the wrong command is worse than none); an unknown key is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from tui_chat.config.lines import LineIndex, Problem
from tui_chat.config.tools_config import (
    BUILTIN_TOOLS,
    DEFAULT_MAX_ROUNDS,
    McpServerConfig,
    ToolsConfig,
)
from tui_chat.core.sanitize import single_line

MAX_ROUNDS_LIMIT = 100
SERVER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A server's name is part of its tools' wire names (`NAME__tool`) and labels (`NAME.tool`):
no dots, nothing a provider refuses in a function name."""
_TOOLS_KEYS = {
    "max_rounds",
    "allow",
    "run_shell",
    "read_file_max_bytes",
    "fetch_max_bytes",
    "fetch_timeout",
    "shell_timeout",
}
_SIZE_KEYS = ("read_file_max_bytes", "fetch_max_bytes")
_SECONDS_KEYS = ("fetch_timeout", "shell_timeout")
_SERVER_KEYS = {
    "command",
    "args",
    "env",
    "cwd",
    "url",
    "headers",
    "enabled",
    "allow",
    "deny",
    "timeout",
    "startup_timeout",
}

Fail = Callable[[str, str], None]


def parse_tools(raw: Any, index: LineIndex, problems: list[Problem]) -> ToolsConfig:
    """`[tools]`; the built-in values when it has errors (added to `problems`)."""
    if raw is None:
        return ToolsConfig()
    at = partial(index.line, "tools")
    if not isinstance(raw, dict):
        problems.append(Problem("'tools' must be a table ([tools])", at()))
        return ToolsConfig()
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"[tools] {problem}", at(key)))

    for key in raw:
        if key not in _TOOLS_KEYS:
            found.append(Problem(f"unknown key '{key}' in [tools] (ignored)", at(key), True))
    values: dict[str, Any] = {}
    rounds = raw.get("max_rounds", DEFAULT_MAX_ROUNDS)
    if not _is_int(rounds) or not 1 <= rounds <= MAX_ROUNDS_LIMIT:
        fail("max_rounds", f"max_rounds must be a whole number from 1 to {MAX_ROUNDS_LIMIT}")
    else:
        values["max_rounds"] = rounds
    allow = _names(raw.get("allow", []), "allow", "tool labels", fail)
    if "run_shell" in allow:
        found.append(
            Problem(
                "[tools] allow names run_shell, which always asks: it is left out",
                at("allow"),
                True,
            )
        )
    values["allow"] = tuple(name for name in allow if name != "run_shell")
    run_shell = raw.get("run_shell", False)
    if not isinstance(run_shell, bool):
        fail("run_shell", "run_shell must be true or false")
    else:
        values["run_shell"] = run_shell
    for key in _SIZE_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if not _is_int(value) or value <= 0:
            fail(key, f"{key} must be a positive whole number of bytes")
        else:
            values[key] = value
    values.update(_positive_seconds(raw, _SECONDS_KEYS, fail))
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return ToolsConfig()
    return ToolsConfig(**values)


def parse_mcp_servers(
    raw: Any, index: LineIndex, problems: list[Problem]
) -> dict[str, McpServerConfig]:
    """The `[mcp_servers.NAME]` tables; a table with errors is left out (and named in
    `problems`)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            Problem("'mcp_servers' must hold tables: [mcp_servers.NAME]", index.line("mcp_servers"))
        )
        return {}
    servers: dict[str, McpServerConfig] = {}
    for name, table in raw.items():
        server = parse_mcp_server(name, table, index, problems)
        if server is not None:
            servers[name] = server
    return servers


def parse_mcp_server(
    name: str, table: Any, index: LineIndex, problems: list[Problem]
) -> McpServerConfig | None:
    """One `[mcp_servers.NAME]` table; None when it has errors (added to `problems`)."""
    header = f"[mcp_servers.{name}]"
    at = partial(index.line, "mcp_servers", name)
    if not isinstance(table, dict):
        problems.append(Problem(f"{header} must be a table", at()))
        return None
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"{header} {problem}", at(key) if key else at()))

    if not SERVER_NAME.fullmatch(name):
        found.append(
            Problem(
                f"{header}: a server's name uses only letters, digits, '-' and '_' (at most "
                "64; its tools are called NAME.tool)",
                at(),
            )
        )
    for key in table:
        if key not in _SERVER_KEYS:
            found.append(Problem(f"unknown key '{key}' in {header} (ignored)", at(key), True))
    command = _text(table, "command", fail)
    url = _text(table, "url", fail)
    if "command" in table and "url" in table:
        fail("url", "has both command and url: a server is started (command) or reached (url)")
    elif "command" not in table and "url" not in table:
        fail("", 'needs command = "..." (a stdio server) or url = "https://..." (HTTP)')
    if url is not None and url.lower().startswith(("ws://", "wss://")):
        fail(
            "url", "url: WebSocket servers (ws://) are not supported; use the server's http(s) URL"
        )
    elif url is not None and not url.lower().startswith(("http://", "https://")):
        fail("url", "url must start with http:// or https://")
    args = _names(table.get("args", []), "args", "arguments (strings)", fail, empty_ok=True)
    env = _string_table(table.get("env", {}), "env", fail)
    headers = _string_table(table.get("headers", {}), "headers", fail)
    cwd = _text(table, "cwd", fail)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        fail("enabled", "enabled must be true or false")
    allow = _names(table.get("allow", []), "allow", "tool names", fail)
    deny = _names(table.get("deny", []), "deny", "tool names", fail)
    seconds = _positive_seconds(table, ("timeout", "startup_timeout"), fail)
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return None
    return McpServerConfig(
        name=name,
        command=command,
        args=args,
        env=env,
        cwd=cwd,
        url=url,
        headers=headers,
        enabled=bool(enabled),
        allow=allow,
        deny=deny,
        **seconds,
    )


def check_tool_names(
    names: tuple[str, ...] | None,
    tools: ToolsConfig,
    servers: Mapping[str, McpServerConfig],
    line: int | None,
    problems: list[Problem],
) -> None:
    """Warn about `[defaults] tools` names that name nothing in this config (a session
    skips them, with a notice, when it sends)."""
    for name in names or ():
        problem = tool_name_problem(name, tools, servers)
        if problem is not None:
            problems.append(Problem(f"[defaults] tools: {problem} (skipped)", line, True))


def tool_name_problem(
    name: str, tools: ToolsConfig, servers: Mapping[str, McpServerConfig]
) -> str | None:
    """Why `name` is not a tool a session can offer with this config (a built-in name,
    `mcp:NAME` or `NAME.tool` of a configured server); None when it is."""
    if name in BUILTIN_TOOLS:
        if name == "run_shell" and not tools.run_shell:
            return "run_shell is off: set run_shell = true in [tools] to offer it"
        return None
    server = name[4:] if name.startswith("mcp:") else name.partition(".")[0]
    is_server_name = name.startswith("mcp:") or ("." in name and name.partition(".")[2])
    if is_server_name and server in servers:
        return None
    if is_server_name:
        known = ", ".join(servers) or "none are configured"
        return f"'{name}' names no MCP server in [mcp_servers] ({known})"
    return (
        f"'{name}' is not a tool: built-ins are {', '.join(BUILTIN_TOOLS)}; "
        "MCP servers are named mcp:NAME or NAME.tool"
    )


# -- values --------------------------------------------------------------------------------


def _text(table: Mapping[str, Any], key: str, fail: Fail) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        fail(key, f"{key} must be a non-empty string")
        return None
    return value.strip()


def _names(
    value: Any, key: str, what: str, fail: Fail, *, empty_ok: bool = False
) -> tuple[str, ...]:
    if isinstance(value, list) and all(
        isinstance(item, str) and (empty_ok or item.strip()) for item in value
    ):
        if empty_ok:
            return tuple(value)
        return tuple(dict.fromkeys(single_line(item).strip() for item in value))
    fail(key, f"{key} must be a list of {what}")
    return ()


def _string_table(value: Any, key: str, fail: Fail) -> dict[str, str]:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    fail(key, f'{key} must be a table of strings: {key} = {{ NAME = "value" }}')
    return {}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_seconds(
    table: Mapping[str, Any], keys: Iterable[str], fail: Fail
) -> dict[str, float]:
    """The `keys` of `table` that hold a positive number of seconds; `fail` for the rest."""
    seconds: dict[str, float] = {}
    for key in keys:
        value = table.get(key)
        if value is None:
            continue
        if not _is_number(value) or value <= 0:
            fail(key, f"{key} must be a positive number of seconds")
        else:
            seconds[key] = float(value)
    return seconds
