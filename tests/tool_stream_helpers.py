"""Shared pieces of the provider tool tests (test_provider_tools.py,
test_provider_tool_requests.py): tools to offer, scripted calls, and a one-request runner."""

from __future__ import annotations

from typing import Any

from sse_server import FakeOpenAIServer, ToolCallScript

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.settings import ChatSettings
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.events import (
    ChatRequest,
    Finished,
    StreamEvent,
    TextDelta,
    ToolCallsRequested,
)
from tui_chat.providers.openai_compat import NO_RETRY, OpenAICompatibleProvider

ASK = [{"role": "user", "content": "What is the date?"}]
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "current_time",
        "description": "The current date and time.",
        "parameters": {"type": "object", "properties": {}},
    },
}
LOOKUP_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "docs__lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
    },
}
TOOLS = (TIME_TOOL, LOOKUP_TOOL)
TWO_CALLS = [
    ToolCallScript("call_a", "docs__lookup", ['{"wo', 'rd": ', '"终端"}']),
    ToolCallScript("call_b", "current_time", ["{", "}"]),
]


def provider_for(server: FakeOpenAIServer, dialect: str = "generic") -> OpenAICompatibleProvider:
    config = ProviderConfig(
        name=dialect,
        base_url=server.base_url,
        api_key_env=None,
        dialect=dialect,
        timeout=5.0,
    )
    return OpenAICompatibleProvider(config, api_key="sk-test", retry=NO_RETRY)


async def run(
    server: FakeOpenAIServer,
    dialect: str = "generic",
    *,
    tools: tuple[dict[str, Any], ...] = TOOLS,
    model: str = "test-model",
    messages: list[dict[str, Any]] | None = None,
    settings: ChatSettings | None = None,
    extra_body: dict[str, Any] | None = None,
) -> list[StreamEvent]:
    provider = provider_for(server, dialect)
    request = ChatRequest(
        model=model,
        messages=messages or ASK,
        tools=tools,
        settings=settings,
        extra_body=extra_body or {},
    )
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def requested(events: list[StreamEvent]) -> list[ToolCall]:
    found = [e for e in events if isinstance(e, ToolCallsRequested)]
    assert len(found) == 1, events
    # Sent once, right before Finished.
    assert events.index(found[0]) == len(events) - 2 and isinstance(events[-1], Finished)
    return list(found[0].calls)


def summary(calls: list[ToolCall]) -> list[tuple[str, str, str]]:
    return [(c.id, c.name, c.arguments) for c in calls]


def texts(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))
