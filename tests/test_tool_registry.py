"""The registry: a session's selection resolved to tools with unique wire names, and one
problem line for each name it cannot offer. MCP servers are reached through the manager's
interface (`ensure` / `tools`), here a small stand-in object: that boundary is our own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tui_chat.config.model import Config
from tui_chat.config.tools_config import McpServerConfig, ToolsConfig
from tui_chat.tools.base import WIRE_NAME, Tool, ToolOutcome, ToolSpec
from tui_chat.tools.builtin.read_file import ReadFile
from tui_chat.tools.builtin.run_shell import RunShell
from tui_chat.tools.naming import label_of, unique_wire_name, wire_name
from tui_chat.tools.registry import ToolRegistry


class ServerTool:
    """A tool as an MCP server offers it through the manager."""

    def __init__(self, server: str, tool: str) -> None:
        self._spec = ToolSpec(
            name=wire_name(server, tool),
            label=label_of(server, tool),
            description=f"{tool} of {server}",
            server=server,
        )

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def approval_text(self, arguments: dict[str, Any]) -> str:
        return str(arguments)

    def scope(self, arguments: dict[str, Any]) -> str:
        return self._spec.label

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome(f"{self._spec.label} ran")


class Servers:
    """Stands in for McpManager: servers by name, the ones that fail to start, and the
    names `ensure` was asked for."""

    def __init__(self, tools: dict[str, list[str]], failing: Sequence[str] = ()) -> None:
        self.offered = {name: [ServerTool(name, t) for t in names] for name, names in tools.items()}
        self.failing = set(failing)
        self.ensured: list[list[str]] = []

    async def ensure(self, names: Sequence[str]) -> list[str]:
        self.ensured.append(list(names))
        return [
            f"{n}: the server did not start (exit code 1); see the log"
            for n in names
            if n in self.failing
        ]

    def tools(self, name: str) -> list[Tool]:
        return [] if name in self.failing else list(self.offered.get(name, []))


def config(tmp_path: Path, servers: Sequence[str] = (), **tools: Any) -> Config:
    tables = {name: McpServerConfig(name=name, command="server") for name in servers}
    return Config(path=tmp_path / "config.toml", tools=ToolsConfig(**tools), mcp_servers=tables)


async def test_builtins_are_offered_by_name_and_run_shell_only_when_on(tmp_path: Path) -> None:
    registry = ToolRegistry(config(tmp_path), None)
    assert registry.builtin_names() == ("current_time", "read_file", "fetch_url")
    offered = await registry.offered(("current_time", "read_file", "run_shell", "fetch_url"))
    assert list(offered.tools) == ["current_time", "read_file", "fetch_url"]
    assert offered.problems == ("run_shell is off: [tools] run_shell = true turns it on",)
    for name, tool in offered.tools.items():
        assert tool.spec.schema()["function"]["name"] == name

    registry.reconfigure(config(tmp_path, run_shell=True, shell_timeout=5, max_rounds=3))
    assert registry.builtin_names() == ("current_time", "read_file", "fetch_url", "run_shell")
    assert registry.max_rounds() == 3
    offered = await registry.offered(("run_shell",))
    shell = offered.tools["run_shell"]
    assert isinstance(shell, RunShell)
    assert shell.timeout == 5
    assert offered.problems == ()


async def test_caps_and_allow_list_come_from_the_config(tmp_path: Path) -> None:
    registry = ToolRegistry(config(tmp_path, read_file_max_bytes=10, allow=("read_file",)), None)
    assert registry.always_allowed() == ("read_file",)
    reader = (await registry.offered(("read_file",))).tools["read_file"]
    assert isinstance(reader, ReadFile)
    assert reader.max_bytes == 10


async def test_an_unknown_name_is_a_problem_line(tmp_path: Path) -> None:
    offered = await ToolRegistry(config(tmp_path), None).offered(("current_time", "weather"))
    assert list(offered.tools) == ["current_time"]
    assert offered.problems == (
        "weather is not a tool: the built-ins are current_time, read_file, fetch_url, "
        'run_shell; "mcp:NAME" offers an MCP server\'s tools',
    )


async def test_mcp_servers_are_started_once_and_give_their_tools(tmp_path: Path) -> None:
    servers = Servers({"docs": ["lookup", "search"], "fs": ["read", "write"]})
    registry = ToolRegistry(config(tmp_path, servers=("docs", "fs")), servers)
    offered = await registry.offered(("current_time", "mcp:docs", "fs.write", "docs.lookup"))
    assert list(offered.tools) == ["current_time", "docs__lookup", "docs__search", "fs__write"]
    assert servers.ensured == [["docs", "fs"]]
    assert offered.tools["fs__write"].spec.label == "fs.write"
    assert offered.problems == ()
    assert (await offered.tools["docs__search"].run({})).text == "docs.search ran"


async def test_mcp_names_that_cannot_be_offered_are_problem_lines(tmp_path: Path) -> None:
    servers = Servers({"docs": ["lookup"], "broken": ["x"], "off": ["y"]}, failing=["broken"])
    tables = config(tmp_path, servers=("docs", "broken")).mcp_servers
    cfg = Config(
        path=tmp_path / "config.toml",
        mcp_servers={**tables, "off": McpServerConfig(name="off", command="s", enabled=False)},
    )
    registry = ToolRegistry(cfg, servers)
    offered = await registry.offered(
        ("mcp:docs", "docs.nothing", "mcp:broken", "mcp:nowhere", "off.y")
    )
    assert list(offered.tools) == ["docs__lookup"]
    assert servers.ensured == [["docs", "broken"]]
    assert offered.problems == (
        "MCP server nowhere is not in the config ([mcp_servers.nowhere])",
        "MCP server off is off (enabled = false in its table)",
        "broken: the server did not start (exit code 1); see the log",
        "MCP server docs offers no tool nothing (or its allow/deny leaves it out)",
    )
    without_mcp = await ToolRegistry(cfg, None).offered(("mcp:docs",))
    assert without_mcp.problems == ("MCP server docs cannot be used here: MCP is not available",)


async def test_no_server_is_started_when_the_selection_names_none(tmp_path: Path) -> None:
    servers = Servers({"docs": ["lookup"]})
    await ToolRegistry(config(tmp_path, servers=("docs",)), servers).offered(("current_time",))
    assert servers.ensured == []


async def test_a_server_name_with_a_dot_is_matched_whole(tmp_path: Path) -> None:
    servers = Servers({"docs.v2": ["lookup"]})
    registry = ToolRegistry(config(tmp_path, servers=("docs.v2",)), servers)
    offered = await registry.offered(("docs.v2.lookup",))
    assert [t.spec.label for t in offered.tools.values()] == ["docs.v2.lookup"]
    (wire,) = offered.tools
    assert wire.startswith("docs_v2__lookup_") and WIRE_NAME.match(wire)


async def test_clashing_wire_names_get_a_hash_on_the_later_tool(tmp_path: Path) -> None:
    servers = Servers({"a": ["b__c"], "a__b": ["c"]})  # both "a__b__c" on the wire
    registry = ToolRegistry(config(tmp_path, servers=("a", "a__b")), servers)
    offered = await registry.offered(("mcp:a", "mcp:a__b"))
    first, second = offered.tools
    assert first == "a__b__c"
    assert second.startswith("a__b__c_") and len(second) == len("a__b__c_") + 6
    assert offered.tools[first].spec.label == "a.b__c"
    renamed = offered.tools[second]
    assert renamed.spec.name == second
    assert renamed.spec.label == "a__b.c"
    assert (await renamed.run({})).text == "a__b.c ran"
    assert renamed.scope({}) == "a__b.c"


def test_wire_names_are_sanitized_and_long_ones_cut_with_a_hash() -> None:
    assert wire_name("docs", "lookup") == "docs__lookup"
    sanitized = wire_name("my docs", "look.up/ü")
    assert sanitized.startswith("my_docs__look_up___") and len(sanitized) == 25
    assert wire_name("a.b", "x") != wire_name("a_b", "x") == "a_b__x"
    long_a = wire_name("server", "t" * 80 + "a")
    long_b = wire_name("server", "t" * 80 + "b")
    assert len(long_a) == len(long_b) == 64
    assert long_a != long_b
    assert long_a.startswith("server__ttt")
    for name in (sanitized, long_a, long_b, wire_name("x", "")):
        assert WIRE_NAME.match(name)
    assert unique_wire_name("docs__lookup", "seed", {"docs__lookup"}) != unique_wire_name(
        "docs__lookup", "other", {"docs__lookup"}
    )
    taken = {"n", unique_wire_name("n", "s", {"n"})}
    assert unique_wire_name("n", "s", taken) not in taken


def test_labels_are_one_clean_line() -> None:
    assert label_of("docs", "lookup") == "docs.lookup"
    assert label_of("docs", "evil\x1b[31m\nname") == "docs.evil name"


class BrokenServers(Servers):
    async def ensure(self, names: Sequence[str]) -> list[str]:
        raise RuntimeError("the manager broke")


async def test_a_failing_manager_costs_only_its_tools(tmp_path: Path) -> None:
    registry = ToolRegistry(config(tmp_path, servers=("docs",)), BrokenServers({"docs": ["x"]}))
    offered = await registry.offered(("current_time", "mcp:docs"))
    assert list(offered.tools) == ["current_time"]
    assert offered.problems == ("MCP servers could not be started: the manager broke",)
