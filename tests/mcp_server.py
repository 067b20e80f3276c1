"""A real MCP server for the tests (the SDK's MCPServer, run as `python tests/mcp_server.py`).

Tools: lookup(word), slow(seconds), crash() (the process exits mid-call), env_keys() (the
environment the client gave it), pid(), each writing one line to stderr per call. With
`TEST_PAGED=1` in its environment it lists its tools two per page.
`python tests/mcp_server.py http PORT` serves streamable HTTP at http://127.0.0.1:PORT/mcp.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.types import ListToolsResult, PaginatedRequestParams


class PagedServer(MCPServer):
    """Lists its tools two per page (with `TEST_PAGED=1` in its environment), as big
    servers do: the client must follow `next_cursor`."""

    async def _handle_list_tools(self, ctx: Any, params: PaginatedRequestParams | None) -> Any:
        tools = await self.list_tools()
        start = int(params.cursor) if params is not None and params.cursor else 0
        _say(f"list page from {start}")
        more = start + 2 < len(tools)
        return ListToolsResult(
            tools=tools[start : start + 2], next_cursor=str(start + 2) if more else None
        )


server = (PagedServer if os.environ.get("TEST_PAGED") else MCPServer)("tui-chat-test")
WORDS = {"tui": "terminal user interface", "mcp": "model context protocol"}


def _say(text: str) -> None:
    print(f"called {text}", file=sys.stderr, flush=True)


@server.tool()
def lookup(word: str) -> str:
    """Look a word up in a tiny dictionary."""
    _say(f"lookup {word}")
    return WORDS.get(word, f"no entry for {word!r}")


@server.tool()
async def slow(seconds: float) -> str:
    """Wait `seconds`, then answer."""
    _say(f"slow {seconds}")
    await anyio.sleep(seconds)
    return f"waited {seconds} s"


@server.tool()
def crash() -> str:
    """End the server process in the middle of the call."""
    _say("crash")
    os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no reply: as a crash
    return "unreachable"


@server.tool()
def pid() -> int:
    """The server's process id."""
    _say("pid")
    return os.getpid()


@server.tool()
def env_keys() -> list[str]:
    """The names of the environment variables the server got."""
    _say("env_keys")
    return sorted(os.environ)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
