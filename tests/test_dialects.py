"""Per-dialect requests, reasoning, usage and errors, end to end: the real openai SDK over
real HTTP against FakeOpenAIServer. Expected bodies follow /work/shared/providers.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.model import Config
from tui_chat.config.provider import DIALECTS as CONFIG_DIALECTS
from tui_chat.config.provider import ModelSettings, ProviderConfig
from tui_chat.core.session import Usage
from tui_chat.core.settings import ChatSettings
from tui_chat.providers import ProviderRegistry
from tui_chat.providers.dialects import DIALECTS, dialect_for
from tui_chat.providers.events import (
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
    UsageReport,
)
from tui_chat.providers.finish_reasons import describe_finish_reason
from tui_chat.providers.openai_compat import (
    DEFAULT_RETRY,
    NO_RETRY,
    OpenAICompatibleProvider,
    RetryPolicy,
)

ASK = [{"role": "user", "content": "Answer in JSON please."}]
USAGE = Usage(prompt_tokens=11, completion_tokens=7, total_tokens=18)
# Fast retries, so tests of the retry loop do not sleep long.
QUICK_RETRY = RetryPolicy(max_attempts=3, max_wait=5.0, base_delay=0.01)
NO_FILE = Path("/nonexistent/tui-chat/config.toml")


def make(
    server: FakeOpenAIServer,
    dialect: str,
    retry: RetryPolicy = NO_RETRY,
    extra_body: dict[str, Any] | None = None,
) -> OpenAICompatibleProvider:
    config = ProviderConfig(
        name=dialect,
        base_url=server.base_url,
        api_key_env="TEST_KEY",
        dialect=dialect,
        timeout=5.0,
        extra_body=extra_body or {},
    )
    return OpenAICompatibleProvider(config, api_key="sk-test", retry=retry)


async def run(
    server: FakeOpenAIServer,
    dialect: str,
    settings: ChatSettings | None = None,
    model: str = "test-model",
    messages: list[dict[str, str]] | None = None,
    retry: RetryPolicy = NO_RETRY,
    extra_body: dict[str, Any] | None = None,
) -> list[StreamEvent]:
    provider = make(server, dialect, retry, extra_body)
    request = ChatRequest(model=model, messages=messages or ASK, settings=settings)
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


async def body_of(
    server: FakeOpenAIServer,
    dialect: str,
    settings: ChatSettings,
    model: str = "test-model",
    extra_body: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The JSON body the server received, and the notices the provider gave."""
    events = await run(server, dialect, settings, model, extra_body=extra_body)
    assert isinstance(events[-1], Finished), events
    return server.requests[-1]["json"], [e.text for e in events if isinstance(e, Notice)]


def texts(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def reasoning(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ReasoningDelta))


def error_of(events: list[StreamEvent]) -> ProviderError:
    assert isinstance(events[-1], Failed), events
    return events[-1].error


BASE_KEYS = {"model", "messages", "stream"}
# Fields a dialect may add for thinking.
THINKING_KEYS = {
    "enable_thinking",
    "thinking_budget",
    "thinking",
    "reasoning_effort",
    "reasoning",
    "chat_template_kwargs",
    "thinking_token_budget",
    "think",
}


def test_every_config_dialect_has_a_dialect() -> None:
    assert set(DIALECTS) == set(CONFIG_DIALECTS)
    assert dialect_for("nonsense") is DIALECTS["generic"]
    assert dialect_for(None) is DIALECTS["generic"]


# -- request bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_default_settings_send_nothing_extra(server: FakeOpenAIServer, dialect: str) -> None:
    """Unset settings stay unset: no sampling, token limit or thinking fields."""
    body, notices = await body_of(server, dialect, ChatSettings())
    expected = BASE_KEYS | ({"stream_options"} if DIALECTS[dialect].stream_options else set())
    assert set(body) == expected
    assert notices == []
    if "stream_options" in body:
        assert body["stream_options"] == {"include_usage": True}


