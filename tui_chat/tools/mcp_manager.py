"""The MCP servers of the config: started on first use, kept running, stopped on exit.

Servers start when a request first needs their tools (`ensure`), not with the app: a
session that uses none pays nothing, and a broken server fails where its tools are wanted,
with one line. The SDK (0.5 s of imports) is imported then too, in a thread, so the first
screen never waits for it.

States per server: "off" (never started, or stopped), "starting", "ready", "failed" (it
could not start: `problem` says why), "dead" (it went away while in use). `ensure` starts
anything not ready or starting again, so a dead or failed server gets another go on the
next request that needs it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.config.tools_config import McpServerConfig
from tui_chat.tools.base import Tool

if TYPE_CHECKING:  # imported on first use (see `ensure`): not at start-up
    from tui_chat.tools.mcp_server_owner import ServerOwner

SDK_MODULES = (
    "mcp",
    "mcp.client.stdio",
    "mcp.client.streamable_http",
    "mcp.shared.exceptions",
    "mcp_types.jsonrpc",
)


@dataclass(frozen=True)
class ServerState:
    """A server as `/tools`, `tui-chat mcp list` and the problem lines show it."""

    name: str
    transport: str
    state: str
    tool_count: int
    problem: str | None


class McpManager:
    """Owns one `ServerOwner` per running server; never inside a caller's task."""

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        log: logging.Logger,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._servers = dict(servers)
        self._log = log
        self._environ = environ if environ is not None else os.environ
        self._owners: dict[str, ServerOwner] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._sdk_loaded = False

    async def ensure(self, names: Sequence[str]) -> list[str]:
        """Start those of `names` that are not running, all at once; one problem line per
        server that is not ready afterwards (unknown, switched off, failed to start)."""
        problems: list[str] = []
        wanted: list[ServerOwner] = []
        for name in dict.fromkeys(names):
            config = self._servers.get(name)
            if config is None:
                problems.append(f"{name}: there is no MCP server of that name in the config")
                continue
            if not config.enabled:
                problems.append(f"{name}: the server is switched off (enabled = false)")
                continue
            owner = self._owners.get(name)
            if owner is None or owner.state not in ("starting", "ready"):
                if owner is not None:
                    self._stop_in_background(owner)
                from tui_chat.tools.mcp_server_owner import ServerOwner  # first use only

                owner = ServerOwner(config, self._log, self._environ)
                self._owners[name] = owner
            wanted.append(owner)
        if wanted:
            # In a task of its own: a caller cancelled while it waits (Esc) leaves the
            # servers starting, ready for the next request.
            await asyncio.shield(asyncio.create_task(self._start(wanted)))
        for owner in wanted:
            if owner.state != "ready":
                problems.append(owner.problem or f"{owner.config.name}: not ready")
        return problems

    async def _start(self, owners: list[ServerOwner]) -> None:
        await self._load_sdk()
        await asyncio.gather(*(owner.started() for owner in owners))

    async def _load_sdk(self) -> None:
        if self._sdk_loaded:
            return
        for module in SDK_MODULES:
            await asyncio.to_thread(importlib.import_module, module)
        self._sdk_loaded = True

    def tools(self, name: str) -> list[Tool]:
        """The offered tools of server `name` (its allow/deny lists applied) when it is
        ready; empty otherwise."""
        owner = self._owners.get(name)
        if owner is None or owner.state != "ready":
            return []
        return list(owner.tools)

    def states(self) -> list[ServerState]:
        """Every server of the config, in config order."""
        states: list[ServerState] = []
        for name, config in self._servers.items():
            owner = self._owners.get(name)
            if owner is None:
                states.append(ServerState(name, config.transport, "off", 0, None))
                continue
            count = len(owner.tools) if owner.state == "ready" else 0
            problem = owner.problem if owner.state in ("failed", "dead") else None
            states.append(ServerState(name, config.transport, owner.state, count, problem))
        return states

    async def restart(self, name: str) -> None:
        """Stop server `name` (if running) and start it again; its problem line, if any,
        shows in `states()`."""
        owner = self._owners.pop(name, None)
        if owner is not None:
            await owner.stop()
        await self.ensure([name])

    def reconfigure(self, servers: Mapping[str, McpServerConfig]) -> None:
        """Take a reloaded config: servers whose table changed or went away are stopped in
        the background; they start again (with the new table) on next use."""
        servers = dict(servers)
        for name, owner in list(self._owners.items()):
            if servers.get(name) != owner.config:
                del self._owners[name]
                self._stop_in_background(owner)
        self._servers = servers

    def _stop_in_background(self, owner: ServerOwner) -> None:
        try:
            task = asyncio.get_running_loop().create_task(owner.stop())
        except RuntimeError:  # no loop (a test, or the app already gone): nothing runs
            return
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def stop_all(self, timeout: float = 3.0) -> None:
        """Stop every server, all at once, within about `timeout` seconds (on quit)."""
        owners = list(self._owners.values())
        self._owners.clear()
        stops = [asyncio.ensure_future(owner.stop(timeout)) for owner in owners]
        stops += list(self._stopping)
        if stops:
            await asyncio.wait(stops, timeout=timeout + 1.5)
