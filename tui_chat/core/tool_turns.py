"""The tool calls of one turn: what the model asked to run, and what it got back.

One turn stays one `Message` however many rounds of tool calls it took: its `content` and
`reasoning` are those of the final answer; each earlier request that ended in calls is a
`ToolRound` in `Message.tool_rounds`, with that round's text, reasoning, calls and results.
Regenerate, delete, branches and the context strategies all work on turns, so a call can
never be separated from its results.

`round_messages` turns the rounds back into the exact wire messages the model saw:
an assistant message with its `tool_calls`, then one `role: "tool"` message per call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.sanitize import single_line, strip_control

CallStatus = Literal["pending", "running", "ok", "error", "denied", "stopped"]
CALL_STATUSES: tuple[str, ...] = ("pending", "running", "ok", "error", "denied", "stopped")
NOT_RUN = "Not run: the user stopped the reply."
"""What the model is told for a call that never ran, so no call id is left unanswered."""


@dataclass
class ToolCall:
    """One call the model asked for, and how it went."""

    id: str
    name: str
    """The wire name the model used ("current_time", "docs__lookup")."""
    arguments: str
    """The arguments exactly as the model streamed them (resent byte for byte)."""
    label: str = ""
    """What the user sees ("docs.lookup"); "" means the wire name."""
    server: str | None = None
    """The MCP server the tool came from; None for a built-in tool."""
    status: CallStatus = "pending"
    result: str = ""
    """What the model gets back, whole (control sequences already stripped)."""
    denial_reason: str | None = None
    """The user denied the call; the reason they gave ("" for none)."""
    seconds: float | None = None
    """How long the call ran."""
    from_text: bool = False
    """The model printed the call as text (<tool_call>…) and it was parsed."""

    @property
    def display_label(self) -> str:
        return self.label or self.name

    def parsed_arguments(self) -> dict[str, Any] | None:
        """The arguments as a JSON object ({} for none); None when they are not one."""
        if not self.arguments.strip():
            return {}
        try:
            value = json.loads(self.arguments)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def wire_arguments(self) -> str:
        """The arguments to resend: as streamed, "{}" when none arrived."""
        return self.arguments if self.arguments.strip() else "{}"

    def wire_result(self) -> str:
        """What the `role: "tool"` message for this call says."""
        if self.status == "denied":
            reason = (self.denial_reason or "").strip()
            said = f" Their reason: {reason}" if reason else ""
            return f"The user denied this call.{said}"
        if self.status in ("pending", "running") or (self.status == "stopped" and not self.result):
            return NOT_RUN
        return self.result

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "arguments": self.arguments,
            "status": self.status,
            "result": self.result,
        }
        if self.label and self.label != self.name:
            data["label"] = self.label
        if self.server is not None:
            data["server"] = self.server
        if self.denial_reason is not None:
            data["denial_reason"] = self.denial_reason
        if self.seconds is not None:
            data["seconds"] = self.seconds
        if self.from_text:
            data["from_text"] = True
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ToolCall | None:
        """A call from a session file; None for anything that is not one. Hostile values
        are cleaned: an unknown status reads as "error", text fields lose control codes."""
        if not isinstance(data, dict):
            return None
        status = data.get("status")
        seconds = data.get("seconds")
        reason = data.get("denial_reason")
        server = data.get("server")
        return cls(
            id=single_line(_text(data.get("id"))),
            name=single_line(_text(data.get("name"))),
            # Raw control characters make JSON invalid (and tab, newline, CR are only
            # whitespace there): stripping them changes no arguments a tool could take.
            arguments=strip_control(_text(data.get("arguments"))),
            label=single_line(_text(data.get("label"))),
            server=single_line(server) if isinstance(server, str) and server else None,
            status=status if status in CALL_STATUSES else "error",
            result=strip_control(_text(data.get("result"))),
            denial_reason=strip_control(reason) if isinstance(reason, str) else None,
            seconds=(
                float(seconds)
                if isinstance(seconds, int | float) and not isinstance(seconds, bool)
                else None
            ),
            from_text=data.get("from_text") is True,
        )


@dataclass
class ToolRound:
    """One request of a turn that ended in tool calls: its text, reasoning and calls."""

    content: str = ""
    reasoning: str = ""
    calls: list[ToolCall] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"content": self.content, "calls": [c.to_dict() for c in self.calls]}
        if self.reasoning:
            data["reasoning"] = self.reasoning
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ToolRound | None:
        if not isinstance(data, dict):
            return None
        raw_calls = data.get("calls")
        calls = [c for c in map(ToolCall.from_dict, raw_calls or []) if c is not None]
        if not isinstance(raw_calls, list):
            calls = []
        return cls(
            content=strip_control(_text(data.get("content"))),
            reasoning=strip_control(_text(data.get("reasoning"))),
            calls=calls,
        )


def rounds_from_json(value: Any) -> list[ToolRound]:
    """The `tool_rounds` of a message in a session file ([] for anything else)."""
    if not isinstance(value, list):
        return []
    return [r for r in map(ToolRound.from_dict, value) if r is not None]


def round_messages(
    rounds: Sequence[ToolRound], reasoning_field: str | None = None
) -> list[dict[str, Any]]:
    """The wire messages of `rounds`: per round, the assistant message carrying its
    `tool_calls` (content null when the round had no text, as OpenAI sends it), then one
    `role: "tool"` message per call, in call order.

    `reasoning_field`: the key under which the dialect wants a round's reasoning sent back
    (DeepSeek's thinking mode rejects a tool loop without `reasoning_content`): the scoped
    exception to "reasoning is never resent". The key is present even when empty."""
    messages: list[dict[str, Any]] = []
    for tool_round in rounds:
        if not tool_round.calls:
            continue
        assistant: dict[str, Any] = {
            "role": "assistant",
            "content": tool_round.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.wire_arguments()},
                }
                for call in tool_round.calls
            ],
        }
        if reasoning_field:
            assistant[reasoning_field] = tool_round.reasoning
        messages.append(assistant)
        messages.extend(
            {"role": "tool", "tool_call_id": call.id, "content": call.wire_result()}
            for call in tool_round.calls
        )
    return messages


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def rounds_reasoning(rounds: Sequence[ToolRound], final: str) -> str:
    """All the reasoning of a turn, in order: each round's, then the final answer's (what
    the thinking pane shows and the meta line counts)."""
    parts = [r.reasoning.strip() for r in rounds if r.reasoning.strip()]
    if final.strip():
        parts.append(final)
    return "\n\n".join(parts)