THINKING_CASES: list[tuple[str, str, ChatSettings, dict[str, Any]]] = [
    # DashScope: enable_thinking / thinking_budget in extra_body (§2.2).
    ("dashscope", "qwen-plus", ChatSettings(thinking="on"), {"enable_thinking": True}),
    ("dashscope", "qwen-plus", ChatSettings(thinking="off"), {"enable_thinking": False}),
    (
        "dashscope",
        "qwen-plus",
        ChatSettings(thinking="on", thinking_budget=2000),
        {"enable_thinking": True, "thinking_budget": 2000},
    ),
    # DeepSeek V4: thinking.type, reasoning_effort low/high/max.
    (
        "deepseek",
        "deepseek-v4-flash",
        ChatSettings(thinking="on"),
        {"thinking": {"type": "enabled"}},
    ),
    (
        "deepseek",
        "deepseek-v4-flash",
        ChatSettings(thinking="off"),
        {"thinking": {"type": "disabled"}},
    ),
    (
        "deepseek",
        "deepseek-v4-pro",
        ChatSettings(thinking="on", reasoning_effort="max"),
        {"thinking": {"type": "enabled"}, "reasoning_effort": "max"},
    ),
    # SiliconFlow: enable_thinking, thinking_budget 128..32768, effort high/max.
    ("siliconflow", "Qwen/Qwen3-8B", ChatSettings(thinking="on"), {"enable_thinking": True}),
    ("siliconflow", "Qwen/Qwen3-8B", ChatSettings(thinking="off"), {"enable_thinking": False}),
    (
        "siliconflow",
        "Qwen/Qwen3-8B",
        ChatSettings(thinking="on", thinking_budget=4096),
        {"enable_thinking": True, "thinking_budget": 4096},
    ),
    (
        "siliconflow",
        "deepseek-ai/DeepSeek-V4-Flash",
        ChatSettings(reasoning_effort="max"),
        {"reasoning_effort": "max"},
    ),
    # ModelScope: Qwen3-style enable_thinking [U].
    ("modelscope", "Qwen/Qwen3-32B", ChatSettings(thinking="on"), {"enable_thinking": True}),
    ("modelscope", "Qwen/Qwen3-32B", ChatSettings(thinking="off"), {"enable_thinking": False}),
    # Zhipu: thinking.type, reasoning_effort.
    ("zhipu", "glm-4.6", ChatSettings(thinking="on"), {"thinking": {"type": "enabled"}}),
    ("zhipu", "glm-4.6", ChatSettings(thinking="off"), {"thinking": {"type": "disabled"}}),
    (
        "zhipu",
        "glm-4.6",
        ChatSettings(thinking="on", reasoning_effort="low"),
        {"thinking": {"type": "enabled"}, "reasoning_effort": "low"},
    ),
    # OpenAI: reasoning_effort on reasoning models only; "none" turns it off where taken.
    ("openai", "o3", ChatSettings(thinking="on"), {}),
    ("openai", "gpt-5.1", ChatSettings(thinking="off"), {"reasoning_effort": "none"}),
    ("openai", "o4-mini", ChatSettings(reasoning_effort="high"), {"reasoning_effort": "high"}),
    # OpenRouter: one reasoning object, effort or max_tokens.
    (
        "openrouter",
        "deepseek/deepseek-r1",
        ChatSettings(thinking="on"),
        {"reasoning": {"enabled": True}},
    ),
    (
        "openrouter",
        "deepseek/deepseek-r1",
        ChatSettings(thinking="off"),
        {"reasoning": {"effort": "none"}},
    ),
    (
        "openrouter",
        "deepseek/deepseek-r1",
        ChatSettings(thinking="on", thinking_budget=3000),
        {"reasoning": {"max_tokens": 3000}},
    ),
    (
        "openrouter",
        "openai/o3",
        ChatSettings(reasoning_effort="xhigh"),
        {"reasoning": {"effort": "xhigh"}},
    ),
    # Ollama /v1: reasoning_effort (the native `think` is not read there); none = off.
    ("ollama", "qwen3:8b", ChatSettings(thinking="on"), {"reasoning_effort": "medium"}),
    ("ollama", "qwen3:8b", ChatSettings(thinking="off"), {"reasoning_effort": "none"}),
    ("ollama", "gpt-oss:20b", ChatSettings(reasoning_effort="low"), {"reasoning_effort": "low"}),
    # vLLM: chat_template_kwargs (Qwen3 enable_thinking, DeepSeek-V3.1 thinking).
    (
        "vllm",
        "Qwen/Qwen3-8B",
        ChatSettings(thinking="on"),
        {"chat_template_kwargs": {"enable_thinking": True, "thinking": True}},
    ),
    (
        "vllm",
        "Qwen/Qwen3-8B",
        ChatSettings(thinking="off"),
        {"chat_template_kwargs": {"enable_thinking": False, "thinking": False}},
    ),
    (
        "vllm",
        "Qwen/Qwen3-8B",
        ChatSettings(thinking="on", thinking_budget=512),
        {
            "chat_template_kwargs": {"enable_thinking": True, "thinking": True},
            "thinking_token_budget": 512,
        },
    ),
]


@pytest.mark.parametrize(
    ("dialect", "model", "settings", "expected"),
    THINKING_CASES,
    ids=[
        f"{d}-{s.thinking}-{s.thinking_budget}-{s.reasoning_effort}"
        for d, _, s, _ in THINKING_CASES
    ],
)
async def test_thinking_fields(
    server: FakeOpenAIServer,
    dialect: str,
    model: str,
    settings: ChatSettings,
    expected: dict[str, Any],
) -> None:
    body, notices = await body_of(server, dialect, settings, model)
    sent = {key: body[key] for key in THINKING_KEYS if key in body}
    assert sent == expected
    assert notices == []
    assert "think" not in body


