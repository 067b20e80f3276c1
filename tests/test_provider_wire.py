"""What a server may answer besides a clean stream, through the real openai SDK over real
HTTP: keys echoed in errors, plain JSON completions, web pages, malformed events, redirects;
and what a 401 says about where the key came from."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script

from tui_chat.config import keys
from tui_chat.config.keys import forget_keys
from tui_chat.config.model import Config
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.session import Usage
from tui_chat.providers import ProviderRegistry
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
from tui_chat.providers.openai_compat import NO_RETRY, OpenAICompatibleProvider

KEY = "sk-proj-Abc123Def456Ghi789Jkl0MNOP"
REQUEST = ChatRequest(model="test-model", messages=[{"role": "user", "content": "hi"}])


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    forget_keys()
    yield
    forget_keys()


def make_provider(server: FakeOpenAIServer, **kwargs: Any) -> OpenAICompatibleProvider:
    options: dict[str, Any] = {"timeout": 5.0, "models": ("test-model",)}
    options.update(kwargs)
    config = ProviderConfig(name="t", base_url=server.base_url, **options)
    return OpenAICompatibleProvider(config, api_key=KEY, retry=NO_RETRY)


async def collect(provider: Any, request: ChatRequest = REQUEST) -> list[StreamEvent]:
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def error_of(events: list[StreamEvent]) -> ProviderError:
    assert isinstance(events[-1], Failed), events
    assert not any(isinstance(e, Finished) for e in events)
    return events[-1].error


def texts(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# -- a 401 names where the key came from (issue 14, item 9) -----------------------------------


def registry_for(tmp_path: Path, server: FakeOpenAIServer, **key: Any) -> ProviderRegistry:
    local = ProviderConfig(
        name="local", base_url=server.base_url, models=("test-model",), timeout=5.0, **key
    )
    config = Config(path=tmp_path / "c.toml", default_provider="local", providers={"local": local})
    return ProviderRegistry(config, environ={"WORK_KEY": KEY}, retry=NO_RETRY)


@pytest.mark.parametrize(
    ("key", "named", "not_named"),
    [
        # The variable is named but unset: the key came from the command.
        (
            {"api_key_env": "UNSET_KEY", "api_key_cmd": f"echo {KEY}"},
            ["api_key_cmd", "`echo sk-…MNOP`"],
            ["api_key in the config", "UNSET_KEY"],
        ),
        ({"api_key_cmd": ("printf", "%s", KEY)}, ["api_key_cmd", "printf"], ["in the config"]),
        ({"api_key_env": "WORK_KEY"}, ["$WORK_KEY"], ["api_key_cmd", "in the config"]),
        ({"api_key": KEY}, ["the api_key in the config"], ["api_key_cmd", "$"]),
    ],
)
async def test_401_names_the_real_source_of_the_key(
    tmp_path: Path,
    server: FakeOpenAIServer,
    key: dict[str, Any],
    named: list[str],
    not_named: list[str],
) -> None:
    server.enqueue(Script(status=401, error_body={"error": {"message": "Invalid token"}}))
    registry = registry_for(tmp_path, server, **key)
    resolved = await registry.resolve_async()
    events = await collect(resolved.provider)
    await registry.aclose()
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    error = error_of(events)
    assert error.kind == "auth"
    for words in named:
        assert words in error.message
    for words in not_named:
        assert words not in error.message
    assert KEY not in error.message


async def test_401_on_a_keyless_server_says_none_is_configured(server: FakeOpenAIServer) -> None:
    provider = make_provider(server)
    server.enqueue(Script(status=401, error_body={"error": "Unauthorized"}))
    error = error_of(await collect(provider))
    assert "none is configured" in error.message
    assert "api_key in the config" not in error.message


async def test_only_the_providers_key_is_sent(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat request goes out through the SDK's `post` (chunks stay JSON, see
    chunk_stream): like `create`, it sends the provider's key and no other, not an
    OpenAI admin key the SDK would read from the environment."""
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-Zyx987Wvu654Tsr321")
    server.enqueue(Script(content=["你好", "!"]))
    events = await collect(make_provider(server))
    assert texts(events) == "你好!"
    headers = server.requests[0]["headers"]
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "sk-admin" not in repr(headers)
    assert server.requests[0]["json"]["stream"] is True


