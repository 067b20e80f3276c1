"""Which tools a request offers: a session's selection resolved against the config and the
MCP servers (tui_chat.tools.mcp_manager), one problem line for each name that cannot be
offered, and wire names that are unique within the request.

The registry is rebuilt from the config on reload (`reconfigure`), so `[tools]` caps and
run_shell take effect on the next request. MCP servers are started here, on the first
request that names them (`ensure`), not at app start: a slow or broken server costs
nothing until it is used, and then only its own tools are left out."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

from tui_chat.config.model import Config
from tui_chat.config.tools_config import BUILTIN_TOOLS
from tui_chat.tools.base import OfferedTools, Tool, ToolOutcome, ToolSpec
from tui_chat.tools.naming import label_of, unique_wire_name

MCP_PREFIX = "mcp:"


class McpTools(Protocol):
    """What the registry needs of `McpManager` (tui_chat.tools.mcp_manager)."""

    async def ensure(self, names: Sequence[str]) -> list[str]:
        """Start the servers not running yet; one problem line per server that could not."""
        ...

    def tools(self, name: str) -> list[Tool]:
        """A ready server's offered tools; empty otherwise."""
        ...


class ToolRegistry:
    """The `ToolSource` of the reply loop: built-ins from the config, MCP tools from `mcp`
    (None: MCP is not available, and names of servers say so)."""

    def __init__(self, config: Config, mcp: McpTools | None = None) -> None:
        self.mcp = mcp
        self.config = config
        self._builtins: dict[str, Tool] | None = None
        self.reconfigure(config)

    def reconfigure(self, config: Config) -> None:
        """Use a reloaded config from the next request on (the caller reconfigures the MCP
        manager itself)."""
        self.config = config
        self._builtins = None  # built again, with the new caps, on the next request

    def _builtin_tools(self) -> dict[str, Tool]:
        """The built-in tools with this config's caps. Imported on the first request that
        offers tools, not at start-up (html.parser, zoneinfo and the rest cost ~20 ms)."""
        if self._builtins is None:
            from tui_chat.tools.builtin.current_time import CurrentTime
            from tui_chat.tools.builtin.fetch_url import FetchUrl
            from tui_chat.tools.builtin.read_file import ReadFile
            from tui_chat.tools.builtin.run_shell import RunShell

            tools = self.config.tools
            builtins: dict[str, Tool] = {
                "current_time": CurrentTime(),
                "read_file": ReadFile(tools.read_file_max_bytes),
                "fetch_url": FetchUrl(tools.fetch_timeout, tools.fetch_max_bytes),
            }
            if tools.run_shell:
                builtins["run_shell"] = RunShell(tools.shell_timeout, self.config.key_variables())
            self._builtins = builtins
        return self._builtins

    def builtin_names(self) -> tuple[str, ...]:
        """The built-ins that exist with this config (run_shell only when turned on)."""
        shell = self.config.tools.run_shell
        return tuple(name for name in BUILTIN_TOOLS if name != "run_shell" or shell)

    def always_allowed(self) -> tuple[str, ...]:
        """Labels that run without asking (`[tools] allow`)."""
        return self.config.tools.allow

    def max_rounds(self) -> int:
        return self.config.tools.max_rounds

    async def offered(self, selection: tuple[str, ...]) -> OfferedTools:
        """The tools `selection` names, in its order, each once."""
        problems: list[str] = []
        chosen: list[Tool] = []
        wanted: list[tuple[str, str | None]] = []  # (server, tool or None for all)
        for name in dict.fromkeys(selection):
            builtins = self._builtin_tools()
            if name in builtins:
                chosen.append(builtins[name])
            elif name == "run_shell":
                problems.append("run_shell is off: [tools] run_shell = true turns it on")
            elif name.startswith(MCP_PREFIX):
                wanted.append((name[len(MCP_PREFIX) :], None))
            elif "." in name:
                wanted.append(self._split_label(name))
            else:
                problems.append(
                    f"{name} is not a tool: the built-ins are {', '.join(BUILTIN_TOOLS)}; "
                    '"mcp:NAME" offers an MCP server\'s tools'
                )
        chosen.extend(await self._mcp_tools(wanted, problems))
        return OfferedTools(tools=_by_wire_name(chosen), problems=tuple(problems))

    def _split_label(self, label: str) -> tuple[str, str]:
        """("docs", "lookup") from "docs.lookup"; a configured server whose name holds a dot
        is matched whole (the longest that fits)."""
        fits = [s for s in self.config.mcp_servers if label.startswith(f"{s}.")]
        if fits:
            server = max(fits, key=len)
            return server, label[len(server) + 1 :]
        server, _, tool = label.partition(".")
        return server, tool

    async def _mcp_tools(
        self, wanted: list[tuple[str, str | None]], problems: list[str]
    ) -> list[Tool]:
        servers: list[str] = []
        for server, _ in wanted:
            if server in servers:
                continue
            table = self.config.mcp_servers.get(server)
            if table is None:
                problems.append(
                    f"MCP server {server} is not in the config ([mcp_servers.{server}])"
                )
            elif not table.enabled:
                problems.append(f"MCP server {server} is off (enabled = false in its table)")
            elif self.mcp is None:
                problems.append(f"MCP server {server} cannot be used here: MCP is not available")
            else:
                servers.append(server)
        if not servers or self.mcp is None:
            return []
        try:
            problems.extend(await self.mcp.ensure(servers))
        except Exception as error:  # a bug there must not end the reply: say it, go on
            problems.append(f"MCP servers could not be started: {error or type(error).__name__}")
            return []
        found: list[Tool] = []
        for server, tool in wanted:
            if server not in servers:
                continue
            offered = self.mcp.tools(server)
            if tool is None:
                found.extend(offered)
                continue
            match = [t for t in offered if t.spec.label == label_of(server, tool)]
            found.extend(match)
            if offered and not match:
                problems.append(
                    f"MCP server {server} offers no tool {tool} (or its allow/deny leaves it out)"
                )
        return found


def _by_wire_name(tools: list[Tool]) -> dict[str, Tool]:
    """Each tool once (by server and label), under a wire name no other tool of the request
    has: a clash (two MCP names that sanitize or cut alike) renames the later one."""
    named: dict[str, Tool] = {}
    seen: set[tuple[str | None, str]] = set()
    for tool in tools:
        spec = tool.spec
        key = (spec.server, spec.label)
        if key in seen:
            continue
        seen.add(key)
        name = unique_wire_name(spec.name, f"{spec.server}\x00{spec.label}", named.keys())
        named[name] = tool if name == spec.name else RenamedTool(tool, name)
    return named


class RenamedTool:
    """A tool offered under another wire name than its own spec's (see `_by_wire_name`)."""

    def __init__(self, tool: Tool, name: str) -> None:
        self.tool = tool
        self._spec = dataclasses.replace(tool.spec, name=name)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def approval_text(self, arguments: dict[str, Any]) -> str:
        return self.tool.approval_text(arguments)

    def scope(self, arguments: dict[str, Any]) -> str:
        return self.tool.scope(arguments)

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        return await self.tool.run(arguments)