@pytest.mark.parametrize(
    ("dialect", "model", "settings", "expected", "notice"),
    [
        # Budgets where the dialect has none: not sent, said so.
        ("deepseek", "deepseek-v4-pro", ChatSettings(thinking="on", thinking_budget=999),
         {"thinking": {"type": "enabled"}}, "no thinking budget"),
        ("openai", "o3", ChatSettings(thinking_budget=999), {}, "no thinking budget"),
        ("zhipu", "glm-4.6", ChatSettings(thinking_budget=999), {}, "no thinking budget"),
        # Efforts where the dialect has none, or not that one.
        ("dashscope", "qwen-plus", ChatSettings(reasoning_effort="high"), {},
         "no reasoning effort"),
        ("deepseek", "deepseek-v4-pro", ChatSettings(reasoning_effort="medium"),
         {"reasoning_effort": "high"}, "sent 'high'"),
        ("ollama", "gpt-oss:20b", ChatSettings(reasoning_effort="max"), {}, "not sent"),
        ("openrouter", "openai/o3", ChatSettings(reasoning_effort="max"), {}, "not sent"),
        ("openai", "o3", ChatSettings(thinking="off"), {}, "cannot turn thinking off"),
        # Budget out of SiliconFlow's range.
        ("siliconflow", "Qwen/Qwen3-8B", ChatSettings(thinking="on", thinking_budget=50),
         {"enable_thinking": True, "thinking_budget": 128}, "from 128 to 32768"),
        # OpenRouter: budget and effort together -> the budget.
        ("openrouter", "x/y", ChatSettings(thinking_budget=800, reasoning_effort="low"),
         {"reasoning": {"max_tokens": 800}}, "not both"),
        # No switch at all.
        ("generic", "m", ChatSettings(thinking="on"), {}, "no thinking switch"),
        ("lkeap", "deepseek-v3.1", ChatSettings(thinking="off"), {}, "pick the model"),
        # A non-reasoning OpenAI model gets no reasoning fields.
        ("openai", "gpt-4.1-mini", ChatSettings(thinking="off"), {}, "not a reasoning model"),
    ],
)  # fmt: skip
async def test_thinking_settings_not_sent_say_so(
    server: FakeOpenAIServer,
    dialect: str,
    model: str,
    settings: ChatSettings,
    expected: dict[str, Any],
    notice: str,
) -> None:
    body, notices = await body_of(server, dialect, settings, model)
    assert {key: body[key] for key in THINKING_KEYS if key in body} == expected
    assert len(notices) == 1
    assert notice in notices[0]


async def test_thinking_off_ignores_budget_and_effort(server: FakeOpenAIServer) -> None:
    settings = ChatSettings(thinking="off", thinking_budget=100, reasoning_effort="high")
    body, notices = await body_of(server, "dashscope", settings, "qwen-plus")
    assert body["enable_thinking"] is False
    assert "thinking_budget" not in body
    assert "reasoning_effort" not in body
    assert notices == []


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_sampling_and_json_mode(server: FakeOpenAIServer, dialect: str) -> None:
    settings = ChatSettings(temperature=0.7, top_p=0.9, max_tokens=321, json_mode=True)
    body, _ = await body_of(server, dialect, settings, "plain-model")
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0.7
    assert body["top_p"] == 0.9
    limit, other = ("max_completion_tokens", "max_tokens")[:: 1 if dialect == "openai" else -1]
    assert body[limit] == 321
    assert other not in body


async def test_reasoning_models_that_reject_sampling_get_it_dropped(
    server: FakeOpenAIServer,
) -> None:
    settings = ChatSettings(temperature=0.2, top_p=0.5, max_tokens=100)
    body, notices = await body_of(server, "openai", settings, "o3-mini")
    assert "temperature" not in body
    assert "top_p" not in body
    assert body["max_completion_tokens"] == 100
    assert notices == ["o3-mini does not accept temperature and top_p: not sent."]


async def test_zhipu_temperature_is_capped_at_one(server: FakeOpenAIServer) -> None:
    body, notices = await body_of(server, "zhipu", ChatSettings(temperature=1.6), "glm-4.6")
    assert body["temperature"] == 1.0
    assert "at most 1" in notices[0]


async def test_deepseek_says_sampling_is_ignored_while_thinking(
    server: FakeOpenAIServer,
) -> None:
    body, notices = await body_of(server, "deepseek", ChatSettings(temperature=0.3))
    assert body["temperature"] == 0.3  # sent: DeepSeek does not refuse it
    assert notices == ["DeepSeek ignores temperature while the model is thinking."]
    _, notices = await body_of(server, "deepseek", ChatSettings(temperature=0.3, thinking="off"))
    assert notices == []


