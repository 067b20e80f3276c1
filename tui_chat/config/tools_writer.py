"""Writing `[tools]` and `[mcp_servers.NAME]`: as tables of a whole config
(tui_chat.config.writer.config_to_toml), and "always allow this tool" as a small edit of
the file's text, so a hand-written config keeps its comments and layout.

No import of tui_chat.config.writer here (it imports this module); the saving itself
(backup, atomic write, private mode) is `writer.allow_tool_always`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import tomli_w

from tui_chat.config.lines import bare_line
from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import parse_config
from tui_chat.config.tools_config import McpServerConfig, ToolsConfig
from tui_chat.core.sanitize import single_line

_DEFAULT_TOOLS = ToolsConfig()
_DEFAULT_SERVER = McpServerConfig(name="")


def tools_tables(config: Config) -> dict[str, Any]:
    """`tools` and `mcp_servers` as TOML tables: only what differs from the defaults
    (nothing when neither is set). `${VAR}` stays as written."""
    data: dict[str, Any] = {}
    tools = {
        f.name: _plain(getattr(config.tools, f.name))
        for f in dataclasses.fields(ToolsConfig)
        if getattr(config.tools, f.name) != getattr(_DEFAULT_TOOLS, f.name)
    }
    if tools:
        data["tools"] = tools
    if config.mcp_servers:
        data["mcp_servers"] = {
            name: mcp_server_table(server) for name, server in config.mcp_servers.items()
        }
    return data


def mcp_server_table(server: McpServerConfig) -> dict[str, Any]:
    """One `[mcp_servers.NAME]` table, keys in the order config.example.toml has them."""
    table: dict[str, Any] = {}
    for f in dataclasses.fields(McpServerConfig):
        value = getattr(server, f.name)
        if f.name != "name" and value != getattr(_DEFAULT_SERVER, f.name):
            table[f.name] = _plain(value)
    return table


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return dict(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- "always allow" ------------------------------------------------------------------------


def text_allowing(text: str | None, label: str, path: Path) -> tuple[str, Config] | None:
    """The config text with `label` appended to `[tools] allow` and the config it reads
    as; None when it is already there. Everything else in the text stays as it was.

    Raises ConfigError when the file on disk does not load (it is never touched then) or
    when the edit would not read back as exactly that one change (an unusual layout, such
    as `tools = { … }` inline): then the user adds it by hand."""
    label = single_line(label).strip()
    if not label:
        raise ConfigError(path, "a tool to always allow needs a name")
    old = parse_config(text or "", path)
    if label in old.tools.allow:
        return None
    new_text = _inserted(text or "", label)
    problem = f"could not add '{label}' to [tools] allow by itself; add it there by hand"
    try:
        new = parse_config(new_text, path)
    except ConfigError:
        raise ConfigError(path, problem) from None
    expected = dataclasses.replace(old.tools, allow=(*old.tools.allow, label))
    if new.tools != expected or _without_tools(new) != _without_tools(old):
        raise ConfigError(path, problem)
    return new_text, new


def _without_tools(config: Config) -> Config:
    """The config with `[tools]` as the defaults and no warnings: what an "always allow"
    edit must leave as it was."""
    return dataclasses.replace(config, tools=_DEFAULT_TOOLS, warnings=(), exists=True)


def _inserted(text: str, label: str) -> str:
    quoted = tomli_w.dumps({"k": label}).split("=", 1)[1].strip()
    lines = text.splitlines(keepends=True)
    header: int | None = None
    allow: int | None = None
    table = ""
    open_string: str | None = None
    for number, line in enumerate(lines):
        if open_string is not None:  # inside a multi-line string: no keys or headers
            if line.count(open_string) % 2 == 1:
                open_string = None
            continue
        open_string = next((d for d in ('"""', "'''") if line.count(d) % 2 == 1), None)
        bare = bare_line(line).strip()
        if bare.startswith("["):
            table = bare.strip("[]")
            if table == "tools" and header is None:
                header = number
        elif table == "tools" and bare.split("=", 1)[0] == "allow" and "=" in bare:
            allow = number
            break
    if allow is not None:
        start = sum(len(line) for line in lines[:allow])
        return _appended_to_array(text, text.index("=", start) + 1, quoted)
    if header is not None:
        lines.insert(header + 1, f"allow = [{quoted}]\n")
        if not lines[header].endswith("\n"):
            lines[header] += "\n"
        return "".join(lines)
    ending = "" if not text or text.endswith("\n") else "\n"
    gap = "\n" if text.strip() else ""
    return f"{text}{ending}{gap}[tools]\nallow = [{quoted}]\n"


def _appended_to_array(text: str, start: int, quoted: str) -> str:
    """`quoted` added as the last item of the array that opens after `start` (its comments
    and layout kept): after the last item, before the closing `]`."""
    opening = text.index("[", start)
    depth, last, position = 0, opening, opening
    in_string: str | None = None
    while position < len(text):
        char = text[position]
        if in_string is not None:
            if char == "\\" and in_string == '"':
                position += 1
            elif char == in_string:
                in_string = None
                last = position
        elif char == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        elif char in "\"'":
            in_string = char
        elif char == "[":
            depth += 1
            last = position
        elif char == "]":
            depth -= 1
            if depth == 0:
                break
            last = position
        elif not char.isspace():
            last = position
        position += 1
    before = text[last]
    if before == "[":
        insert = quoted
    elif before == ",":
        insert = f" {quoted},"
    else:
        insert = f", {quoted}"
    return text[: last + 1] + insert + text[last + 1 :]
