"""Tool calls for tests/sse_server.py: how a script's calls become `delta.tool_calls` chunks.

Real servers differ in how they stream calls, and each shape is one `style`:
- "stream" (OpenAI): per call, a head piece with index, id, type and function.name (and
  `arguments: ""`, or the first argument piece with `head_piece`), then one piece per
  argument piece; call after call.
- "interleave": the calls' heads first, then their pieces in turn (call 0 piece, call 1
  piece, …), as a server generating calls in parallel may send them.
- "whole": every call complete in one chunk (Zhipu without `tool_stream`, Ollama).
Options: `with_index=False` leaves the `index` key out; `repeat_id=True` sends id and type
on every piece (some servers do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ToolCallScript", "tool_call_deltas", "tool_calls_message"]


@dataclass
class ToolCallScript:
    """One call the fake model makes."""

    id: str
    name: str
    # The arguments JSON, in the pieces it streams in ("" pieces are sent as they are).
    arguments: list[str] = field(default_factory=lambda: ["{}"])
    # Wire index; default: the call's position in the script.
    index: int | None = None

    @property
    def whole_arguments(self) -> str:
        return "".join(self.arguments)


def _piece(
    call: ToolCallScript,
    position: int,
    with_index: bool,
    *,
    head: bool,
    arguments: str,
    repeat_id: bool = False,
) -> dict[str, Any]:
    piece: dict[str, Any] = {}
    if with_index:
        piece["index"] = position if call.index is None else call.index
    if head or repeat_id:
        piece["id"] = call.id
        piece["type"] = "function"
    function: dict[str, Any] = {"arguments": arguments}
    if head:
        function = {"name": call.name, **function}
    piece["function"] = function
    return piece


def tool_call_deltas(
    calls: list[ToolCallScript],
    style: str = "stream",
    *,
    head_piece: bool = False,
    with_index: bool = True,
    repeat_id: bool = False,
) -> list[dict[str, Any]]:
    """The chunk deltas (`{"content": None, "tool_calls": [...]}`) that carry `calls`."""
    if style not in ("stream", "interleave", "whole"):
        raise ValueError(f"unknown tool call style {style!r}")
    if style == "whole":
        pieces = [
            _piece(c, i, with_index, head=True, arguments=c.whole_arguments)
            for i, c in enumerate(calls)
        ]
        return [{"content": None, "tool_calls": pieces}] if pieces else []
    heads: list[dict[str, Any]] = []
    rests: list[list[dict[str, Any]]] = []
    for position, call in enumerate(calls):
        first = call.arguments[0] if head_piece and call.arguments else ""
        later = call.arguments[1:] if head_piece else call.arguments
        heads.append(_piece(call, position, with_index, head=True, arguments=first))
        rests.append(
            [
                _piece(call, position, with_index, head=False, arguments=a, repeat_id=repeat_id)
                for a in later
            ]
        )
    ordered: list[dict[str, Any]] = []
    if style == "stream":
        for head, rest in zip(heads, rests, strict=True):
            ordered += [head, *rest]
    else:
        ordered += heads
        for turn in range(max((len(r) for r in rests), default=0)):
            ordered += [rest[turn] for rest in rests if turn < len(rest)]
    return [{"content": None, "tool_calls": [piece]} for piece in ordered]


def tool_calls_message(calls: list[ToolCallScript]) -> list[dict[str, Any]]:
    """`message.tool_calls` of a non-streamed completion."""
    return [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": c.whole_arguments},
        }
        for c in calls
    ]
