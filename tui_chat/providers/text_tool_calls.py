"""Tool calls a local model printed as text instead of sending them as `tool_calls`.

Qwen and Hermes chat templates have the model write
`<tool_call>{"name": "current_time", "arguments": {}}</tool_call>` into its reply; a server
without a tool-call parser (llama.cpp without --jinja, vLLM without --tool-call-parser, some
Ollama models) passes that through as content. `TextToolCallSplitter` takes such blocks out
of the reply's text and turns them into calls (`from_text=True`), so they run like any
other. Used only when the request offered tools: otherwise the text is the model's to say.

The tags may be split across chunks, so text that could still become a tag is held back.
A block whose inside is not a call (not JSON, no name) is given back as text, unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from tui_chat.core.sanitize import single_line
from tui_chat.core.tool_turns import ToolCall

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"


class TextToolCallSplitter:
    """Feed content chunks; get back (text to show, calls parsed out of it)."""

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False
        self._after_call = False  # drop the whitespace between a call and what follows
        self._gap = ""  # the whitespace before an open tag
        self._count = 0

    def feed(self, chunk: str) -> tuple[str, list[ToolCall]]:
        if not self._inside and "<" not in chunk and "<" not in self._pending:
            # The common case: no tag near, nothing held back (text held back would be
            # lost when the user stops the reply, and late on screen).
            text, self._pending = self._pending + chunk, ""
            return self._plain(text), []
        self._pending += chunk
        shown: list[str] = []
        calls: list[ToolCall] = []
        while True:
            if self._inside:
                end = self._pending.find(CLOSE_TAG)
                if end < 0:
                    return "".join(shown), calls
                body = self._pending[:end]
                self._pending = self._pending[end + len(CLOSE_TAG) :]
                self._inside = False
                self._close(body, shown, calls, closed=True)
                continue
            start = self._pending.find(OPEN_TAG)
            if start >= 0:
                # Whitespace right before a call is left out with the call (a line break);
                # kept aside in case the block is not a call after all.
                before = self._pending[:start]
                kept = before.rstrip()
                self._gap = before[len(kept) :]
                if kept:
                    shown.append(self._plain(kept))
                self._pending = self._pending[start + len(OPEN_TAG) :]
                self._inside = True
                continue
            keep = _partial_suffix(self._pending, OPEN_TAG)
            text = self._pending[: len(self._pending) - keep]
            self._pending = self._pending[len(self._pending) - keep :]
            if text:
                shown.append(self._plain(text))
            return "".join(shown), calls

    def flush(self) -> tuple[str, list[ToolCall]]:
        """At the end of the stream: a block left open is a call if its inside is one
        (models often stop right after the JSON), else text; held text comes out."""
        pending, self._pending = self._pending, ""
        if not self._inside:
            return self._plain(pending), []
        self._inside = False
        shown: list[str] = []
        calls: list[ToolCall] = []
        self._close(pending, shown, calls, closed=False)
        return "".join(shown), calls

    def _close(self, body: str, shown: list[str], calls: list[ToolCall], closed: bool) -> None:
        call = self._parse(body)
        if call is None:
            shown.append(self._plain(self._gap) + OPEN_TAG + body + (CLOSE_TAG if closed else ""))
            self._after_call = False
        else:
            calls.append(call)
            self._after_call = True

    def _plain(self, text: str) -> str:
        if self._after_call:
            text = text.lstrip()
            if text:
                self._after_call = False
        return text

    def _parse(self, body: str) -> ToolCall | None:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            return None
        arguments: Any = data.get("arguments", data.get("parameters", {}))
        if isinstance(arguments, str):  # some templates print the arguments as a JSON string
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                return None
        if not isinstance(arguments, dict):
            return None
        self._count += 1
        return ToolCall(
            id=f"call_text_{self._count}",
            name=single_line(name).strip(),
            arguments=json.dumps(arguments, ensure_ascii=False),
            from_text=True,
        )


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
