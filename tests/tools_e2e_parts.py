"""A ReplyManager built of the real parts, for the end-to-end tool tests.

Real: the config (TOML text written to a file and parsed by `load_config`), the provider
registry and the openai SDK over HTTP against tests/sse_server.py, the ToolRegistry with
the built-in tools, the McpManager running tests/mcp_server.py, the session store on disk.
Faked at our own boundary only: `ask_approval` (answers from a queue, as the modal would)
and the app's worker runner and notify (an asyncio task, a list).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sse_server import FakeOpenAIServer, Script, ToolCallScript
from tool_loop_parts import Approver, TaskWorker

from tui_chat.config.parse import load_config
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers import NO_RETRY, ProviderRegistry
from tui_chat.services.changes import SessionChanges
from tui_chat.services.live_reply import LiveReply
from tui_chat.services.replies import ReplyManager
from tui_chat.tools.mcp_manager import McpManager, ServerState
from tui_chat.tools.registry import ToolRegistry

MCP_SERVER = Path(__file__).with_name("mcp_server.py")
WAIT = 20.0
"""Seconds a condition may take (an MCP server starts a Python process)."""


def config_text(
    server: FakeOpenAIServer,
    *,
    dialect: str = "generic",
    model: str = "test-model",
    extra: str = "",
) -> str:
    """One provider at the test server, the docs MCP server, and `extra` tables."""
    return f"""\
default_provider = "local"

[providers.local]
base_url = "{server.base_url}"
api_key = "sk-test"
dialect = "{dialect}"
models = ["{model}"]

[mcp_servers.docs]
command = {json.dumps(sys.executable)}
args = [{json.dumps(str(MCP_SERVER))}]
{extra}
"""


def calls_script(*calls: ToolCallScript, **fields: Any) -> Script:
    """A reply that ends in `calls` (streamed in their pieces)."""
    fields.setdefault("content", [])
    return Script(tool_calls=list(calls), finish_reason="tool_calls", **fields)


Make = Callable[..., Awaitable["EndToEnd"]]
"""Builds an EndToEnd with `build`'s keyword arguments (the tests' `make` fixture)."""


@contextlib.asynccontextmanager
async def end_to_end_maker(tmp_path: Path, server: FakeOpenAIServer) -> AsyncIterator[Make]:
    """`make` for one test: every EndToEnd it built is closed (servers stopped) after."""
    made: list[EndToEnd] = []

    async def make_one(**kw: Any) -> EndToEnd:
        made.append(build(tmp_path, server, **kw))
        return made[-1]

    try:
        yield make_one
    finally:
        for e in made:
            await e.close()


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait until `condition` holds (polled on the event loop), or fail saying `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


@dataclass
class EndToEnd:
    server: FakeOpenAIServer
    config_path: Path
    registry: ProviderRegistry
    mcp: McpManager
    tools: ToolRegistry
    store: SessionStore
    manager: ReplyManager
    approver: Approver
    session: Session
    notices: list[str] = field(default_factory=list)
    closed: bool = False

    def ask(self, question: str) -> LiveReply:
        self.session.add(Message(role="user", content=question))
        return self.manager.start(self.session)

    async def finish(self, live: LiveReply) -> None:
        assert isinstance(live.worker, TaskWorker)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(live.worker.task), WAIT)

    async def turn(self, question: str) -> Message:
        """Ask, wait for the whole turn, return the reply."""
        live = self.ask(question)
        await self.finish(live)
        return live.message

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat requests the server got, in order."""
        return [r["json"] for r in self.server.requests if r["path"].endswith("/completions")]

    def saved(self) -> dict[str, Any]:
        """The session file as it is on disk."""
        data: dict[str, Any] = json.loads(
            self.store.path_for(self.session.id).read_text(encoding="utf-8")
        )
        return data

    def state(self, name: str = "docs") -> ServerState:
        return next(s for s in self.mcp.states() if s.name == name)

    async def close(self) -> None:
        """Stop replies and servers, close the store (once; a test may close early)."""
        if self.closed:
            return
        self.closed = True
        await self.manager.stop_all()
        await self.mcp.stop_all()
        await self.registry.aclose()
        self.store.close()


def build(
    tmp_path: Path,
    server: FakeOpenAIServer,
    *,
    tools: tuple[str, ...] | None = None,
    settings: ChatSettings | None = None,
    log: logging.Logger | None = None,
    **text: Any,
) -> EndToEnd:
    """Everything from a config file written with `config_text(server, **text)`; a new
    session whose tools are `tools` (None: the defaults)."""
    path = tmp_path / "config.toml"
    path.write_text(config_text(server, **text), encoding="utf-8")
    path.chmod(0o600)
    config = load_config(path)
    registry = ProviderRegistry(config, environ={}, retry=NO_RETRY)
    mcp = McpManager(config.mcp_servers, log or logging.getLogger("test.e2e.mcp"))
    tool_registry = ToolRegistry(config, mcp)
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    notices: list[str] = []
    approver = Approver()

    def run_in_worker(coroutine: Coroutine[Any, Any, None], name: str) -> TaskWorker:
        return TaskWorker(asyncio.get_running_loop().create_task(coroutine, name=name))

    def notify(message: str, **_: Any) -> None:
        notices.append(message)

    manager = ReplyManager(
        store,
        registry,
        SessionChanges(store, lambda _: None),
        run_in_worker=run_in_worker,
        notify=notify,
        on_started=lambda *_: None,
        on_ended=lambda *_: None,
        tools=tool_registry,
        ask_approval=approver,
        always_allowed=tool_registry.always_allowed,
    )
    chosen = (settings or ChatSettings()).replace(tools=tools) if tools else settings
    session = Session(provider="local", model=text.get("model", "test-model"), settings=chosen)
    return EndToEnd(
        server, path, registry, mcp, tool_registry, store, manager, approver, session, notices
    )


@contextlib.contextmanager
def http_mcp_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """tests/mcp_server.py serving streamable HTTP on a free port: its URL and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(MCP_SERVER), "http", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait for the condition: uvicorn says it listens
        if "Uvicorn running" in line:
            break
    threading.Thread(target=process.stderr.read, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/mcp", process
    finally:
        process.terminate()
        process.wait(10)


def calls_of(message: Message) -> list[ToolCall]:
    return [call for tool_round in message.tool_rounds for call in tool_round.calls]


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]
