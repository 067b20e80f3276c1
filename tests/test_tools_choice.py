"""`/tools`'s argument and the names a session may pick (services/tools_choice.py)."""

from __future__ import annotations

from pathlib import Path

from tui_chat.config.model import Config
from tui_chat.config.tools_config import McpServerConfig, ToolsConfig
from tui_chat.core.settings import ChatSettings
from tui_chat.services.tools_choice import (
    builtin_choices,
    describe_tools,
    tool_choices,
    tools_command,
)

CONFIG = Config(
    path=Path("config.toml"),
    mcp_servers={
        "docs": McpServerConfig(name="docs", command="x"),
        "off": McpServerConfig(name="off", url="https://h/mcp", enabled=False),
    },
)


def test_choices_follow_the_config() -> None:
    assert builtin_choices(CONFIG) == ("current_time", "read_file", "fetch_url")
    assert tool_choices(CONFIG) == ("current_time", "read_file", "fetch_url", "mcp:docs")
    shell = Config(path=Path("c"), tools=ToolsConfig(run_shell=True))
    assert tool_choices(shell) == ("current_time", "read_file", "fetch_url", "run_shell")


def test_show_on_off() -> None:
    plain = ChatSettings()
    shown = tools_command("", plain, CONFIG)
    assert shown.settings is None and not shown.problem
    assert shown.said == (
        "Tools on: current_time. Available: current_time, read_file, fetch_url, mcp:docs."
    )
    off = tools_command("OFF", plain, CONFIG)
    assert off.settings == plain.replace(tools_enabled=False)
    assert off.said == "Tools off for this session."
    assert describe_tools(off.settings, CONFIG).startswith(
        "Tools are off for this session (when on: current_time)."
    )
    on = tools_command("on", off.settings, CONFIG)
    assert on.settings is not None and on.settings.tools_enabled is True
    assert on.said == "Tools on for this session: current_time."


def test_adding_and_removing_names() -> None:
    change = tools_command("+fetch_url -current_time docs.lookup +mcp:docs", ChatSettings(), CONFIG)
    assert change.settings is not None
    assert change.settings.tools == ("fetch_url", "docs.lookup", "mcp:docs")
    assert change.said == "Tools for this session: fetch_url, docs.lookup, mcp:docs."
    emptied = tools_command("-current_time", ChatSettings(), CONFIG)
    assert emptied.settings is not None and emptied.settings.tools == ()
    assert describe_tools(emptied.settings, CONFIG).startswith("Tools are on, but none is chosen")
    while_off = tools_command("+read_file", ChatSettings(tools_enabled=False), CONFIG)
    assert while_off.said.endswith("(off now: /tools on).")


def test_a_bad_name_changes_nothing() -> None:
    change = tools_command("+read_file +mcp:off +x.y + -fetch_url", ChatSettings(), CONFIG)
    assert change.settings is None and change.problem
    assert change.said == (
        "MCP server 'off' is switched off (enabled = false in [mcp_servers.off]); "
        "'x.y' names no MCP server in [mcp_servers] (docs, off); "
        "'+' needs a tool name after the +; "
        "'fetch_url' is not among this session's tools. Nothing changed."
    )