async def test_extra_body_layers(server: FakeOpenAIServer) -> None:
    """Provider extra_body < the dialect's thinking fields < the session's extra_body;
    nested tables merge key by key."""
    provider_extra = {"a": 1, "b": 1, "chat_template_kwargs": {"x": 1, "enable_thinking": True}}
    settings = ChatSettings(
        thinking="off", extra_body={"b": 2, "chat_template_kwargs": {"y": 2}, "seed": 7}
    )
    body, _ = await body_of(server, "vllm", settings, extra_body=provider_extra)
    assert body["a"] == 1
    assert body["b"] == 2
    assert body["seed"] == 7
    assert body["chat_template_kwargs"] == {
        "x": 1,
        "y": 2,
        "enable_thinking": False,
        "thinking": False,
    }


async def test_model_settings_extra_body_is_sent_for_that_model_only(
    server: FakeOpenAIServer,
) -> None:
    config = ProviderConfig(
        name="local",
        base_url=server.base_url,
        timeout=5.0,
        extra_body={"a": 1, "nested": {"x": 1}},
        model_settings={"big": ModelSettings(extra_body={"a": 2, "nested": {"y": 2}})},
    )
    provider = OpenAICompatibleProvider(config, api_key="sk-test", retry=NO_RETRY)
    try:
        for model in ("big", "small"):
            request = ChatRequest(model=model, messages=ASK, settings=ChatSettings())
            assert [e async for e in provider.stream(request)]
    finally:
        await provider.aclose()
    big, small = (r["json"] for r in server.requests)
    assert (big["a"], big["nested"]) == (2, {"x": 1, "y": 2})
    assert (small["a"], small["nested"]) == (1, {"x": 1})


async def test_session_extra_body_wins_over_the_thinking_switch(
    server: FakeOpenAIServer,
) -> None:
    settings = ChatSettings(thinking="off", extra_body={"enable_thinking": True})
    body, _ = await body_of(server, "dashscope", settings, extra_body={"enable_thinking": False})
    assert body["enable_thinking"] is True


async def test_provider_extra_body_applies_when_thinking_is_default(
    server: FakeOpenAIServer,
) -> None:
    body, _ = await body_of(
        server, "dashscope", ChatSettings(), extra_body={"enable_thinking": True}
    )
    assert body["enable_thinking"] is True


async def test_request_extra_body_still_wins(server: FakeOpenAIServer) -> None:
    provider = make(server, "generic", extra_body={"top_k": 1})
    request = ChatRequest("m", ASK, extra_body={"top_k": 5}, settings=ChatSettings())
    try:
        [_ async for _ in provider.stream(request)]
    finally:
        await provider.aclose()
    assert server.requests[0]["json"]["top_k"] == 5


# -- JSON mode needs the word "json" -------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["dashscope", "deepseek", "openai"])
async def test_json_mode_without_the_word_is_refused_before_sending(
    server: FakeOpenAIServer, dialect: str
) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert DIALECTS[dialect].json_prompt_problem(messages)
    assert DIALECTS[dialect].problem_before_sending(ChatSettings(json_mode=True), messages)
    assert DIALECTS[dialect].problem_before_sending(ChatSettings(), messages) is None
    events = await run(server, dialect, ChatSettings(json_mode=True), messages=messages)
    error = error_of(events)
    assert error.kind == "bad_request"
    assert "json" in error.title.lower()
    assert "JSON" in error.message
    assert server.requests == []


@pytest.mark.parametrize("dialect", ["dashscope", "deepseek", "openai"])
def test_json_word_anywhere_in_system_or_user_is_enough(dialect: str) -> None:
    d = DIALECTS[dialect]
    assert d.json_prompt_problem([{"role": "system", "content": "Reply as Json."}]) is None
    assert d.json_prompt_problem([{"role": "user", "content": "give me JSON"}]) is None
    parts = [{"type": "text", "text": "as json"}]
    assert d.json_prompt_problem([{"role": "user", "content": parts}]) is None  # type: ignore[list-item]
    assert d.json_prompt_problem([{"role": "assistant", "content": "json"}]) is not None


@pytest.mark.parametrize("dialect", ["generic", "zhipu", "ollama", "vllm"])
async def test_json_mode_elsewhere_is_sent_as_is(server: FakeOpenAIServer, dialect: str) -> None:
    messages = [{"role": "user", "content": "hi"}]
    assert DIALECTS[dialect].json_prompt_problem(messages) is None
    events = await run(server, dialect, ChatSettings(json_mode=True), messages=messages)
    assert isinstance(events[-1], Finished)
    assert server.requests[0]["json"]["response_format"] == {"type": "json_object"}


