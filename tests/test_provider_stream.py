"""Providers end to end: the real openai SDK over real HTTP against FakeOpenAIServer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.model import Config
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import DEMO_MODEL, PLACEHOLDER_KEY, ProviderConfig
from tui_chat.core.session import Usage
from tui_chat.providers import DemoProvider, ProviderRegistry, ProviderUnavailable
from tui_chat.providers.events import (
    AnswerComplete,
    ChatRequest,
    Failed,
    Finished,
    ProviderError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    UsageReport,
)
from tui_chat.providers.openai_compat import (
    DEFAULT_RETRY,
    NO_RETRY,
    OpenAICompatibleProvider,
    RetryPolicy,
)

KEY_ENV = "TUI_CHAT_TEST_PROVIDER_KEY"
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "你好 👋"},
]
REQUEST = ChatRequest(model="test-model", messages=MESSAGES)
USAGE = Usage(prompt_tokens=11, completion_tokens=7, total_tokens=18)
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A config file that does not exist: built-in presets.
PRESETS_PATH = Path("/nonexistent/tui-chat/config.toml")


def make_provider(
    base_url: str, retry: RetryPolicy = NO_RETRY, **kwargs: Any
) -> OpenAICompatibleProvider:
    """A provider for the fake server; one attempt per request unless `retry` says more
    (retrying is tested in test_dialects.py)."""
    options: dict[str, Any] = {"api_key_env": None, "timeout": 5.0, "models": ("test-model",)}
    options.update(kwargs)
    return OpenAICompatibleProvider(
        ProviderConfig(name="t", base_url=base_url, **options), api_key="sk-test", retry=retry
    )


@pytest.fixture
async def provider(server: FakeOpenAIServer) -> AsyncIterator[OpenAICompatibleProvider]:
    """A provider for the fake server whose key is said to come from KEY_ENV."""
    p = make_provider(server.base_url, api_key_env=KEY_ENV)
    yield p
    await p.aclose()


async def collect(
    provider: OpenAICompatibleProvider | DemoProvider, request: ChatRequest = REQUEST
) -> list[StreamEvent]:
    return [event async for event in provider.stream(request)]


def texts(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def reasoning(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ReasoningDelta))


def error_of(events: list[StreamEvent]) -> ProviderError:
    """The single Failed event, which must be the last one."""
    assert isinstance(events[-1], Failed), events
    assert sum(isinstance(e, Failed) for e in events) == 1
    assert not any(isinstance(e, Finished) for e in events)
    return events[-1].error


# -- successful streams -------------------------------------------------------------------------


async def test_content_events(server: FakeOpenAIServer, provider: OpenAICompatibleProvider) -> None:
    server.enqueue(Script(content=["Hel", "lo", ", 世界 ", "👋"]))
    events = await collect(provider)
    assert events == [
        TextDelta("Hel"),
        TextDelta("lo"),
        TextDelta(", 世界 "),
        TextDelta("👋"),
        AnswerComplete(),  # the chunk with finish_reason: the words have all arrived
        UsageReport(USAGE),
        Finished("stop", "test-model"),
    ]


async def test_served_model_is_reported(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(model="qwen-plus-2025-01-01"))
    events = await collect(provider)
    assert events[-1] == Finished("stop", "qwen-plus-2025-01-01")


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_fields(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider, field: str
) -> None:
    server.enqueue(Script(reasoning=["Let me ", "think. 想一想"], reasoning_field=field))
    events = await collect(provider)
    assert events[:4] == [
        ReasoningDelta("Let me "),
        ReasoningDelta("think. 想一想"),
        TextDelta("Hello"),
        TextDelta(" world"),
    ]
    assert events[-1] == Finished("stop", "test-model")


async def test_inline_think_tags_split_across_chunks(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["<thi", "nk>I should ", "greet.</th", "ink>\n\nHi", " there"]))
    events = await collect(provider)
    body = [e for e in events if isinstance(e, TextDelta | ReasoningDelta)]
    kinds = [type(e) for e in body]
    assert kinds == sorted(kinds, key=lambda k: k is TextDelta)  # all reasoning first
    assert reasoning(events) == "I should greet."
    assert texts(events) == "Hi there"
    assert events[-1] == Finished("stop", "test-model")


async def test_unclosed_inline_think_is_reasoning(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["<think>never", " finished</thi"], finish_reason="length"))
    events = await collect(provider)
    assert reasoning(events) == "never finished</thi"
    assert texts(events) == ""
    assert events[-1] == Finished("length", "test-model")


@pytest.mark.parametrize("mode", ["final_chunk", "last_content_chunk", "every_chunk"])
async def test_usage_reported_once(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider, mode: str
) -> None:
    server.enqueue(Script(content=["a", "b", "c", "d"], usage_mode=mode))
    events = await collect(provider)
    reports = [e for e in events if isinstance(e, UsageReport)]
    assert reports == [UsageReport(USAGE)]
    assert events[-2:] == [UsageReport(USAGE), Finished("stop", "test-model")]
    assert texts(events) == "abcd"


async def test_no_usage(server: FakeOpenAIServer, provider: OpenAICompatibleProvider) -> None:
    server.enqueue(Script(usage_mode="none"))
    events = await collect(provider)
    assert not any(isinstance(e, UsageReport) for e in events)
    assert events == [
        TextDelta("Hello"),
        TextDelta(" world"),
        AnswerComplete(),
        Finished("stop", "test-model"),
    ]


async def test_usage_details(server: FakeOpenAIServer, provider: OpenAICompatibleProvider) -> None:
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 40,
        "completion_tokens_details": {"reasoning_tokens": 25},
        "prompt_tokens_details": {"cached_tokens": 64},
    }
    server.enqueue(Script(usage=usage))
    events = await collect(provider)
    assert UsageReport(Usage(100, 40, 140, reasoning_tokens=25, cached_tokens=64)) in events


@pytest.mark.parametrize(
    "reason", ["stop", "length", "content_filter", "insufficient_system_resource"]
)
async def test_finish_reasons(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider, reason: str
) -> None:
    server.enqueue(Script(finish_reason=reason))
    events = await collect(provider)
    assert events[-1] == Finished(reason, "test-model")
    assert texts(events) == "Hello world"


async def test_keep_alive_comments_are_ignored(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["a", "b"], comments=True))
    assert texts(await collect(provider)) == "ab"


# -- the request ---------------------------------------------------------------------------------


async def test_request_body_and_headers(server: FakeOpenAIServer) -> None:
    p = make_provider(server.base_url, extra_body={"enable_thinking": True, "top_k": 1})
    try:
        request = ChatRequest(model="qwen-plus", messages=MESSAGES, extra_body={"top_k": 5})
        await collect(p, request)
    finally:
        await p.aclose()
    assert len(server.requests) == 1
    sent = server.requests[0]
    assert sent["method"] == "POST"
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["authorization"] == "Bearer sk-test"
    body = sent["json"]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "qwen-plus"
    assert body["messages"] == MESSAGES
    assert body["enable_thinking"] is True  # from the provider config
    assert body["top_k"] == 5  # the request's own extra_body wins


async def test_no_extra_body_sends_no_extra_fields(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    await collect(provider)
    assert set(server.requests[0]["json"]) == {"model", "messages", "stream", "stream_options"}


async def test_sdk_ignores_openai_environment(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/bogus/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    p = make_provider(server.base_url)
    try:
        events = await collect(p)
    finally:
        await p.aclose()
    assert events[-1] == Finished("stop", "test-model")
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-test"


async def test_client_is_reused_and_recreated(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    assert texts(await collect(provider)) == "Hello world"
    assert texts(await collect(provider)) == "Hello world"
    await provider.aclose()
    assert texts(await collect(provider)) == "Hello world"
    assert len(server.requests) == 3


# -- HTTP errors ---------------------------------------------------------------------------------


def openai_error(message: str, type_: str = "invalid_request_error", code: Any = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


async def test_401_is_auth_and_names_the_key_variable(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(
        Script(status=401, error_body=openai_error("Incorrect API key provided", code="bad_key"))
    )
    error = error_of(await collect(provider))
    assert error.kind == "auth"
    assert error.status == 401
    assert KEY_ENV in error.message
    assert "Incorrect API key provided" in error.message


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (402, openai_error("Insufficient Balance"), "quota"),
        (
            429,
            openai_error(
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
                "insufficient_quota",
            ),
            "quota",
        ),
        (403, openai_error("Access denied"), "auth"),
        (404, openai_error("The model `nope` does not exist"), "not_found"),
        (
            400,
            openai_error(
                "This model's maximum context length is 8192 tokens. However, you requested "
                "9000 tokens."
            ),
            "context_length",
        ),
        (400, openai_error("temperature must be between 0 and 2"), "bad_request"),
        (422, {"detail": "Input length exceeds the context size"}, "context_length"),
        (500, openai_error("The server had an error", "server_error"), "server"),
        (503, None, "busy"),
        # A bare string body (a proxy or SiliconFlow-style plain text answer).
        (401, "Invalid token", "auth"),
        (502, "<html><body>502 Bad Gateway</body></html>", "busy"),
        # SiliconFlow's own JSON shape.
        (400, {"code": 20012, "message": "Model does not exist.", "data": None}, "bad_request"),
    ],
)
async def test_http_errors_are_classified(
    server: FakeOpenAIServer,
    provider: OpenAICompatibleProvider,
    status: int,
    body: Any,
    kind: str,
) -> None:
    server.enqueue(Script(status=status, error_body=body))
    events = await collect(provider)
    assert len(events) == 1
    error = error_of(events)
    assert (error.kind, error.status) == (kind, status)
    assert error.title and error.message
    assert not UNSAFE.search(error.title + error.message)
    assert error.retry_after is None
    assert len(server.requests) == 1


async def test_403_with_quota_message_is_quota(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    """SiliconFlow answers 403 "Sorry, your account balance is insufficient" (bd1b2ce)."""
    body = {"code": 30001, "message": "Sorry, your account balance is insufficient", "data": None}
    server.enqueue(Script(status=403, error_body=body))
    error = error_of(await collect(provider))
    assert (error.kind, error.status) == ("quota", 403)


async def test_401_insufficient_permissions_is_auth(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    message = "You have insufficient permissions for this operation. Missing scopes: model.request"
    server.enqueue(Script(status=401, error_body=openai_error(message)))
    error = error_of(await collect(provider))
    assert (error.kind, error.status) == ("auth", 401)
    assert KEY_ENV in error.message


async def test_error_messages_carry_the_servers_words(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(status=401, error_body="Invalid token"))
    assert "Invalid token" in error_of(await collect(provider)).message
    server.enqueue(Script(status=400, error_body={"code": 20012, "message": "Model gone."}))
    assert "Model gone." in error_of(await collect(provider)).message
    server.enqueue(Script(status=404, error_body=openai_error("no such model")))
    not_found = error_of(await collect(provider))
    assert "test-model" in not_found.message
    assert "no such model" in not_found.message


async def test_error_body_control_sequences_are_stripped(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(
        Script(status=400, error_body=openai_error("bad \x1b]52;c;AAAA\x07\x1b[31mthing"))
    )
    error = error_of(await collect(provider))
    assert "bad thing" in error.message
    assert "\x1b" not in error.message


async def test_429_with_a_long_retry_after_is_not_retried(server: FakeOpenAIServer) -> None:
    """Waiting longer than RetryPolicy.max_wait is the user's call: say how long instead."""
    server.enqueue(
        Script(
            status=429,
            error_body=openai_error("Rate limit reached for requests", "requests"),
            headers={"Retry-After": "70"},
        )
    )
    p = make_provider(server.base_url, retry=DEFAULT_RETRY)
    try:
        events = await collect(p)
    finally:
        await p.aclose()
    error = error_of(events)
    assert len(events) == 1
    assert error.kind == "rate_limit"
    assert error.status == 429
    assert error.retry_after == 70.0
    assert error.retryable is True
    assert "Wait 70 s" in error.message
    assert len(server.requests) == 1


