"""McpManager against a real MCP server (tests/mcp_server.py, the SDK's MCPServer) over
stdio and streamable HTTP: start, tools, calls, timeouts, crashes, failures to start,
environment, stderr in the log, allow/deny, stopping; and `mcp` never imported before use."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tools_e2e_parts import http_mcp_server

from tui_chat.config.tools_config import McpServerConfig
from tui_chat.tools.base import Tool
from tui_chat.tools.mcp_manager import McpManager, ServerState

SERVER = Path(__file__).with_name("mcp_server.py")
REPO = Path(__file__).resolve().parent.parent
WAIT = 20.0


class LogLines(logging.Handler):
    """The lines logged, and a way to wait until one shows up (the stderr reader is a
    thread of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self._changed:
            self.lines.append(record.getMessage())
            self._changed.notify_all()

    async def wait_for(self, text: str) -> None:
        def found() -> bool:
            with self._changed:
                return self._changed.wait_for(
                    lambda: any(text in line for line in self.lines), WAIT
                )

        assert await asyncio.to_thread(found), f"{text!r} not logged: {self.lines}"


@pytest.fixture
def log_lines(request: pytest.FixtureRequest) -> Iterator[tuple[logging.Logger, LogLines]]:
    log = logging.getLogger(f"test.mcp.{request.node.name}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    handler = LogLines()
    log.addHandler(handler)
    yield log, handler
    log.removeHandler(handler)


def docs(name: str = "docs", **fields: object) -> McpServerConfig:
    return McpServerConfig(
        name=name,
        command=sys.executable,
        args=(str(SERVER),),
        **fields,  # type: ignore[arg-type]
    )


def by_label(tools: list[Tool]) -> dict[str, Tool]:
    return {tool.spec.label: tool for tool in tools}


def state(manager: McpManager, name: str) -> ServerState:
    return next(s for s in manager.states() if s.name == name)


async def test_a_server_starts_lists_its_tools_and_answers(log_lines) -> None:
    log, lines = log_lines
    manager = McpManager({"docs": docs(), "other": docs("other")}, log)
    assert [s.state for s in manager.states()] == ["off", "off"]
    try:
        assert await manager.ensure(["docs"]) == []
        assert state(manager, "docs") == ServerState("docs", "stdio", "ready", 5, None)
        assert state(manager, "other").state == "off"  # only what was asked for starts
        tools = by_label(manager.tools("docs"))
        assert list(tools) == [
            "docs.lookup",
            "docs.slow",
            "docs.crash",
            "docs.pid",
            "docs.env_keys",
        ]
        lookup = tools["docs.lookup"]
        assert lookup.spec.name == "docs__lookup" and lookup.spec.server == "docs"
        assert lookup.spec.description == "Look a word up in a tiny dictionary."
        assert lookup.spec.parameters["properties"]["word"]["type"] == "string"
        assert lookup.spec.safe is False
        assert lookup.scope({"word": "x"}) == "docs.lookup"
        assert lookup.approval_text({"word": "tui"}) == '{\n  "word": "tui"\n}'
        outcome = await lookup.run({"word": "tui"})
        assert (outcome.text, outcome.ok) == ("terminal user interface", True)
        await lines.wait_for("mcp[docs] called lookup tui")  # the server's stderr, in the log
        bad = await lookup.run({})
        assert bad.ok is False and "word" in bad.text  # the server's own validation error
        assert manager.tools("other") == []
    finally:
        await manager.stop_all()


async def test_tools_are_read_from_every_page(log_lines) -> None:
    log, lines = log_lines
    manager = McpManager({"docs": docs(env={"TEST_PAGED": "1"})}, log)
    try:
        assert await manager.ensure(["docs"]) == []
        assert len(manager.tools("docs")) == 5
        await lines.wait_for("list page from 4")
    finally:
        await manager.stop_all()


async def test_allow_and_deny_choose_what_is_offered(log_lines) -> None:
    log, _lines = log_lines
    servers = {
        "a": docs("a", allow=("lookup", "slow"), deny=("slow",)),
        "d": docs("d", deny=("crash", "env_keys", "pid")),
    }
    manager = McpManager(servers, log)
    try:
        assert await manager.ensure(["a", "d"]) == []
        assert list(by_label(manager.tools("a"))) == ["a.lookup"]
        assert list(by_label(manager.tools("d"))) == ["d.lookup", "d.slow"]
        assert state(manager, "d").tool_count == 2
    finally:
        await manager.stop_all()


async def test_a_slow_call_times_out_and_the_server_stays(log_lines) -> None:
    log, _lines = log_lines
    manager = McpManager({"docs": docs(timeout=0.5)}, log)
    try:
        await manager.ensure(["docs"])
        tools = by_label(manager.tools("docs"))
        outcome = await tools["docs.slow"].run({"seconds": 30})
        assert (outcome.text, outcome.ok) == ("docs.slow timed out after 0.5 s", False)
        assert state(manager, "docs").state == "ready"
        assert (await tools["docs.lookup"].run({"word": "mcp"})).text == "model context protocol"
    finally:
        await manager.stop_all()


async def test_cancelling_a_call_or_a_start_leaves_the_server_running(log_lines) -> None:
    """Esc cancels the reply worker, which may be waiting for a start or a call: the
    server is owned by a task of its own and keeps running."""
    log, lines = log_lines
    manager = McpManager({"docs": docs()}, log)
    try:
        starting = asyncio.create_task(manager.ensure(["docs"]))
        while state(manager, "docs").state == "off":
            await asyncio.sleep(0)  # let the task begin (a yield, not a wait)
        starting.cancel()
        await lines.wait_for("mcp[docs] ready, 5 tools")  # started all the same
        assert state(manager, "docs").state == "ready"
        tools = by_label(manager.tools("docs"))
        call = asyncio.create_task(tools["docs.slow"].run({"seconds": 30}))
        await lines.wait_for("called slow 30")
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert (await tools["docs.lookup"].run({"word": "tui"})).ok
        assert state(manager, "docs").state == "ready"
    finally:
        await manager.stop_all()


async def test_a_crash_marks_the_server_dead_and_the_next_ensure_restarts_it(log_lines) -> None:
    log, _lines = log_lines
    manager = McpManager({"docs": docs()}, log)
    try:
        await manager.ensure(["docs"])
        tools = by_label(manager.tools("docs"))
        outcome = await tools["docs.crash"].run({})
        assert (outcome.text, outcome.ok) == ("docs: the server stopped; see the log", False)
        assert state(manager, "docs") == ServerState(
            "docs", "stdio", "dead", 0, "docs: the server stopped; see the log"
        )
        assert manager.tools("docs") == []
        again = await tools["docs.lookup"].run({"word": "tui"})  # a tool of the dead run
        assert again.ok is False and "stopped" in again.text
        assert await manager.ensure(["docs"]) == []
        assert state(manager, "docs").state == "ready"
        fresh = by_label(manager.tools("docs"))["docs.lookup"]
        assert (await fresh.run({"word": "tui"})).ok
    finally:
        await manager.stop_all()


async def test_a_server_that_dies_while_idle_is_seen_dead(log_lines) -> None:
    """Its stderr closing tells: the next request restarts it instead of offering tools
    whose calls would fail."""
    log, lines = log_lines
    manager = McpManager({"docs": docs()}, log)
    try:
        await manager.ensure(["docs"])
        pid = int((await by_label(manager.tools("docs"))["docs.pid"].run({})).text)
        os.kill(pid, signal.SIGKILL)
        await lines.wait_for("mcp[docs] the server stopped; see the log")
        assert state(manager, "docs").state == "dead"
        assert await manager.ensure(["docs"]) == []
        assert state(manager, "docs").state == "ready"
    finally:
        await manager.stop_all()


async def test_servers_that_cannot_start_give_one_line_each(log_lines, tmp_path: Path) -> None:
    log, lines = log_lines
    quits = "import sys; print('no config for me', file=sys.stderr)"
    servers = {
        "bad": McpServerConfig(name="bad", command=str(tmp_path / "no-such-program")),
        "quits": McpServerConfig(name="quits", command=sys.executable, args=("-c", quits)),
        "var": docs("var", env={"TOKEN": "${TUI_CHAT_TEST_UNSET}"}),
        "mute": McpServerConfig(
            name="mute",
            command=sys.executable,
            args=("-c", "import sys; sys.stdin.read()"),
            startup_timeout=0.5,
        ),
        "off": docs("off", enabled=False),
        "good": docs("good"),
    }
    manager = McpManager(servers, log)
    try:
        problems = await manager.ensure([*servers, "ghost"])
        assert problems == [
            "off: the server is switched off (enabled = false)",
            "ghost: there is no MCP server of that name in the config",
            f"bad: cannot start it: No such file or directory: {tmp_path / 'no-such-program'}",
            "quits: the server closed the connection before it was ready; see the log",
            "var: the environment variable TUI_CHAT_TEST_UNSET is not set",
            "mute: did not start within 0.5 s",
        ]
        assert [s.state for s in manager.states()] == [
            "failed", "failed", "failed", "failed", "off", "ready"
        ]  # fmt: skip
        assert state(manager, "var").problem == problems[4]
        await lines.wait_for("mcp[quits] no config for me")
    finally:
        await manager.stop_all()


async def test_secrets_of_its_table_are_masked_in_the_log(log_lines) -> None:
    log, lines = log_lines
    secret = "plain-words-but-secret"
    manager = McpManager({"docs": docs(env={"DOCS_TOKEN": secret})}, log)
    try:
        await manager.ensure(["docs"])
        await by_label(manager.tools("docs"))["docs.lookup"].run({"word": secret})
        await lines.wait_for("mcp[docs] called lookup ")
        assert not [line for line in lines.lines if secret in line]
    finally:
        await manager.stop_all()


async def test_the_server_gets_its_table_env_and_no_key_of_the_app(
    log_lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _lines = log_lines
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-parent-secret-0123456789")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-secret-9876543210")
    monkeypatch.setenv("TUI_CHAT_TEST_GREETING", "hello")
    server = docs(env={"GREETING": "${TUI_CHAT_TEST_GREETING}", "MODE": "${NOPE:-plain}"})
    manager = McpManager({"docs": server}, log)
    try:
        assert await manager.ensure(["docs"]) == []
        outcome = await by_label(manager.tools("docs"))["docs.env_keys"].run({})
        keys = outcome.text.split("\n")
        assert {"GREETING", "MODE", "PATH"} <= set(keys)
        assert not [key for key in keys if key.endswith("_API_KEY")]
        assert "TUI_CHAT_TEST_GREETING" not in keys
    finally:
        await manager.stop_all()


async def test_stop_all_stops_every_server_quickly(log_lines) -> None:
    log, _lines = log_lines
    manager = McpManager({"a": docs("a"), "b": docs("b")}, log)
    await manager.ensure(["a", "b"])
    lookup = by_label(manager.tools("a"))["a.lookup"]
    started = time.monotonic()
    await manager.stop_all(timeout=3)
    assert time.monotonic() - started < 4
    assert [s.state for s in manager.states()] == ["off", "off"]
    assert (await lookup.run({"word": "tui"})).ok is False


async def test_reconfigure_stops_changed_servers_and_keeps_the_rest(log_lines) -> None:
    log, _lines = log_lines
    manager = McpManager({"a": docs("a"), "b": docs("b")}, log)
    try:
        await manager.ensure(["a", "b"])
        manager.reconfigure({"a": docs("a"), "b": docs("b", deny=("crash",)), "c": docs("c")})
        assert [(s.name, s.state) for s in manager.states()] == [
            ("a", "ready"), ("b", "off"), ("c", "off")
        ]  # fmt: skip
        await manager.ensure(["b"])
        assert "b.crash" not in by_label(manager.tools("b"))
    finally:
        await manager.stop_all()


@pytest.fixture
def http_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with http_mcp_server() as running:
        yield running


async def test_a_streamable_http_server(
    log_lines, http_server: tuple[str, subprocess.Popen[str]]
) -> None:
    log, _lines = log_lines
    url, process = http_server
    web = McpServerConfig(name="web", url=url, headers={"X-Test": "${NOPE:-1}"})
    manager = McpManager({"web": web}, log)
    try:
        assert await manager.ensure(["web"]) == []
        assert state(manager, "web") == ServerState("web", "http", "ready", 5, None)
        lookup = by_label(manager.tools("web"))["web.lookup"]
        outcome = await lookup.run({"word": "tui"})
        assert (outcome.text, outcome.ok) == ("terminal user interface", True)
        process.kill()
        process.wait(10)
        gone = await lookup.run({"word": "tui"})
        assert (gone.text, gone.ok) == ("web: the server stopped; see the log", False)
        assert state(manager, "web").state == "dead"
        problems = await manager.ensure(["web"])
        assert problems[0].startswith("web: cannot connect")
    finally:
        await manager.stop_all()


def test_importing_the_manager_does_not_import_the_sdk() -> None:
    code = (
        "import sys, tui_chat.tools.mcp_manager, tui_chat.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
