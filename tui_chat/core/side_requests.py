"""Short requests beside the conversation (titles, summaries): one prompt in, plain text out.

They go through the same provider, dialect and retry rules as a streamed reply, so every
provider quirk handled there (reasoning placement, error bodies, rate limits) holds here too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from tui_chat.core.sanitize import strip_control
from tui_chat.core.settings import ChatSettings
from tui_chat.providers.events import (
    ChatRequest,
    Failed,
    StreamEvent,
    TextDelta,
)


class _Streams(Protocol):
    label: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...


class SideRequestError(Exception):
    """The side request failed; `problem` is one line, safe to show (no key in it)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


async def ask_text(
    provider: _Streams,
    model: str,
    messages: list[dict[str, Any]],
    settings: ChatSettings | None = None,
) -> str:
    """Stream one completion and return its text (reasoning left out, control codes removed).

    `settings` carries what the caller wants of the request (e.g. thinking off, a small
    max_tokens for a title); None sends only what the provider config says.
    """
    request = ChatRequest(model=model, messages=messages, settings=settings)
    parts: list[str] = []
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, Failed):
            raise SideRequestError(event.error.one_line(provider.label))
    return strip_control("".join(parts)).strip()