async def test_429_retry_after_ms(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(status=429, headers={"retry-after-ms": "1500"}))
    error = error_of(await collect(provider))
    assert (error.kind, error.retry_after) == ("rate_limit", 1.5)
    assert len(server.requests) == 1


# -- broken streams ------------------------------------------------------------------------------


async def test_dropped_connection_keeps_partial_text(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["Once ", "upon ", "a ", "time"], cut_after=2))
    events = await collect(provider)
    assert events[:2] == [TextDelta("Once "), TextDelta("upon ")]
    assert error_of(events).kind == "connection"
    assert len(events) == 3


async def test_clean_eof_without_finish_is_cut_off(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["a", "b", "c"], eof_after=2))
    events = await collect(provider)
    assert texts(events) == "ab"
    assert error_of(events).kind == "cut_off"


async def test_no_finish_reason_is_cut_off(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(finish_reason=None))
    events = await collect(provider)
    assert texts(events) == "Hello world"
    assert error_of(events).kind == "cut_off"


async def test_inband_error(server: FakeOpenAIServer, provider: OpenAICompatibleProvider) -> None:
    server.enqueue(
        Script(
            content=["partial"], inband_error={"message": "Provider returned error", "code": 502}
        )
    )
    events = await collect(provider)
    assert events[0] == TextDelta("partial")
    error = error_of(events)
    assert error.kind == "stream_error"
    assert "Provider returned error" in error.message


