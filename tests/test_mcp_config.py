"""Claude-Desktop style server files, and `${VAR}` / `${VAR:-default}` expansion."""

from __future__ import annotations

import json

import pytest

from tui_chat.config.tools_config import McpServerConfig
from tui_chat.tools.mcp_config import (
    MissingVariable,
    ServersFileError,
    expand,
    expanded,
    servers_from_json,
)
from tui_chat.tools.naming import label_of, wire_name


def test_expansion_fills_variables_and_defaults() -> None:
    env = {"HOME": "/home/u", "EMPTY": ""}
    assert expand("${HOME}/docs", env) == "/home/u/docs"
    assert expand("${NOPE:-fallback} ${EMPTY:-d}", env) == "fallback d"
    assert expand("${EMPTY}", env) == ""
    assert expand("$HOME and ${ not a var", env) == "$HOME and ${ not a var"
    with pytest.raises(MissingVariable, match="NOPE is not set") as caught:
        expand("x ${NOPE} y", env)
    assert caught.value.variable == "NOPE"


def test_a_servers_table_is_expanded_everywhere_but_its_name() -> None:
    server = McpServerConfig(
        name="s",
        command="${BIN}",
        args=("--k", "${KEY}"),
        env={"T": "${KEY}"},
        cwd="${HOME}",
        url=None,
        headers={"H": "x ${KEY}"},
    )
    env = {"BIN": "/bin/s", "KEY": "k1", "HOME": "/h"}
    done = expanded(server, env)
    assert (done.command, done.args, dict(done.env), done.cwd, dict(done.headers)) == (
        "/bin/s",
        ("--k", "k1"),
        {"T": "k1"},
        "/h",
        {"H": "x k1"},
    )


def test_claude_desktop_file() -> None:
    text = json.dumps(
        {
            "mcpServers": {
                "files": {"command": "npx", "args": ["-y", "fs", "/tmp"], "env": {"A": "1"}},
                "web": {"url": "https://x.test/mcp", "headers": {"K": "${K}"}, "type": "http"},
                "sock": {"url": "ws://x.test/mcp"},
                "old": {"url": "https://x.test/sse", "type": "sse"},
                "bad name": {"command": "x"},
                "empty": {},
                "off": {"command": "x", "disabled": True},
            }
        }
    )
    found = servers_from_json(text)
    assert [s.name for s in found.servers] == ["files", "web", "off"]
    files, web, off = found.servers
    assert (files.command, files.args, dict(files.env)) == ("npx", ("-y", "fs", "/tmp"), {"A": "1"})
    assert (web.url, dict(web.headers), web.transport) == (
        "https://x.test/mcp",
        {"K": "${K}"},
        "http",
    )
    assert off.enabled is False
    problems = "\n".join(found.problems)
    assert "sock: WebSocket servers (ws://x.test/mcp) are not supported" in problems
    assert 'old: transport "sse" is not supported' in problems
    assert "bad name: a server name uses only" in problems
    assert 'empty: needs "command"' in problems


def test_a_file_that_is_not_a_servers_object_is_one_error() -> None:
    with pytest.raises(ServersFileError, match="not JSON"):
        servers_from_json("{")
    with pytest.raises(ServersFileError, match="mcpServers"):
        servers_from_json('{"mcpServers": []}')


def test_wire_names_are_valid_and_unique() -> None:
    assert wire_name("docs", "lookup") == "docs__lookup"
    assert label_of("docs", "lookup") == "docs.lookup"
    dotted, spaced = wire_name("docs", "search.web"), wire_name("docs", "search web")
    assert dotted != spaced
    assert dotted.startswith("docs__search_web_") and len(dotted) == len("docs__search_web_") + 6
    long = wire_name("docs", "x" * 100)
    assert len(long) == 64 and long != wire_name("docs", "x" * 99)
