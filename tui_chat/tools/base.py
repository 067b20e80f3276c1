"""What every tool is, built-in or from an MCP server: a spec the model sees, what the
approval modal shows, what an approval covers, and how it runs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

WIRE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""The names OpenAI-compatible APIs accept for a function."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model and the user see it."""

    name: str
    """The wire name the model calls it by (built-ins: as is; MCP: "server__tool")."""
    label: str
    """What the user sees and what `[tools] allow` names ("current_time", "docs.lookup")."""
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    """JSON schema of the arguments."""
    server: str | None = None
    """The MCP server it comes from; None for a built-in."""
    safe: bool = False
    """Runs without asking (current_time): it reads nothing and changes nothing."""
    may_always_allow: bool = True
    """"Always allow" is offered; False for run_shell, where each command is asked."""

    def schema(self) -> dict[str, Any]:
        """The OpenAI function schema a request's `tools` carries."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


@dataclass(frozen=True)
class ToolOutcome:
    """What a call returned: the text the model gets (whole), and whether it worked."""

    text: str
    ok: bool = True
    problem: str | None = None
    """One line for the user when the failure is not the call's but its server's (an MCP
    server that died or timed out mid-call): the loop shows it once, beside the card."""


class Tool(Protocol):
    """A tool that can run. Arguments are the model's, already parsed as a JSON object,
    and untrusted: a tool checks them and says what is wrong in its outcome."""

    @property
    def spec(self) -> ToolSpec: ...

    def approval_text(self, arguments: dict[str, Any]) -> str:
        """What the approval modal shows: the arguments as indented JSON, or for a shell
        command the command line exactly as it will run."""
        ...

    def scope(self, arguments: dict[str, Any]) -> str:
        """What "allow for this session" covers: the label, or for run_shell the exact
        command (an approval of one command never covers another)."""
        ...

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        """Run the call. Cancelling it (Esc) stops it: a shell's process group is killed,
        an MCP request cancelled. Errors come back as `ToolOutcome(ok=False)`."""
        ...


def pretty_arguments(arguments: dict[str, Any]) -> str:
    """Arguments as the approval modal and an unfolded card show them."""
    return json.dumps(arguments, ensure_ascii=False, indent=2, sort_keys=False)


class ToolDefaults:
    """What most tools share: the approval modal shows the arguments as JSON, and "allow
    for this session" covers the tool as a whole (its label). A tool whose arguments read
    better another way (a path, a URL) or that needs a narrower scope (run_shell: the
    exact command) overrides these."""

    spec: ToolSpec

    def approval_text(self, arguments: dict[str, Any]) -> str:
        return pretty_arguments(arguments)

    def scope(self, arguments: dict[str, Any]) -> str:
        return self.spec.label


@dataclass(frozen=True)
class OfferedTools:
    """The tools one request offers, by wire name, and why some could not be offered
    (a server that failed to start, a tool the config no longer names): one line each."""

    tools: dict[str, Tool] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


class ToolSource(Protocol):
    """Where the reply loop gets the tools of a session (tui_chat.tools.registry)."""

    async def offered(self, selection: tuple[str, ...]) -> OfferedTools:
        """The tools `selection` names (built-in names, "mcp:NAME" for all of a server's
        tools, "NAME.tool" for one), starting the MCP servers they need first."""
        ...

    def max_rounds(self) -> int:
        """Rounds of tool calls a turn may take (`[tools] max_rounds`)."""
        ...
