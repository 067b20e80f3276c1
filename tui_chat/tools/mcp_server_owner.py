"""One run of one MCP server: the task that owns its connection, and its tools.

The SDK's transports are context managers that must be entered and left by one task. So
each server gets an owner task of its own (`asyncio.create_task`, never the reply
worker's: Esc cancels that worker, and must not take the servers with it). The owner
connects, says hello, lists the tools, and then waits on a stop event until it is told to
leave. Calls come from other tasks through the session it holds (the SDK allows that).

A run is used once: a restart is a new ServerOwner, so events and state never need a reset.
Nothing here imports `mcp` at module level: the manager imports it in a thread first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, TextIO, cast

from tui_chat.config.keys import redact_secrets
from tui_chat.config.tools_config import McpServerConfig
from tui_chat.core.sanitize import one_line, single_line, strip_control
from tui_chat.tools.base import ToolDefaults, ToolOutcome, ToolSpec
from tui_chat.tools.mcp_config import MissingVariable, expanded
from tui_chat.tools.mcp_results import result_text
from tui_chat.tools.naming import label_of, wire_name

if TYPE_CHECKING:
    from mcp import ClientSession

MAX_LOG_LINE = 2000
"""A server's stderr line is cut here in the log (a server may print a whole document)."""
HTTP_CONNECT_TIMEOUT = 30.0
HTTP_READ_TIMEOUT = 300.0
"""The HTTP client's own read timeout; a call's is `timeout` of the table, below it."""


def seconds(value: float) -> str:
    return f"{value:g}"


def unwrapped(error: BaseException) -> BaseException:
    """The first real error inside (nested) ExceptionGroups, which the SDK's task groups
    raise: the user needs one line, not a tree."""
    while isinstance(error, BaseExceptionGroup):
        inner = [e for e in error.exceptions if not isinstance(e, asyncio.CancelledError)]
        error = (inner or list(error.exceptions))[0]
    return error


def error_line(error: BaseException) -> str:
    """One line about why a server could not start or went away."""
    error = unwrapped(error)
    code = getattr(error, "code", None)
    if code == -32000:
        return "the server closed the connection before it was ready; see the log"
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"cannot start it: {error.strerror}{where}"
    text = one_line(redact_secrets(str(error)), 300)
    if code is not None and text:
        return text  # an MCP error: its message says it
    if type(error).__name__ == "ConnectError":  # httpx2's, not imported here
        return f"cannot connect ({text})"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASS|AUTH|COOKIE|CREDENTIAL", re.IGNORECASE)


def secrets_of(config: McpServerConfig) -> tuple[str, ...]:
    """Values a server's log lines and errors must not show: its expanded header values and
    the env values whose names say they are secret (`GITHUB_TOKEN`, `API_KEY`)."""
    env = [value for key, value in config.env.items() if _SECRET_NAME.search(key)]
    return (*env, *config.headers.values())


class McpTool(ToolDefaults):
    """A tool of a ready server, as the reply loop sees it (the `Tool` protocol)."""

    def __init__(self, owner: ServerOwner, tool: str, description: str, schema: Any) -> None:
        server = owner.config.name
        parameters = schema if isinstance(schema, dict) else {"type": "object"}
        self._owner = owner
        self._tool = tool
        self.spec = ToolSpec(
            name=wire_name(server, tool),
            label=label_of(server, single_line(tool)),
            description=strip_control(description),
            parameters=parameters,
            server=server,
            safe=False,
        )

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        return await self._owner.call(self._tool, self.spec.label, arguments)


