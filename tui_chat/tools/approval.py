"""Which calls may run without asking, and the question and answer of the approval modal.

Nothing runs that the user has not allowed: a safe tool (current_time), a tool named in
`[tools] allow` ("always"), or a scope allowed for this session. Each round's calls are
decided afresh; a tool's result never changes what is allowed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from tui_chat.tools.base import Tool

Choice = Literal["once", "session", "always", "deny", "stop"]
"""Allow once; allow this scope for the session; always allow the tool (config); deny
(with an optional reason for the model); stop the reply (Esc)."""


@dataclass(frozen=True)
class ApprovalRequest:
    """What the approval modal asks about."""

    session_id: str
    session_title: str
    label: str
    """"read_file", "docs.lookup"."""
    server: str | None
    shown: str
    """The arguments as indented JSON, or the shell command line as it will run."""
    scope: str
    """What "allow for this session" covers (the label, or the exact command)."""
    may_always_allow: bool


@dataclass(frozen=True)
class ApprovalAnswer:
    choice: Choice
    reason: str = ""
    """For "deny": the user's reason, sent to the model ("" for none)."""


def decide(
    tool: Tool,
    arguments: dict[str, Any],
    session_scopes: Collection[str],
    always_allowed: Collection[str],
) -> Literal["run", "ask"]:
    """Run without asking, or ask. `session_scopes`: what the user allowed for this
    session (`Session.tool_approvals`); `always_allowed`: `[tools] allow` labels."""
    spec = tool.spec
    if spec.safe and spec.may_always_allow:
        return "run"
    if spec.may_always_allow and spec.label in always_allowed:
        return "run"
    if tool.scope(arguments) in session_scopes:
        return "run"
    return "ask"