# -- where reasoning arrives ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "field"),
    [
        ("deepseek", "reasoning_content"),
        ("dashscope", "reasoning_content"),
        ("siliconflow", "reasoning_content"),
        ("zhipu", "reasoning_content"),
        ("lkeap", "reasoning_content"),
        ("modelscope", "reasoning_content"),
        ("openrouter", "reasoning"),
        ("openrouter", "reasoning_details"),
        ("ollama", "reasoning"),
        ("vllm", "reasoning"),
        ("vllm", "reasoning_content"),
        ("generic", "reasoning"),
        ("generic", "reasoning_details"),
    ],
)
async def test_reasoning_fields(server: FakeOpenAIServer, dialect: str, field: str) -> None:
    server.enqueue(Script(reasoning=["Let me ", "think. 想"], reasoning_field=field))
    events = await run(server, dialect)
    assert reasoning(events) == "Let me think. 想"
    assert texts(events) == "Hello world"
    assert events[:2] == [ReasoningDelta("Let me "), ReasoningDelta("think. 想")]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_inline_think_tags(server: FakeOpenAIServer, dialect: str) -> None:
    """Every dialect: a Qwen3 or GLM behind a server without a reasoning parser, configured
    as DashScope, DeepSeek, Zhipu or OpenAI too. Tags split across chunk boundaries."""
    server.enqueue(Script(content=["<th", "ink>hm", "m</thi", "nk>", "\n\nAns", "wer."]))
    events = await run(server, dialect, model="Qwen/Qwen3-8B")
    assert (reasoning(events), texts(events)) == ("hmm", "Answer.")
    assert isinstance(events[-1], Finished)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_reasoning_field_and_think_mentioned_in_the_answer(
    server: FakeOpenAIServer, dialect: str
) -> None:
    """A hosted provider (reasoning in reasoning_content, plain content) is unaffected by
    the splitting: an answer that talks about <think> tags stays the answer, word for word."""
    answer = ["Models wrap reasoning in ", "<think>", "…</think> tags; ", "<think> too."]
    server.enqueue(Script(reasoning=["Let me ", "think."], content=answer))
    events = await run(server, dialect, model="deepseek-r1")
    assert (reasoning(events), texts(events)) == ("Let me think.", "".join(answer))


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_r1_prefilled_think_only_closing_tag(server: FakeOpenAIServer, dialect: str) -> None:
    """R1 templates open <think> in the prompt: only </think> comes back. Self-hosted R1 is
    configured under any dialect (DeepSeek's most of all)."""
    server.enqueue(Script(content=["Okay, the user ", "greets me.</thi", "nk>\n\nHello!", " Hi."]))
    events = await run(server, dialect, model="deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")
    assert reasoning(events) == "Okay, the user greets me."
    assert texts(events) == "Hello! Hi."
    # Reasoning streamed as it came, before any text.
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert all(not isinstance(e, ReasoningDelta) for e in events[first_text:])


@pytest.mark.parametrize("dialect", ["vllm", "deepseek", "ollama", "openrouter"])
async def test_r1_prefilled_but_no_tags_at_all_ends_as_text(
    server: FakeOpenAIServer, dialect: str
) -> None:
    """The model skipped the tags (or the server dropped the reasoning: Ollama with thinking
    off, OpenRouter with reasoning excluded): once the reply ends normally the reasoning
    shown is taken back and handed over as text."""
    server.enqueue(Script(content=["Just an ", "answer."]))
    events = await run(server, dialect, model="qwq-32b")
    assert texts(events) == "Just an answer."
    assert ReasoningWasText("Just an answer.") in events
    taken_back = events.index(ReasoningWasText("Just an answer."))
    assert reasoning(events[:taken_back]) == "Just an answer."
    assert reasoning(events[taken_back:]) == ""
    assert isinstance(events[-1], Finished)


async def test_r1_prefilled_cut_off_at_length_stays_reasoning(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["still ", "thinking"], finish_reason="length"))
    events = await run(server, "vllm", model="deepseek-r1")
    assert (reasoning(events), texts(events)) == ("still thinking", "")
    assert events[-1] == Finished("length", "deepseek-r1")


async def test_r1_with_a_reasoning_parser_is_not_prefilled(server: FakeOpenAIServer) -> None:
    """Reasoning in a field means the server parsed the tags: content is all answer."""
    server.enqueue(
        Script(reasoning=["parsed"], reasoning_field="reasoning", content=["Ans", "wer"])
    )
    events = await run(server, "vllm", model="deepseek-r1")
    assert (reasoning(events), texts(events)) == ("parsed", "Answer")
    assert [type(e) for e in events[:3]] == [ReasoningDelta, TextDelta, TextDelta]


async def test_other_models_are_not_treated_as_prefilled(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["Plain ", "reply</think>?"]))
    events = await run(server, "vllm", model="Qwen/Qwen3-8B")
    assert (reasoning(events), texts(events)) == ("", "Plain reply</think>?")


