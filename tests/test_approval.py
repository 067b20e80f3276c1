"""Which calls run without asking (`decide`), with the real built-in tools: a safe tool runs,
`[tools] allow` and a session's scopes let a tool run, and run_shell is asked per exact
command and can never be allowed "always"."""

from __future__ import annotations

from typing import Any

from tui_chat.tools.approval import decide
from tui_chat.tools.base import ToolOutcome, ToolSpec
from tui_chat.tools.builtin.current_time import CurrentTime
from tui_chat.tools.builtin.fetch_url import FetchUrl
from tui_chat.tools.builtin.read_file import ReadFile
from tui_chat.tools.builtin.run_shell import RunShell
from tui_chat.tools.naming import label_of, wire_name


class Lookup:
    """A server's tool (docs.lookup) as the MCP manager offers it."""

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=wire_name("docs", "lookup"),
            label=label_of("docs", "lookup"),
            description="Look a word up",
            server="docs",
        )

    def approval_text(self, arguments: dict[str, Any]) -> str:
        return str(arguments)

    def scope(self, arguments: dict[str, Any]) -> str:
        return self.spec.label

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome("a word")


def test_a_safe_tool_runs_without_asking() -> None:
    assert decide(CurrentTime(), {}, (), ()) == "run"


def test_other_tools_ask_unless_allowed_always_or_for_the_session() -> None:
    reader = ReadFile(1000)
    args = {"path": "~/notes.md"}
    assert decide(reader, args, (), ()) == "ask"
    assert decide(reader, args, (), ("read_file",)) == "run"
    assert decide(reader, args, ("read_file",), ()) == "run"
    assert decide(reader, args, ("fetch_url",), ("fetch_url", "docs.lookup")) == "ask"
    fetch = FetchUrl(15, 1000)
    assert decide(fetch, {"url": "https://example.com"}, (), ("fetch_url",)) == "run"
    assert decide(Lookup(), {"word": "tui"}, (), ("docs.lookup",)) == "run"
    assert decide(Lookup(), {"word": "tui"}, ("docs.lookup",), ()) == "run"
    assert decide(Lookup(), {"word": "tui"}, (), ("docs__lookup", "docs")) == "ask"


def test_a_session_approval_of_a_command_covers_that_exact_command_only() -> None:
    shell = RunShell(30)
    allowed = [shell.scope({"command": "ls"})]
    assert allowed == ["run_shell:ls"]
    assert decide(shell, {"command": "ls"}, allowed, ()) == "run"
    for other in ("ls; rm x", "ls && rm -rf ~", "ls ", "ls -la", "rm x; ls", "ls\nrm x"):
        assert decide(shell, {"command": other}, allowed, ()) == "ask", other


def test_run_shell_is_never_allowed_always() -> None:
    shell = RunShell(30)
    assert not shell.spec.may_always_allow
    assert not shell.spec.safe
    every_name = ("run_shell", "run_shell:ls", "ls")
    assert decide(shell, {"command": "ls"}, (), every_name) == "ask"
    # "run_shell" allowed for the session (the label, not a command) covers no command.
    assert decide(shell, {"command": "ls"}, ("run_shell",), ()) == "ask"