# -- keys echoed by the server (issue 20, item 8) ----------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        Script(status=401, error_body={"error": {"message": f"Incorrect API key provided: {KEY}"}}),
        Script(
            status=500,
            error_body={"error": {"message": "upstream refused {authorization}"}},
            echo_authorization=True,
        ),
        Script(status=401, error_body="Invalid token {authorization}", echo_authorization=True),
        Script(content=["Hi"], inband_error={"message": f"key {KEY} is over its limit"}),
        Script(status=403, error_body={"code": 403, "message": f"Key {KEY[:20]} blocked"}),
    ],
)
async def test_an_echoed_key_is_redacted(server: FakeOpenAIServer, script: Script) -> None:
    server.enqueue(script)
    error = error_of(await collect(make_provider(server)))
    words = error.one_line("Local")
    assert KEY[8:] not in words
    assert KEY[8:20] not in words
    assert "…" in words


async def test_a_key_echoed_by_the_embeddings_endpoint_is_redacted(
    server: FakeOpenAIServer,
) -> None:
    from tui_chat.core.context.embeddings import EmbeddingsUnavailable, embed

    server.embeddings_status = 500
    server.embeddings_error = "backend refused {authorization}"
    provider = make_provider(server)
    with pytest.raises(EmbeddingsUnavailable) as info:
        await embed(provider._get_client(), "embedder", ["a message"])
    await provider.aclose()
    assert "backend refused Bearer sk-" in info.value.problem
    assert KEY[8:] not in info.value.problem


def test_redact_secrets_masks_keys_and_key_shaped_text() -> None:
    zhipu = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"
    text = (
        f"resolved {KEY}; other sk-or-v1-0f1e2d3c4b5a69788796a5b4; "
        "header Authorization: Bearer abcdefgh12345678; "
        f"zhipu {zhipu}; github ghp_0123456789abcdefABCDEF0123456789abcd; "
        "modelscope ms-12345678-1234-1234-1234-123456789abc"
    )
    redacted = keys.redact_secrets(text, [KEY])
    for secret in (
        KEY,
        "0f1e2d3c4b5a",
        "abcdefgh1234",
        zhipu[:20],
        "0123456789abcdefABCDEF",
        "ms-1234",
    ):
        assert secret not in redacted, secret
    assert "sk-…MNOP" in redacted  # masked as everywhere else
    assert "Bearer …5678" in redacted


def test_redact_secrets_leaves_ordinary_words() -> None:
    text = (
        "Model 'Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8' or the URL "
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1 does not exist there. "
        "Request id req_0123456789abcdef0123456789, at 2026-07-18T10:00:00Z; risk-taking; "
        "Bearer token missing; key ollama"
    )
    assert keys.redact_secrets(text, ["ollama"]) == text


# -- replies that are not a stream (issue 20, item 9) ----------------------------------------


async def test_a_plain_completion_is_accepted(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(
            ignore_stream=True,
            content=["The whole ", "answer."],
            reasoning=["Thinking it over."],
            finish_reason="length",
        )
    )
    events = await collect(make_provider(server))
    assert server.requests[0]["json"]["stream"] is True
    assert texts(events) == "The whole answer."
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Thinking it over."
    usage = [e.usage for e in events if isinstance(e, UsageReport)]
    assert usage == [Usage(prompt_tokens=11, completion_tokens=7, total_tokens=18)]
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "length"
    assert events[-1].model == "test-model"


async def test_a_plain_completion_without_finish_reason_is_complete(
    server: FakeOpenAIServer,
) -> None:
    server.enqueue(Script(ignore_stream=True, content=["Done."], finish_reason=None))
    events = await collect(make_provider(server))
    assert texts(events) == "Done."
    assert isinstance(events[-1], Finished)


async def test_a_stream_labelled_as_json_is_read(server: FakeOpenAIServer) -> None:
    sse = (
        'data: {"choices":[{"index":0,"delta":{"content":"Part one, "},"finish_reason":null}]}\n\n'
        'data: {"choices":[{"index":0,"delta":{"content":"part two."},"finish_reason":"stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    server.enqueue(Script(body=sse, content_type="application/json"))
    events = await collect(make_provider(server))
    assert texts(events) == "Part one, part two."
    assert isinstance(events[-1], Finished)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head>"
            "<body>It works</body></html>",
            "text/html; charset=utf-8",
        ),
        ("\n  <html><body>Sign in</body></html>", "application/json"),
    ],
)
async def test_a_web_page_is_explained(
    server: FakeOpenAIServer, body: str, content_type: str
) -> None:
    server.enqueue(Script(body=body, content_type=content_type))
    error = error_of(await collect(make_provider(server)))
    assert error.kind == "web_page"
    assert error.title == "The server answered with a web page"
    assert "Is base_url right?" in error.message
    assert server.base_url in error.message
    assert "usually end in /v1" not in error.message  # it does
    if "nginx" in body:
        assert "Welcome to nginx!" in error.message


