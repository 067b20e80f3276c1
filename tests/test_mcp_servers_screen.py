"""The MCP servers screen: a row per server from `McpManager.states()`, refreshed while open,
r restarts the selected one; opened from F5 (m) and the palette."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, wait_until, write_config
from sse_server import FakeOpenAIServer

from tui_chat.ui.screens.mcp_servers import McpServersScreen

SIZE = (120, 30)


def table_text(app: object) -> str:
    from textual.widgets import DataTable

    tables = app.screen.query(DataTable)  # type: ignore[attr-defined]
    if not tables:
        return ""  # not composed yet
    table = tables.first()
    return "\n".join(
        " ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)
    )


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@dataclass(frozen=True)
class State:
    """The shape of tools.mcp_manager.ServerState."""

    name: str
    transport: str
    state: str
    tool_count: int
    problem: str | None


class Servers:
    """Stands in for McpManager here (the manager's own tests start real servers): the
    screen only reads `states()` and calls `restart(name)`."""

    def __init__(self) -> None:
        self.rows = [
            State("docs", "stdio", "ready", 3, None),
            State("remote", "http", "failed", 0, "could not connect\x1b[31m: refused"),
        ]
        self.restarted: list[str] = []

    def states(self) -> list[State]:
        return list(self.rows)

    async def restart(self, name: str) -> None:
        self.restarted.append(name)
        self.rows = [replace(r, state="starting", problem=None) if r.name == name else r
                     for r in self.rows]

    async def stop_all(self, timeout: float = 3.0) -> None:
        pass

    def reconfigure(self, servers: object) -> None:
        pass


async def test_servers_are_listed_refreshed_and_restarted(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    servers = Servers()
    app.mcp = servers
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, McpServersScreen))
        await wait_until(pilot, lambda: "could not connect: refused" in table_text(app))
        text = table_text(app)
        assert "docs" in text and "stdio" in text and "ready" in text
        assert "\x1b" not in text
        await pilot.press("down")
        # The selected server's problem in full under the table (its column is cut).
        problem = app.screen.query_one("#mcp-problem")
        await wait_until(pilot, lambda: "could not connect: refused" in str(problem.render()))
        await pilot.press("r")
        await wait_until(pilot, lambda: servers.restarted == ["remote"])
        await wait_until(pilot, lambda: "could not connect" not in table_text(app))
        assert "remote http starting" in table_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, McpServersScreen))


async def test_palette_opens_it_and_no_servers_says_how_to_add_one(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    servers = Servers()
    servers.rows = []
    app.mcp = servers
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Tools: MCP servers" in commands
        app.action_mcp_servers()
        await wait_until(pilot, lambda: "none in the config" in screen_text(app))


async def test_a_real_server_starts_from_the_screen(tmp_path: Path, server) -> None:
    """A stdio server of the config is off until r starts it."""
    script = Path(__file__).parent / "mcp_server.py"
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        f"[mcp_servers.docs]\ncommand = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(str(script))}]\n",
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_mcp_servers()
        await wait_until(pilot, lambda: "docs stdio off" in table_text(app))
        await pilot.press("r")
        await wait_until(pilot, lambda: "docs stdio ready" in table_text(app), timeout=30)
        assert app.mcp.states()[0].tool_count > 0