# -- where usage arrives -------------------------------------------------------------------------


def script_mode(placement: str, dialect: str) -> str:
    if placement == "unknown":
        return "final_chunk"
    if placement == "final_chunk" and not DIALECTS[dialect].stream_options:
        return "final_chunk_always"  # OpenRouter sends it without being asked
    return placement


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
async def test_usage_where_the_dialect_puts_it(server: FakeOpenAIServer, dialect: str) -> None:
    mode = script_mode(DIALECTS[dialect].usage_placement, dialect)
    server.enqueue(Script(content=["a", "b", "c"], usage_mode=mode))
    events = await run(server, dialect)
    assert [e for e in events if isinstance(e, UsageReport)] == [UsageReport(USAGE)]
    assert events[-1] == Finished("stop", "test-model")


@pytest.mark.parametrize(
    "mode", ["final_chunk", "final_chunk_always", "last_content_chunk", "every_chunk", "in_choice"]
)
async def test_generic_reads_usage_from_everywhere(server: FakeOpenAIServer, mode: str) -> None:
    server.enqueue(Script(usage_mode=mode))
    events = await run(server, "generic")
    assert [e for e in events if isinstance(e, UsageReport)] == [UsageReport(USAGE)]


async def test_every_chunk_usage_keeps_the_last_not_the_sum(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["a"] * 6, usage_mode="every_chunk"))
    events = await run(server, "siliconflow")
    assert [e.usage for e in events if isinstance(e, UsageReport)] == [USAGE]


# -- errors --------------------------------------------------------------------------------------