async def test_json_that_is_not_a_completion_is_shown(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(body='{"status": "ok", "version": "1.2"}', content_type="application/json")
    )
    error = error_of(await collect(make_provider(server)))
    assert error.kind == "not_a_stream"
    assert '"status": "ok"' in error.message


async def test_a_json_error_with_status_200_is_an_error(server: FakeOpenAIServer) -> None:
    body = '{"error": {"message": "model overloaded, retry later", "code": 503}}'
    server.enqueue(Script(body=body, content_type="application/json"))
    error = error_of(await collect(make_provider(server)))
    assert "model overloaded, retry later" in error.message


async def test_a_malformed_event_keeps_the_partial_reply(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["Half an ", "answer", " and more"], malformed_after=2))
    events = await collect(make_provider(server))
    assert texts(events) == "Half an answer"
    error = error_of(events)
    assert error.kind == "malformed"
    assert error.title == "The server sent a malformed event"
    assert "JSONDecodeError" not in error.one_line("Local")
    assert "Unexpected" not in error.one_line("Local")


# -- redirects are not followed (issue 20, item 10) ---------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_to_another_origin_is_not_followed(
    server: FakeOpenAIServer, status: int
) -> None:
    with FakeOpenAIServer() as elsewhere:
        target = f"{elsewhere.base_url}/chat/completions"
        server.enqueue(Script(status=status, redirect_to=target))
        error = error_of(await collect(make_provider(server)))
        assert elsewhere.requests == []
    assert len(server.requests) == 1
    assert error.kind == "redirect"
    assert error.status == status
    words = error.one_line("Local")
    assert f"base_url redirects to {target}" in words
    assert "Update base_url" in words and "in the config" in words


async def test_a_relative_redirect_names_the_whole_address(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(redirect_to="/v2/chat/completions"))
    error = error_of(await collect(make_provider(server)))
    origin = server.base_url.removesuffix("/v1")
    assert f"base_url redirects to {origin}/v2/chat/completions" in error.title
    assert len(server.requests) == 1


@pytest.mark.parametrize("listed", [True, False])
async def test_the_provider_test_reports_a_redirect(server: FakeOpenAIServer, listed: bool) -> None:
    """F5's Test says what a chat would say, rather than passing through the redirect."""
    from tui_chat.providers import models

    with FakeOpenAIServer() as elsewhere:
        target = elsewhere.base_url
        if listed:
            server.models_redirect = f"{target}/models"
        else:  # no model list: the Test sends a one-token chat
            server.models_status = 404
            server.enqueue(Script(redirect_to=f"{target}/chat/completions"))
        config = ProviderConfig(name="t", base_url=server.base_url, models=("test-model",))
        result = await models.test_provider(config, KEY, timeout=5.0)
        assert elsewhere.requests == []
    assert result.ok is False
    assert f"base_url redirects to {target}/" in result.detail


# -- what an api_key_cmd may see (issue 20, item 11) -------------------------------------------


def test_the_key_command_does_not_see_other_providers_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer
) -> None:
    seen = tmp_path / "env.txt"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-other-0000")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-other-1111")  # a preset's variable
    monkeypatch.setenv("WORK_LLM_TOKEN", "work-secret-2222")  # another provider's, by config
    monkeypatch.setenv("MODELSCOPE_SDK_TOKEN", "ms-token-3333")
    monkeypatch.setenv("Some_Api_Key", "mixed-case-4444")
    monkeypatch.setenv("BW_SESSION", "vault-session-5555")  # what a password manager needs
    command = f"env > {shlex.quote(str(seen))}; echo {KEY}"
    local = ProviderConfig(
        name="local", base_url=server.base_url, api_key_cmd=command, models=("m",)
    )
    work = ProviderConfig(name="work", base_url="http://w/v1", api_key_env="WORK_LLM_TOKEN")
    config = Config(
        path=tmp_path / "c.toml", default_provider="local", providers={"local": local, "work": work}
    )
    lookup = ProviderRegistry(config, environ={}).prepare_key("local")
    assert lookup is not None and lookup.key == KEY
    env = seen.read_text()
    for secret in ("0000", "1111", "2222", "3333", "4444"):
        assert secret not in env
    assert "BW_SESSION=vault-session-5555" in env
    assert "PATH=" in env