async def test_unreachable_server() -> None:
    srv = FakeOpenAIServer().start()
    base_url = srv.base_url
    srv.stop()
    p = make_provider(base_url)
    try:
        events = await collect(p)
    finally:
        await p.aclose()
    assert len(events) == 1
    error = error_of(events)
    assert error.kind == "connection"
    assert base_url in error.message


async def test_silent_server_times_out(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(hang=True))
    p = make_provider(server.base_url, timeout=0.3)
    try:
        events = await collect(p)
    finally:
        await p.aclose()
    assert error_of(events).kind == "timeout"


async def test_control_sequences_are_stripped(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(
        Script(
            reasoning=["hmm\x1b[2J\x1b[H", "\x1b]0;pwned\x07 ok\r\n"],
            content=["\x1b[31mred\x1b[0m ", "\x1b]52;c;ZWNobyBoaQ==\x07", "\x9b1mdone\x07"],
        )
    )
    events = await collect(provider)
    for event in events:
        if isinstance(event, TextDelta | ReasoningDelta):
            assert not UNSAFE.search(event.text), event
    assert reasoning(events) == "hmm ok\n"
    assert texts(events).startswith("red ")
    assert texts(events).endswith("done")


async def test_control_sequences_in_inline_think_are_stripped(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["<think>\x1b[1mbold\x1b[0m</think>", "a\x07b"]))
    events = await collect(provider)
    assert (reasoning(events), texts(events)) == ("bold", "ab")


