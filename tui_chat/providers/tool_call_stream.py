"""Assemble the tool calls a model streams in `delta.tool_calls`.

OpenAI-style servers send each call in pieces keyed by `index`: the first piece carries
`id`, `type` and `function.name` (sometimes the first bit of the arguments), later pieces
only `function.arguments` text. Several calls may interleave (call 0's head, call 1's head,
call 0's next piece, …). Others differ, and all of these are handled:
- whole calls in one chunk (Zhipu without `tool_stream`, Ollama, a non-streamed reply);
- no `index` at all: a piece with a new `id` (or a new name) starts a call, a piece with
  neither continues the last one;
- the `id` repeated on every piece (the same call); a new `id` at a used index is a new
  call (a server that reuses index 0), and so is a new index even with a known `id`;
- no `id`: the call gets `call_<n>` (a tool message must answer some id).

Arguments are kept exactly as streamed: they go back to the server byte for byte in the
next request. Names and ids are cleaned of control characters (they are shown).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui_chat.core.sanitize import single_line
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.events import ToolCallStreaming


@dataclass
class _Call:
    position: int
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAccumulator:
    """Feed each chunk's `delta.tool_calls`; `calls()` gives the assembled calls."""

    def __init__(self) -> None:
        self._calls: list[_Call] = []
        self._by_index: dict[int, _Call] = {}
        self._by_id: dict[str, _Call] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def feed(self, pieces: Iterable[Any]) -> list[ToolCallStreaming]:
        """Take one chunk's tool call pieces (SDK objects or plain dicts). Returns a
        `ToolCallStreaming` for each call whose name arrived with them."""
        named: list[ToolCallStreaming] = []
        for piece in pieces:
            function = _field(piece, "function")
            name = _text(_field(function, "name"))
            call = self._call_for(_index(piece), _text(_field(piece, "id")), name)
            if name and not call.name:
                call.name = single_line(name).strip()
                named.append(ToolCallStreaming(call.position, call.name))
            arguments = _field(function, "arguments")
            if isinstance(arguments, str):
                if arguments:
                    call.arguments.append(arguments)
            elif isinstance(arguments, Mapping):  # a server that sends an object
                call.arguments.append(json.dumps(arguments, ensure_ascii=False))
        return named

    def _call_for(self, index: int | None, call_id: str, name: str) -> _Call:
        """The call a piece belongs to, made if new."""
        if index is not None:
            call = self._by_index.get(index)
            if call is not None and not (call_id and call.id and call_id != call.id):
                self._remember_id(call, call_id)
                return call
            call = self._new(call_id)  # a new index is a new call, even with a known id
            self._by_index[index] = call
            return call
        if call_id:
            call = self._by_id.get(call_id)
            if call is None:
                last = self._calls[-1] if self._calls else None
                # The id of a call whose head came without one (continues it), else new.
                if last is not None and not last.id and not (name and last.name):
                    call = last
                    self._remember_id(call, call_id)
                else:
                    call = self._new(call_id)
            return call
        if self._calls and not (name and self._calls[-1].name):
            return self._calls[-1]
        return self._new("")

    def _new(self, call_id: str) -> _Call:
        call = _Call(position=len(self._calls))
        self._calls.append(call)
        self._remember_id(call, call_id)
        return call

    def _remember_id(self, call: _Call, call_id: str) -> None:
        if call_id and not call.id:
            call.id = single_line(call_id).strip()
            self._by_id.setdefault(call_id, call)

    def calls(self) -> tuple[ToolCall, ...]:
        """The calls in the order their first pieces arrived (the `ToolCallStreaming`
        indexes), status pending. Ids are made unique within the reply."""
        seen: set[str] = set()
        assembled = []
        for call in self._calls:
            call_id = call.id or f"call_{call.position + 1}"
            if call_id in seen:
                call_id = f"{call_id}_{call.position + 1}"
            seen.add(call_id)
            assembled.append(
                ToolCall(id=call_id, name=call.name, arguments="".join(call.arguments))
            )
        return tuple(assembled)


def _field(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


def _index(piece: Any) -> int | None:
    value = _field(piece, "index")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
