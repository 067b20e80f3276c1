"""Streaming chat completions from any OpenAI-compatible server through the `openai` SDK.

The provider's dialect (config `dialect`) shapes the request, reads reasoning and usage from
the chunks and reads error bodies. Retrying lives here, in one place: the SDK's own retries
are off (it would repeat billing 429s); ours wait for rate limits and busy servers only,
honour Retry-After, and never retry once a token has arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.sanitize import one_line, strip_control
from tui_chat.core.session import Usage
from tui_chat.core.settings import ChatSettings, deep_merge
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.chunk_stream import as_chunk, open_chunk_stream
from tui_chat.providers.dialects import Dialect, dialect_for, usage_of
from tui_chat.providers.errors import broken_off, key_hint, redact
from tui_chat.providers.events import (
    AnswerComplete,
    ChatRequest,
    Failed,
    Finished,
    Notice,
    ProviderError,
    ReasoningDelta,
    ReasoningWasText,
    Retrying,
    StreamEvent,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
    UsageReport,
)
from tui_chat.providers.plain_reply import answers_plainly, plain_chunks
from tui_chat.providers.request_fields import RequestParts, tool_fields
from tui_chat.providers.text_tool_calls import TextToolCallSplitter
from tui_chat.providers.tool_call_stream import ToolCallAccumulator


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request is sent again: only errors marked retryable (rate limited,
    busy), only before any token arrived, at most `max_attempts` requests in all."""

    max_attempts: int = 3
    max_wait: float = 30.0
    """Longest wait; a server asking for longer (Retry-After) is not retried."""
    base_delay: float = 1.0
    """First wait when the server gives no Retry-After; doubles each time."""

    def delay(self, error: ProviderError, attempt: int) -> float | None:
        """Seconds to wait after failed attempt number `attempt`, or None to give up."""
        if not error.retryable or attempt >= self.max_attempts:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_wait else None
        return min(self.base_delay * 2.0 ** (attempt - 1), self.max_wait)


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(max_attempts=1)


