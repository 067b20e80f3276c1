"""The offline demo provider: canned replies with reasoning, streamed at a readable pace."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from tui_chat.core.sanitize import one_line
from tui_chat.core.session import Usage
from tui_chat.providers.dialects import text_of
from tui_chat.providers.events import (
    ChatRequest,
    Finished,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    UsageReport,
)

DEMO_MODEL = "demo"

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
        reasoning = _pieces(_REASONING.format(question=question))
        reply = _pieces(_REPLY.format(question=question.replace("*", "")))
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