class ServerOwner:
    """One start of one server: state "starting" -> "ready" | "failed"; "ready" ->
    "dead" when it goes away; "off" once stopped."""

    def __init__(
        self, config: McpServerConfig, log: logging.Logger, environ: Mapping[str, str]
    ) -> None:
        self.config = config
        self.state = "starting"
        self.problem: str | None = None
        self.tools: list[McpTool] = []
        self._log = log
        self._environ = environ
        self._session: ClientSession | None = None
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._start: asyncio.Task[None] | None = None
        self._secrets: tuple[str, ...] = ()

    # -- starting and stopping ------------------------------------------------------------

    async def started(self) -> None:
        """Start (once; later callers wait for the same start) and wait until the server is
        ready or failed, at most `startup_timeout`. Cancelling a caller (Esc) does not
        cancel the start."""
        if self._start is None:
            self._start = asyncio.create_task(self._start_within_timeout())
        await asyncio.shield(self._start)

    async def _start_within_timeout(self) -> None:
        self._task = asyncio.create_task(self._own(), name=f"mcp[{self.config.name}]")
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({ready}, timeout=self.config.startup_timeout)
        if done:
            return
        ready.cancel()
        self._fail(f"did not start within {seconds(self.config.startup_timeout)} s")
        await self._cancel_owner(timeout=3.0)

    async def stop(self, timeout: float = 3.0) -> None:
        """Leave the connection (the SDK ends a stdio server: stdin closed, then SIGTERM,
        then SIGKILL to its process group); cancel the owner if that takes too long."""
        self._stop.set()
        if self._start is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(self._start), timeout)
        if self._task is not None and not self._task.done():
            done, _ = await asyncio.wait({self._task}, timeout=timeout)
            if not done:
                await self._cancel_owner(timeout=1.0)
        if self.state in ("starting", "ready"):
            self.state = "off"

    async def _cancel_owner(self, timeout: float) -> None:
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)

    def _fail(self, reason: str) -> None:
        if self.state == "starting":
            self.state = "failed"
            self.problem = f"{self.config.name}: {reason}"
            self._log.warning("mcp[%s] failed to start: %s", self.config.name, reason)
        self._ready.set()

    def _died(self, reason: str) -> None:
        """The connection is gone: say so, and let the owner leave its contexts (they do
        not end by themselves when the server dies). Not after `stop`: the connection
        ending then is the stop itself."""
        if self.state == "ready" and not self._stop.is_set():
            self.state = "dead"
            self.problem = f"{self.config.name}: {reason}"
            self._log.warning("mcp[%s] %s", self.config.name, reason)
        self._session = None
        self._stop.set()

    async def _own(self) -> None:
        try:
            async with AsyncExitStack() as stack:
                session = await self._connect(stack)
                await session.initialize()
                tools = await self._list_tools(session)
                if self.state != "starting":
                    return
                self._session = session
                self.tools = tools
                self.state = "ready"
                self._log.info("mcp[%s] ready, %d tools", self.config.name, len(tools))
                self._ready.set()
                await self._stop.wait()
        except MissingVariable as exc:
            self._fail(str(exc))
        except asyncio.CancelledError:
            self._fail("the start was cancelled")
            raise
        except Exception as exc:
            self._log.debug("mcp[%s] ended", self.config.name, exc_info=exc)
            if self.state == "starting":
                self._fail(error_line(exc))
            else:
                self._died(f"the connection ended ({error_line(exc)}); see the log")
        finally:
            self._session = None
            if self.state == "ready" and not self._stop.is_set():
                self._died("the server stopped; see the log")
            self._ready.set()

    async def _connect(self, stack: AsyncExitStack) -> ClientSession:
        from mcp import ClientSession, StdioServerParameters

        config = expanded(self.config, self._environ)
        self._secrets = secrets_of(config)
        startup = config.startup_timeout
        if config.url:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    headers=dict(config.headers),
                    timeout=httpx2.Timeout(HTTP_CONNECT_TIMEOUT, read=HTTP_READ_TIMEOUT),
                )
            )
            read, write = await stack.enter_async_context(
                streamable_http_client(config.url, http_client=http)
            )
        else:
            from mcp.client.stdio import stdio_client

            assert config.command is not None
            errlog = self._stderr_pipe()
            stack.callback(errlog.close)
            params = StdioServerParameters(
                command=config.command,
                args=list(config.args),
                env=dict(config.env),
                cwd=os.path.expanduser(config.cwd) if config.cwd else None,
            )
            read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
            # The child has its copy; without ours, the pipe ends when the server does.
            errlog.close()
        return await stack.enter_async_context(
            ClientSession(read, write, read_timeout_seconds=startup)
        )

    async def _list_tools(self, session: ClientSession) -> list[McpTool]:
        from mcp.types import PaginatedRequestParams

        tools: list[McpTool] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await session.list_tools(
                params=PaginatedRequestParams(cursor=cursor) if cursor else None
            )
            for tool in page.tools:
                if self.config.offers(tool.name):
                    description = tool.description or ""
                    tools.append(McpTool(self, tool.name, description, tool.input_schema))
            cursor = page.next_cursor
            if not cursor or cursor in seen:  # a server repeating a cursor would loop forever
                return tools
            seen.add(cursor)

    def _stderr_pipe(self) -> TextIO:
        """The child's stderr: a pipe whose other end a daemon thread reads into the log,
        line by line (a real file is needed, as it becomes the child's fd 2; the terminal
        belongs to the TUI; unread, a chatty server would block on a full pipe)."""
        read_fd, write_fd = os.pipe()
        name, log = self.config.name, self._log
        loop = asyncio.get_running_loop()

        def drain() -> None:
            with os.fdopen(read_fd, "r", encoding="utf-8", errors="replace") as lines:
                # readline(limit): a server printing megabytes without a newline costs
                # a few log lines, not the memory to hold it.
                while line := lines.readline(MAX_LOG_LINE):
                    text = strip_control(line.rstrip("\n"))
                    log.info("mcp[%s] %s", name, redact_secrets(text, self._secrets))
            with contextlib.suppress(RuntimeError):  # the loop is gone (the app ended)
                loop.call_soon_threadsafe(self._stderr_ended)

        threading.Thread(target=drain, name=f"mcp[{name}] stderr", daemon=True).start()
        return cast(TextIO, os.fdopen(write_fd, "w", encoding="utf-8"))

    def _stderr_ended(self) -> None:
        """The server's stderr closed: it has exited (a server that dies while idle is
        seen here, before a call to it fails)."""
        if self.state == "ready" and not self._stop.is_set():
            self._died("the server stopped; see the log")

    # -- calls ---------------------------------------------------------------------------

    def _death_outcome(self) -> ToolOutcome:
        """The call's outcome when its server died under it: the model is told the tool
        failed, the user gets the one line of the server's problem."""
        problem = self.problem or f"{self.config.name}: the server stopped"
        return ToolOutcome(problem, False, problem)

    async def call(self, tool: str, label: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Call `tool`; every failure comes back as `ok=False` with one line for the model
        and the card. A timeout leaves the server running; a closed connection marks it dead
        (the next `ensure` starts it again)."""
        from mcp.shared.exceptions import MCPError
        from mcp_types.jsonrpc import CONNECTION_CLOSED, REQUEST_TIMEOUT

        session = self._session
        if session is None or self.state != "ready":
            problem = self.problem or f"{self.config.name}: the server is not running"
            return ToolOutcome(problem, False, problem)
        try:
            result = await session.call_tool(
                tool, arguments, read_timeout_seconds=self.config.timeout
            )
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                late = f"{label} timed out after {seconds(self.config.timeout)} s"
                return ToolOutcome(late, False, late)
            if exc.code == CONNECTION_CLOSED:
                self._died("the server stopped; see the log")
                return self._death_outcome()
            message = redact_secrets(exc.message, self._secrets)
            return ToolOutcome(f"{label}: {one_line(message, 500)}", False)
        except (OSError, EOFError) as exc:
            self._died(f"the connection ended ({error_line(exc)}); see the log")
            return self._death_outcome()
        except Exception as exc:
            if _is_closed_stream(exc):
                self._died("the server stopped; see the log")
                return self._death_outcome()
            self._log.warning("mcp[%s] %s failed", self.config.name, tool, exc_info=exc)
            return ToolOutcome(f"{label}: {error_line(exc)}", False)
        return ToolOutcome(strip_control(result_text(result)), ok=not result.is_error)


def _is_closed_stream(error: BaseException) -> bool:
    import anyio

    return isinstance(
        unwrapped(error), anyio.ClosedResourceError | anyio.BrokenResourceError | anyio.EndOfStream
    )