def oai(message: str, type_: str = "invalid_request_error", code: Any = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


ERROR_CASES: list[tuple[str, int, Any, str, bool, str]] = [
    # (dialect, status, body, kind, retryable, words expected in title + message)
    # DashScope
    ("dashscope", 401, {"error": {"code": "invalid_api_key", "param": None,
     "message": "Incorrect API key provided", "type": "invalid_request_error"},
     "request_id": "r"}, "auth", False, "region"),
    ("dashscope", 429, {"error": {"code": "insufficient_quota", "type": "insufficient_quota",
     "message": "You exceeded your current quota, please check your plan and billing details."}},
     "rate_limit", True, "Rate limited"),
    ("dashscope", 400, {"error": {"code": "Arrearage", "message": "Access denied, please make sure "
     "your account is in good standing."}}, "quota", False, "Top up"),
    ("dashscope", 400, {"error": {"code": "data_inspection_failed",
     "message": "Input data may contain inappropriate content."}}, "content_filter", False,
     "content filter"),
    ("dashscope", 400, {"error": {"code": "invalid_parameter_error",
     "message": "Range of input length should be [1, 30720]"}}, "context_length", False,
     "too long"),
    ("dashscope", 400, {"error": {"code": "invalid_parameter_error", "message": "'messages' must "
     "contain the word 'json' in some form, to use 'response_format' of type 'json_object'."}},
     "bad_request", False, "JSON mode"),
    # DeepSeek
    ("deepseek", 402, oai("Insufficient Balance"), "quota", False, "Out of balance"),
    ("deepseek", 401, oai("Authentication Fails, Your api key is invalid"), "auth", False,
     "TEST_KEY"),
    ("deepseek", 422, oai("Invalid parameters"), "bad_request", False, "refused (422)"),
    ("deepseek", 503, oai("Server overloaded"), "busy", True, "busy (503)"),
    ("deepseek", 429, oai("Rate limit reached"), "rate_limit", True, "Rate limited (429)"),
    # SiliconFlow
    ("siliconflow", 401, "Invalid token", "auth", False, "Invalid token"),
    ("siliconflow", 403, "Forbidden", "auth", False, "real-name"),
    ("siliconflow", 400, {"code": 20012, "message": "Model does not exist.", "data": None},
     "bad_request", False, "Model does not exist"),
    ("siliconflow", 429, {"message": "Request was rejected due to rate limiting. Details: TPM "
     "limit reached.", "data": None}, "rate_limit", True, "TPM"),
    ("siliconflow", 503, {"code": 50505, "message": "Model service overloaded. Please try again "
     "later."}, "busy", True, "overloaded"),
    # ModelScope
    ("modelscope", 401, {"error": {"code": "invalid_api_key", "message": "bad token"}}, "auth",
     False, "real-name"),
    # Zhipu: numeric business codes, coarse HTTP status.
    ("zhipu", 429, {"error": {"code": "1113", "message": "您的账户已欠费，请充值后重试。"}},
     "quota", False, "Top up"),
    ("zhipu", 429, {"error": {"code": "1302", "message": "您当前使用该API的并发数过高"}},
     "rate_limit", True, "Rate limited"),
    ("zhipu", 400, {"error": {"code": "1301", "message": "系统检测到输入或生成内容可能包含不安全或"
     "敏感内容"}}, "content_filter", False, "content filter"),
    ("zhipu", 400, {"error": {"code": "1261", "message": "Prompt 超长"}}, "context_length", False,
     "too long"),
    ("zhipu", 400, {"error": {"code": "1211", "message": "模型不存在"}}, "not_found", False,
     "test-model"),
    ("zhipu", 401, {"error": {"code": "1001", "message": "Header中未收到Authorization参数"}},
     "auth", False, "TEST_KEY"),
    ("zhipu", 400, {"error": {"code": "1112", "message": "账户已被锁定"}}, "account", False,
     "account"),
    # OpenAI
    ("openai", 429, oai("You exceeded your current quota, please check your plan and billing "
     "details.", "insufficient_quota", "insufficient_quota"), "quota", False, "Top up"),
    ("openai", 429, oai("Rate limit reached for gpt-4.1 on requests per min", "requests",
     "rate_limit_exceeded"), "rate_limit", True, "Rate limited"),
    ("openai", 400, oai("This model's maximum context length is 128000 tokens.",
     code="context_length_exceeded"), "context_length", False, "too long"),
    # OpenRouter: HTTP status mirrored in error.code.
    ("openrouter", 402, {"error": {"code": 402, "message": "Insufficient credits"}}, "quota",
     False, "Insufficient credits"),
    ("openrouter", 403, {"error": {"code": 403, "message": "Input was flagged",
     "metadata": {"reasons": ["violence"]}}}, "content_filter", False, "content filter"),
    ("openrouter", 503, {"error": {"code": 503, "message": "No available provider"}}, "busy", True,
     "busy"),
    # Ollama
    ("ollama", 404, {"error": {"message": 'model "x" not found, try pulling it first',
     "type": "not_found_error", "param": None, "code": None}}, "not_found", False, "pulling"),
    # vLLM: current, flat (older) and --api-key shapes.
    ("vllm", 400, {"error": {"message": "This model's maximum context length is 4096 tokens. "
     "However, you requested 5000 tokens.", "type": "BadRequestError", "param": None,
     "code": 400}}, "context_length", False, "too long"),
    ("vllm", 400, {"object": "error", "message": "This model's maximum context length is 4096 "
     "tokens.", "type": "BadRequestError", "param": None, "code": 400}, "context_length", False,
     "too long"),
    ("vllm", 401, {"error": "Unauthorized"}, "auth", False, "Unauthorized"),
    # LKEAP and generic: status and words.
    ("lkeap", 429, oai("Too many requests"), "rate_limit", True, "Rate limited"),
    ("generic", 500, "boom", "server", False, "Server error (500)"),
    ("generic", 502, "<html>Bad Gateway</html>", "busy", True, "busy (502)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("dialect", "status", "body", "kind", "retryable", "words"),
    ERROR_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in ERROR_CASES],
)
async def test_error_shapes(
    server: FakeOpenAIServer,
    dialect: str,
    status: int,
    body: Any,
    kind: str,
    retryable: bool,
    words: str,
) -> None:
    server.enqueue(Script(status=status, error_body=body))
    events = await run(server, dialect)
    error = error_of(events)
    assert (error.kind, error.status, error.retryable) == (kind, status, retryable)
    assert words in f"{error.title}. {error.message}"
    assert len(server.requests) == 1


# -- retrying ------------------------------------------------------------------------------------


async def test_429_retry_after_then_success(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(status=429, error_body=oai("Rate limit reached"), headers={"Retry-After": "1"}),
        Script(content=["Made ", "it."]),
    )
    events = await run(server, "deepseek", retry=DEFAULT_RETRY)
    retries = [e for e in events if isinstance(e, Retrying)]
    assert len(retries) == 1
    retry = retries[0]
    assert (retry.after_seconds, retry.attempt, retry.max_attempts) == (1.0, 2, 3)
    assert retry.error.kind == "rate_limit"
    assert retry.describe() == "Rate limited (429): retrying in 1 s (attempt 2 of 3)"
    assert retry.describe(0.4) == "Rate limited (429): retrying in 0.4 s (attempt 2 of 3)"
    assert retry.describe(0) == "Rate limited (429): retrying now (attempt 2 of 3)"
    assert events[0] is retry
    assert texts(events) == "Made it."
    assert events[-1] == Finished("stop", "test-model")
    assert len(server.requests) == 2


async def test_quota_is_never_retried(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(status=402, error_body=oai("Insufficient Balance")), Script())
    events = await run(server, "deepseek", retry=DEFAULT_RETRY)
    assert not any(isinstance(e, Retrying) for e in events)
    assert error_of(events).kind == "quota"
    assert len(server.requests) == 1


async def test_billing_429_is_never_retried(server: FakeOpenAIServer) -> None:
    body = {"error": {"code": "1113", "message": "余额不足或无可用资源包,请充值。"}}
    server.enqueue(Script(status=429, error_body=body, headers={"Retry-After": "0"}), Script())
    events = await run(server, "zhipu", retry=DEFAULT_RETRY)
    assert error_of(events).kind == "quota"
    assert len(server.requests) == 1


async def test_busy_server_gives_up_after_max_attempts(server: FakeOpenAIServer) -> None:
    busy = Script(status=503, error_body={"code": 50505, "message": "Model service overloaded."})
    server.enqueue(busy, busy, busy, Script())
    events = await run(server, "siliconflow", retry=QUICK_RETRY)
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [r.attempt for r in retries] == [2, 3]
    assert [r.after_seconds for r in retries] == [0.01, 0.02]  # doubling without Retry-After
    assert error_of(events).kind == "busy"
    assert len(server.requests) == 3


async def test_retry_after_beyond_the_limit_is_not_waited_for(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(status=429, headers={"Retry-After": "6"}), Script())
    events = await run(server, "openai", retry=QUICK_RETRY)  # max_wait 5 s
    error = error_of(events)
    assert (error.kind, error.retry_after) == ("rate_limit", 6.0)
    assert "Wait 6 s" in error.message
    assert len(server.requests) == 1


@pytest.mark.parametrize("kind_status", [400, 401, 404])
async def test_client_errors_are_not_retried(server: FakeOpenAIServer, kind_status: int) -> None:
    server.enqueue(Script(status=kind_status), Script())
    events = await run(server, "generic", retry=QUICK_RETRY)
    assert not error_of(events).retryable
    assert len(server.requests) == 1


async def test_in_band_error_before_any_token_is_retried(server: FakeOpenAIServer) -> None:
    """OpenRouter reports upstream trouble inside the stream, with the HTTP-like code."""
    server.enqueue(
        Script(content=[], inband_error={"code": 502, "message": "Provider returned error"}),
        Script(content=["Second ", "try."]),
    )
    events = await run(server, "openrouter", retry=QUICK_RETRY)
    assert [type(e) for e in events if isinstance(e, Retrying)] == [Retrying]
    assert texts(events) == "Second try."
    assert len(server.requests) == 2


async def test_no_retry_once_text_arrived(server: FakeOpenAIServer) -> None:
    server.enqueue(
        Script(content=["half"], inband_error={"code": 503, "message": "upstream died"}),
        Script(),
    )
    events = await run(server, "openrouter", retry=QUICK_RETRY)
    assert texts(events) == "half"
    error = error_of(events)
    assert error.kind == "stream_error"
    assert "upstream died" in error.message
    assert len(server.requests) == 1


async def test_registry_providers_use_its_retry_policy(server: FakeOpenAIServer) -> None:
    local = ProviderConfig(name="local", base_url=server.base_url, dialect="zhipu")
    config = Config(path=NO_FILE, default_provider="local", providers={"local": local})
    registry = ProviderRegistry(config, environ={}, retry=QUICK_RETRY)
    resolved = registry.resolve()
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    assert resolved.provider.retry is QUICK_RETRY
    assert resolved.provider.dialect is DIALECTS["zhipu"]
    assert registry.dialect_of("local") is DIALECTS["zhipu"]
    assert registry.dialect_of("demo") is DIALECTS["generic"]
    await registry.aclose()


# -- finish reasons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("length", "Cut off at max tokens"),
        ("content_filter", "content filter"),
        ("sensitive", "content filter"),
        ("insufficient_system_resource", "capacity"),
        ("network_error", "connection"),
        ("model_context_window_exceeded", "context window"),
        ("error", "error"),
        ("repetition", "repeating"),
        ("something_new", "something_new"),
        ("tool_calls", "offers none"),
    ],
)
def test_describe_finish_reason(reason: str, words: str) -> None:
    description = describe_finish_reason(reason)
    assert description is not None
    assert words in description
    assert Finished(reason).description == description


@pytest.mark.parametrize("reason", [None, "", "stop", "eos"])
def test_normal_ends_need_no_description(reason: str | None) -> None:
    assert describe_finish_reason(reason) is None


@pytest.mark.parametrize("reason", ["length", "insufficient_system_resource", "sensitive", "eos"])
async def test_finish_reasons_reach_the_caller(server: FakeOpenAIServer, reason: str) -> None:
    server.enqueue(Script(finish_reason=reason))
    events = await run(server, "generic")
    assert events[-1] == Finished(reason, "test-model")


# -- notices -------------------------------------------------------------------------------------


async def test_notices_come_first(server: FakeOpenAIServer) -> None:
    events = await run(server, "lkeap", ChatSettings(thinking="on"))
    assert isinstance(events[0], Notice)
    assert isinstance(events[-1], Finished)