# -- cancellation --------------------------------------------------------------------------------


async def test_cancel_mid_stream_closes_the_connection(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["tick "] * 500, delay=0.02))
    first_text = asyncio.Event()
    received: list[StreamEvent] = []

    async def consume() -> None:
        async for event in provider.stream(REQUEST):
            received.append(event)
            if isinstance(event, TextDelta):
                first_text.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_text.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(server.wait_disconnected, 5.0)
    assert not any(isinstance(e, Finished | Failed) for e in received)
    # The provider is still usable.
    assert texts(await collect(provider)) == "Hello world"


async def test_cancel_hanging_stream_closes_the_connection(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(hang=True))
    task = asyncio.create_task(collect(provider))
    await asyncio.to_thread(server.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(server.wait_disconnected, 5.0)


async def test_closing_the_generator_closes_the_connection(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    server.enqueue(Script(content=["x"] * 500, delay=0.02))
    stream = provider.stream(REQUEST)
    assert isinstance(await anext(stream), TextDelta)
    await stream.aclose()  # type: ignore[attr-defined]
    assert await asyncio.to_thread(server.wait_disconnected, 5.0)


# -- the registry and the demo -------------------------------------------------------------------


def test_default_provider_without_key_is_refused_with_the_fix() -> None:
    registry = ProviderRegistry(Config(path=PRESETS_PATH))  # os.environ: no keys (conftest)
    default = PRESETS[registry.config.default_provider]
    with pytest.raises(ProviderUnavailable) as refused:
        registry.resolve()
    assert default.api_key_env and f"{default.api_key_env} is not set" in refused.value.problem
    assert f"export {default.api_key_env}=" in refused.value.problem
    assert default.display_name in refused.value.problem
    assert not registry.has_any_key()  # so new sessions are demo sessions


def test_provider_with_key_in_environ() -> None:
    config = Config(path=PRESETS_PATH)
    default = PRESETS[config.default_provider]
    assert default.api_key_env
    registry = ProviderRegistry(config, environ={default.api_key_env: "sk-real"})
    resolved = registry.resolve()
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    assert resolved.provider.is_demo is False
    assert resolved.model == default.model
    assert resolved.provider.name == default.name
    assert resolved.provider.label == default.display_name
    assert registry.resolve(default.name).provider is resolved.provider  # kept, not rebuilt
    assert registry.has_any_key()


def test_empty_key_variable_is_missing() -> None:
    config = Config(path=PRESETS_PATH)
    env = PRESETS["deepseek"].api_key_env
    assert env
    with pytest.raises(ProviderUnavailable) as refused:
        ProviderRegistry(config, environ={env: "  "}).resolve("deepseek")
    assert env in refused.value.problem


def test_unknown_provider_is_refused() -> None:
    with pytest.raises(ProviderUnavailable) as refused:
        ProviderRegistry(Config(path=PRESETS_PATH), environ={}).resolve("nosuch")
    assert "nosuch" in refused.value.problem


def test_demo_by_name() -> None:
    resolved = ProviderRegistry(Config(path=PRESETS_PATH), environ={}).resolve("demo")
    assert resolved.provider.is_demo
    assert resolved.model == DEMO_MODEL


async def test_keyless_provider_sends_placeholder(server: FakeOpenAIServer) -> None:
    """A local server (no api_key_env, no api_key) still gets a key: the placeholder."""
    local = ProviderConfig(name="local", base_url=server.base_url, models=("test-model",))
    config = Config(path=PRESETS_PATH, default_provider="local", providers={"local": local})
    registry = ProviderRegistry(config, environ={})
    resolved = registry.resolve()
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    events = await collect(resolved.provider, ChatRequest(resolved.model, MESSAGES))
    await registry.aclose()
    assert events[-1] == Finished("stop", "test-model")
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


def test_ollama_preset_needs_no_key() -> None:
    resolved = ProviderRegistry(Config(path=PRESETS_PATH), environ={}).resolve("ollama")
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    assert resolved.model == PRESETS["ollama"].model


async def test_registry_provider_streams_from_the_server(server: FakeOpenAIServer) -> None:
    local = ProviderConfig(
        name="local", base_url=server.base_url, api_key="sk-inline", models=("test-model",)
    )
    config = Config(path=PRESETS_PATH, default_provider="local", providers={"local": local})
    registry = ProviderRegistry(config, environ={})
    resolved = registry.resolve()
    assert resolved.model == "test-model"
    events = await collect(resolved.provider, ChatRequest(resolved.model, MESSAGES))
    await registry.aclose()
    assert events[-1] == Finished("stop", "test-model")
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-inline"


async def test_demo_provider_streams_a_full_reply() -> None:
    request = ChatRequest(
        model=DEMO_MODEL, messages=[{"role": "user", "content": "What is *TUI*?"}]
    )
    events = await collect(DemoProvider(delay=0), request)
    phases: list[type] = []
    for event in events:
        if not phases or phases[-1] is not type(event):
            phases.append(type(event))
    assert phases == [ReasoningDelta, TextDelta, UsageReport, Finished]
    assert events[-1] == Finished("stop", DEMO_MODEL)
    text = texts(events)
    assert re.search(r"[\u4e00-\u9fff]", text)  # Chinese
    assert "```" in text  # a code block
    assert "What is TUI?" in text
    assert "What is *TUI*?" in reasoning(events)
    usage = next(e for e in events if isinstance(e, UsageReport)).usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0


async def test_demo_provider_sanitizes_the_question() -> None:
    request = ChatRequest(
        model=DEMO_MODEL, messages=[{"role": "user", "content": "\x1b]52;c;AA\x07hi\x1b[2J"}]
    )
    events = await collect(DemoProvider(delay=0), request)
    for event in events:
        if isinstance(event, TextDelta | ReasoningDelta):
            assert "\x1b" not in event.text


async def test_chinese_balance_message_is_quota(
    server: FakeOpenAIServer, provider: OpenAICompatibleProvider
) -> None:
    """Zhipu answers 429 with business code 1113 and "余额不足或无可用资源包"."""
    body = {"error": {"code": "1113", "message": "您的账户已欠费，请充值后重试。"}}
    server.enqueue(Script(status=429, error_body=body))
    assert error_of(await collect(provider)).kind == "quota"