class OpenAICompatibleProvider:
    """Streams from one configured provider; one SDK client, reused across requests."""

    is_demo = False

    def __init__(
        self,
        config: ProviderConfig,
        api_key: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        key_source: str | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.label = config.display_name
        self.dialect: Dialect = dialect_for(config.dialect)
        self.retry = retry
        self._api_key = api_key
        self._key_source = key_source or config.key_source()
        """Where the key came from (`KeyLookup.source`), for the advice after a 401."""
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = sdk_client(self.config, self._api_key)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def request_parts(self, request: ChatRequest) -> RequestParts:
        """The create() arguments for a request: the dialect's reading of the session
        settings over the provider's extra_body (with the model's own from
        `model_settings` merged over it), then the request's own extra_body."""
        parts = self.dialect.request_kwargs(
            request.settings or ChatSettings(),
            request.model,
            self.config.extra_body_for(request.model),
        )
        if request.extra_body:
            parts = parts._replace(extra_body=deep_merge(parts.extra_body, request.extra_body))
        if request.tools:
            parts = tool_fields(self.dialect, request, parts)
        return parts

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Yield events until the reply finishes or fails. Never raises for provider
        trouble (that becomes `Failed`); cancellation closes the HTTP stream."""
        parts = self.request_parts(request)
        for notice in parts.notices:
            yield Notice(notice)
        if request.settings is not None:
            problem = self.dialect.problem_before_sending(request.settings, request.messages)
            if problem:
                yield Failed(
                    ProviderError(
                        "bad_request", "JSON mode needs the word “json” in the prompt", problem
                    )
                )
                return
        attempt = 1
        while True:
            error: ProviderError | None = None
            started = False
            answered = False  # answer text arrived (not only reasoning): Alt+G can go on
            try:
                stream = await open_chunk_stream(
                    self._get_client(),
                    model=request.model,
                    messages=request.messages,
                    extra_body=parts.extra_body or None,
                    **parts.kwargs,
                )
            except Exception as exc:
                error = self._classify(exc, request)
            else:
                try:
                    chunks = stream
                    if answers_plainly(stream.response):  # a proxy that ignores stream=True
                        chunks = plain_chunks(stream.response, self.config.base_url)
                    async for event in self._events(chunks, request.model, bool(request.tools)):
                        started = started or isinstance(event, _STARTED)
                        answered = answered or isinstance(event, TextDelta)
                        yield event
                except Exception as exc:
                    error = self._classify(exc, request)
                finally:
                    await stream.close()
            if error is None:
                return
            error = self.dialect.explain_refusal(error, request.model, request.settings, parts)
            if answered:
                error = broken_off(error)
            wait = None if started else self.retry.delay(error, attempt)
            if wait is None:
                yield Failed(error)
                return
            attempt += 1
            yield Retrying(wait, attempt, self.retry.max_attempts, error)
            await asyncio.sleep(wait)

    def _classify(self, exc: BaseException, request: ChatRequest) -> ProviderError:
        """The error to show, save and maybe log: in plain words, without the key."""
        error = self.dialect.classify_error(
            exc, key_hint(self._key_source), request.model, self.config.base_url
        )
        return redact(error, [self._api_key])

    async def _events(
        self, stream: Any, model: str, offers_tools: bool = False
    ) -> AsyncIterator[StreamEvent]:
        """Chunks -> events. Raises what the SDK raises (the caller classifies it).

        `offers_tools`: the request offered tools, so a `<tool_call>` printed in the text
        is a call (text_tool_calls.py). Streamed `delta.tool_calls` are assembled whatever
        the request offered; the reply loop decides what to do with unoffered ones."""
        dialect = self.dialect
        tool_calls = ToolCallAccumulator()
        text_calls = TextToolCallSplitter() if offers_tools else None
        printed_calls: list[ToolCall] = []
        splitter: Any = None
        split = False  # a splitter was asked for (it may be None: content taken as is)
        saw_reasoning_field = False
        assumed: list[str] = []  # inline reasoning shown, in case it was the reply's text
        finish_reason: str | None = None
        served_model: str | None = None
        usage: Usage | None = None
        try:
            async for raw in stream:
                chunk = as_chunk(raw)
                served_model = getattr(chunk, "model", None) or served_model
                raw_usage = usage_of(chunk)
                if raw_usage is not None:
                    usage = usage_from(raw_usage)  # cumulative: the last one wins
                for choice in chunk.choices or ():
                    delta = choice.delta
                    if delta is not None:
                        reasoning = dialect.reasoning_of(delta)
                        if reasoning:
                            saw_reasoning_field = True
                            yield ReasoningDelta(strip_control(reasoning))
                        if delta.content:
                            if not split:
                                splitter = dialect.think_splitter(model, saw_reasoning_field)
                                split = True
                            text = delta.content
                            if splitter is not None:
                                inline_reasoning, text = splitter.feed(text)
                                if inline_reasoning:
                                    assumed.append(strip_control(inline_reasoning))
                                    yield ReasoningDelta(assumed[-1])
                            if text and text_calls is not None:
                                text, found = text_calls.feed(text)
                                for event in self._printed(found, tool_calls, printed_calls):
                                    yield event
                            if text:
                                yield TextDelta(strip_control(text))
                        pieces = getattr(delta, "tool_calls", None)
                        if pieces:
                            for event in tool_calls.feed(pieces):
                                yield event
                    if choice.finish_reason:
                        if finish_reason is None:
                            yield AnswerComplete()
                        finish_reason = choice.finish_reason
        except Exception:
            # Cut off mid-stream (the caller says so and keeps the reply): the text held
            # back in case a <tool_call> tag followed is part of what arrived.
            if text_calls is not None:
                held, _ = text_calls.flush()
                if held:
                    yield TextDelta(strip_control(held))
            raise
        if splitter is not None:
            complete = finish_reason is not None and finish_reason != "length"
            inline_reasoning, text = splitter.flush(complete=complete)
            if splitter.reclassified:
                yield ReasoningWasText("".join(assumed))
            if inline_reasoning:
                yield ReasoningDelta(strip_control(inline_reasoning))
            if text and text_calls is not None:
                text, found = text_calls.feed(text)
                for event in self._printed(found, tool_calls, printed_calls):
                    yield event
            if text:
                yield TextDelta(strip_control(text))
        if text_calls is not None:
            text, found = text_calls.flush()
            for event in self._printed(found, tool_calls, printed_calls):
                yield event
            if text:
                yield TextDelta(strip_control(text))
        if usage is not None:
            yield UsageReport(usage)
        if finish_reason not in _UNFINISHED_CALLS and (tool_calls or printed_calls):
            yield ToolCallsRequested(tool_calls.calls() + tuple(printed_calls))
        elif finish_reason == "tool_calls" and offers_tools:
            yield Failed(
                ProviderError(
                    "malformed",
                    "The model asked for a tool but sent no call",
                    "The reply ended for a tool call, yet none arrived. Press Ctrl+R to try again.",
                )
            )
            return
        if finish_reason:
            # Both are the server's words, shown and saved: one clean line each.
            served = one_line(str(served_model or ""), 200) or None
            yield Finished(one_line(str(finish_reason), 80), served)
        else:
            yield Failed(
                ProviderError(
                    "cut_off",
                    "The reply was cut off",
                    "The stream ended before the server finished the reply. Press Ctrl+R to retry.",
                )
            )

    @staticmethod
    def _printed(
        found: list[ToolCall], streamed: ToolCallAccumulator, printed: list[ToolCall]
    ) -> list[ToolCallStreaming]:
        """Calls a model printed as text: kept, each announced after the streamed ones."""
        events = []
        for call in found:
            printed.append(call)
            index = len(streamed) + len(printed) - 1
            events.append(ToolCallStreaming(index, call.name))
        return events


_UNFINISHED_CALLS = (None, "length", "max_tokens")
"""Finish reasons after which streamed calls may be incomplete: none is requested (the
reply ends as cut off, with what arrived)."""
_STARTED = (TextDelta, ReasoningDelta, ToolCallStreaming)
"""Events after which a failed request is not sent again (what arrived is shown)."""


def sdk_client(config: ProviderConfig, api_key: str, timeout: float | None = None) -> Any:
    """The openai SDK's async client for one provider and key, as every request of
    tui-chat's to it goes out (chat, the models list and its Test, images); `timeout`
    replaces the provider's."""
    import openai  # deferred: importing the SDK takes longer than starting the app

    timeout = timeout or config.timeout
    return openai.AsyncOpenAI(
        # Explicit base_url and key: otherwise the SDK reads OPENAI_* variables.
        base_url=config.base_url,
        api_key=api_key,
        timeout=openai.Timeout(timeout, connect=min(10.0, timeout)),
        max_retries=0,  # retries are ours (see RetryPolicy): billing 429s must not repeat
        # A 307/308 would re-send the whole conversation to wherever it points (httpx
        # drops only the key); it becomes an error naming the new address.
        http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
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
