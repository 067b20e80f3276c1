"""Streaming chat completions from any OpenAI-compatible server through the `openai` SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from tui_chat.config import ProviderConfig
from tui_chat.providers.errors import classify
from tui_chat.providers.events import (
    ChatRequest,
    Failed,
    Finished,
    ProviderError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    UsageReport,
)
from tui_chat.providers.think import ThinkTagSplitter
from tui_chat.sanitize import strip_control
from tui_chat.session import Usage

# Where servers put reasoning text in a delta; none is a declared SDK field.
REASONING_FIELDS = ("reasoning_content", "reasoning")


class OpenAICompatibleProvider:
    """Streams from one configured provider; one SDK client, reused across requests."""

    is_demo = False

    def __init__(self, config: ProviderConfig, api_key: str) -> None:
        self.config = config
        self.name = config.name
        self.label = config.display_name
        self._api_key = api_key
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import openai  # deferred: importing the SDK takes longer than starting the app

            timeout = self.config.timeout
            self._client = openai.AsyncOpenAI(
                # Explicit base_url and key: otherwise the SDK reads OPENAI_* variables.
                base_url=self.config.base_url,
                api_key=self._api_key,
                timeout=openai.Timeout(timeout, connect=min(10.0, timeout)),
                max_retries=0,  # retrying is the user's call (billing 429s must not repeat)
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Yield events until the reply finishes or fails. Never raises for provider
        trouble (that becomes `Failed`); cancellation closes the HTTP stream."""
        try:
            client = self._get_client()
            extra_body = {**self.config.extra_body, **request.extra_body}
            stream = await client.chat.completions.create(
                model=request.model,
                messages=request.messages,
                stream=True,
                stream_options={"include_usage": True},
                extra_body=extra_body or None,
            )
        except Exception as exc:
            yield Failed(self._classify(exc, request))
            return
        try:
            async for event in _events(stream):
                yield event
        except Exception as exc:
            yield Failed(self._classify(exc, request))
        finally:
            await stream.close()

    def _classify(self, exc: BaseException, request: ChatRequest) -> ProviderError:
        key_hint = self.config.api_key_env or "the api_key in the config"
        return classify(exc, key_hint, request.model, self.config.base_url)


async def _events(stream: Any) -> AsyncIterator[StreamEvent]:
    splitter = ThinkTagSplitter()
    finish_reason: str | None = None
    model: str | None = None
    usage: Usage | None = None
    async for chunk in stream:
        model = getattr(chunk, "model", None) or model
        if chunk.usage is not None:
            usage = usage_from(
                chunk.usage
            )  # the last one wins: some servers send it on every chunk
        for choice in chunk.choices or ():
            delta = choice.delta
            if delta is not None:
                for name in REASONING_FIELDS:
                    reasoning = getattr(delta, name, None)
                    if isinstance(reasoning, str) and reasoning:
                        yield ReasoningDelta(strip_control(reasoning))
                        break  # some routes echo the same text under both names
                if delta.content:
                    inline_reasoning, text = splitter.feed(delta.content)
                    if inline_reasoning:
                        yield ReasoningDelta(strip_control(inline_reasoning))
                    if text:
                        yield TextDelta(strip_control(text))
            if choice.finish_reason:
                finish_reason = choice.finish_reason
    inline_reasoning, text = splitter.flush()
    if inline_reasoning:
        yield ReasoningDelta(strip_control(inline_reasoning))
    if text:
        yield TextDelta(strip_control(text))
    if usage is not None:
        yield UsageReport(usage)
    if finish_reason:
        yield Finished(finish_reason, model)
    else:
        yield Failed(
            ProviderError(
                "cut_off",
                "The reply was cut off",
                "The stream ended before the server finished the reply. Press ctrl+r to retry.",
            )
        )


def usage_from(raw: Any) -> Usage:
    """Usage from the SDK's CompletionUsage (or a plain dict from a non-standard server)."""
    data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else raw.model_dump()

    def number(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    completion_details = data.get("completion_tokens_details") or {}
    prompt_details = data.get("prompt_tokens_details") or {}
    prompt = number(data.get("prompt_tokens"))
    completion = number(data.get("completion_tokens"))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=number(data.get("total_tokens")) or prompt + completion,
        reasoning_tokens=completion_details.get("reasoning_tokens"),
        cached_tokens=prompt_details.get("cached_tokens"),
    )
