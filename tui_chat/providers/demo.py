"""The offline demo provider: canned replies with reasoning, streamed at a readable pace.

When the request offers the `current_time` tool, the demo shows a tool round too: it first
asks for the call, and answers the request that carries the result by quoting it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date
from typing import Any

from tui_chat.config.provider import DEMO_MODEL
from tui_chat.core.sanitize import one_line
from tui_chat.core.session import Usage
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.dialects import text_of
from tui_chat.providers.events import (
    ChatRequest,
    Finished,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
    UsageReport,
)

_REASONING = (
    "The user wrote: “{question}”. This is the offline demo, so no model is answering. "
    "I should show what a real reply looks like: a heading, a list, some Chinese text, "
    "a code block and a table, and explain how to connect a real provider."
)

_REPLY = """\
## Hello from the offline demo 👋

You asked: *{question}*

No API key was found, so **tui-chat** is answering with canned text. Everything else is real:
this reply streams in as Markdown, the reasoning above it went to the thinking pane, and the
session is saved to disk as you read.

### 中文也没问题

这是离线演示模式。设置好 API 密钥之后，你就可以和通义千问、DeepSeek、智谱 GLM 等模型对话了。

### Connect a real provider

1. Get a key from your provider (DashScope, DeepSeek, SiliconFlow, OpenRouter, …).
2. Put it in the environment, for example:

```bash
export DASHSCOPE_API_KEY="sk-..."
tui-chat
```

3. Or point `default_provider` at another entry in your config file:

| Key | What it does |
|-----|--------------|
| `default_provider` | provider used for new sessions |
| `api_key_env` | environment variable holding the key |
| `models` | models to offer |

Press **Ctrl+N** for a new session, **Esc** to stop a reply, **F1** for every key.
"""

_TOOL_REASONING = (
    "The user wrote: “{question}”. This is the offline demo, but the current_time tool is "
    "offered, so I can show a tool call: ask for it, then answer with what it says."
)
_TOOL_OPENING = "It is {when}: the current_time tool told me (the ⚙ card above).\n\n"
DEMO_CALL_ID = "call_demo_1"
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""In English whatever the locale (strftime's %B follows LC_TIME)."""
_TIME_TOOL = "current_time"

_WORD = re.compile(r"\S+\s*|\s+")


def _pieces(text: str) -> list[str]:
    """Words with their trailing space: roughly what a provider streams as tokens."""
    return _WORD.findall(text)


class DemoProvider:
    """Answers every question with a short reasoning and a Markdown reply, offline."""

    name = "demo"
    label = "Offline demo"
    is_demo = True

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        """Seconds between streamed words; 0 streams as fast as possible (tests)."""

    async def aclose(self) -> None:
        return None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        question = "…"
        for message in reversed(request.messages):
            if message["role"] == "user":
                question = one_line(text_of(message["content"]), 120) or "…"
                break
        time_result = _time_result(request.messages)
        if time_result is None and _offers_time(request.tools):
            async for event in self._call_for_time(question):
                yield event
            return
        reasoning = _pieces(_REASONING.format(question=question))
        opening = _TOOL_OPENING.format(when=_when(time_result)) if time_result is not None else ""
        reply = _pieces(opening + _REPLY.format(question=question.replace("*", "")))
        for piece in reasoning:
            await asyncio.sleep(self.delay)
            yield ReasoningDelta(piece)
        for piece in reply:
            await asyncio.sleep(self.delay)
            yield TextDelta(piece)
        prompt_tokens = sum(len(text_of(m["content"])) for m in request.messages) // 3 + 1
        completion_tokens = len(reasoning) + len(reply)
        yield UsageReport(
            Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
                reasoning_tokens=len(reasoning),
            )
        )
        yield Finished("stop", DEMO_MODEL)

    async def _call_for_time(self, question: str) -> AsyncIterator[StreamEvent]:
        """A tool round: a short reasoning, then a current_time call (arguments "{}")."""
        for piece in _pieces(_TOOL_REASONING.format(question=question)):
            await asyncio.sleep(self.delay)
            yield ReasoningDelta(piece)
        await asyncio.sleep(self.delay)
        yield ToolCallStreaming(0, _TIME_TOOL)
        await asyncio.sleep(self.delay)  # as if the arguments streamed
        yield ToolCallsRequested((ToolCall(id=DEMO_CALL_ID, name=_TIME_TOOL, arguments="{}"),))
        yield Finished("tool_calls", DEMO_MODEL)


def _offers_time(tools: Sequence[Mapping[str, Any]]) -> bool:
    for tool in tools:
        function = tool.get("function")
        if isinstance(function, Mapping) and function.get("name") == _TIME_TOOL:
            return True
    return False


def _time_result(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """The result of the current_time call made for the last question (the messages
    after the last user message), or None when there is none yet."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return None
        if message.get("role") == "tool" and message.get("tool_call_id") == DEMO_CALL_ID:
            return text_of(message.get("content"))
    return None


def _when(result: str) -> str:
    """ "Thursday, 3 December 2026, 18:04 (UTC)" from the tool's JSON; the text itself
    (one line) when it is not what current_time returns."""
    try:
        data = json.loads(result)
        day = date.fromisoformat(str(data["date"]))
        month = _MONTHS[day.month - 1]
        when = f"{data['weekday']}, {day.day} {month} {day.year}, {str(data['time'])[:5]}"
        zone = data.get("timezone")
    except (ValueError, KeyError, TypeError):
        return one_line(result, 120) or "a moment I could not read"
    return one_line(f"{when} ({zone})" if zone else when, 120)
