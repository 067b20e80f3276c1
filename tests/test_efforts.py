"""Reasoning effort per provider and model family (issue 14, item 11): what each model is
offered, that a request never carries a value the model does not take, and a 400 that
names a setting's field explained with the setting to change. Requests go through the
real openai SDK to FakeOpenAIServer."""

from __future__ import annotations

from typing import Any

import pytest
from sse_server import FakeOpenAIServer, Script
from test_dialects import THINKING_KEYS, body_of, error_of, make

from tui_chat.core.settings import EFFORTS, THINKING_MODES, ChatSettings
from tui_chat.providers.dialects import DIALECTS
from tui_chat.providers.events import ChatRequest, ProviderError

ASK = [{"role": "user", "content": "Hi"}]
LOW_TO_HIGH = ("low", "medium", "high")


@pytest.mark.parametrize(
    ("dialect", "model", "offered"),
    [
        # OpenAI: per family; an unknown model is offered nothing.
        ("openai", "o4-mini", LOW_TO_HIGH),
        ("openai", "o3", LOW_TO_HIGH),
        ("openai", "o1-mini", ()),
        ("openai", "gpt-5", ("minimal", *LOW_TO_HIGH)),
        ("openai", "gpt-5-mini", ("minimal", *LOW_TO_HIGH)),
        ("openai", "gpt-5-pro", ("high",)),
        ("openai", "gpt-5-codex", LOW_TO_HIGH),
        ("openai", "gpt-5-chat-latest", ()),
        ("openai", "gpt-5.1", ("none", *LOW_TO_HIGH)),
        ("openai", "gpt-5.2", ("none", *LOW_TO_HIGH, "xhigh")),
        ("openai", "gpt-oss-120b", LOW_TO_HIGH),
        ("openai", "gpt-4.1", ()),
        ("openai", "some-new-model", ()),
        # DeepSeek V4 only; a self-hosted R1 under this dialect takes none.
        ("deepseek", "deepseek-v4-pro", ("low", "high", "max")),
        ("deepseek", "deepseek-v4-flash", ("low", "high", "max")),
        ("deepseek", "deepseek-r1", ()),
        # DashScope: a thinking budget, never an effort.
        ("dashscope", "qwen-plus", ()),
        ("dashscope", "qwen3-235b-a22b", ()),
        # SiliconFlow: DeepSeek-V4 and GLM-5.2 only; Qwen3 takes a budget.
        ("siliconflow", "deepseek-ai/DeepSeek-V4-Flash", ("high", "max")),
        ("siliconflow", "zai-org/GLM-5.2", ("high", "max")),
        ("siliconflow", "Qwen/Qwen3-8B", ()),
        # Zhipu: GLM-4.5 and later take every value; older ones none.
        ("zhipu", "glm-4.6", EFFORTS),
        ("zhipu", "glm-5", EFFORTS),
        ("zhipu", "glm-4-plus", ()),
        # Whole-provider values.
        ("openrouter", "openai/o3", ("none", "minimal", "low", "medium", "high", "xhigh")),
        ("ollama", "qwen3:8b", ("none", *LOW_TO_HIGH)),
        ("generic", "anything", ()),
        ("vllm", "Qwen/Qwen3-8B", ()),
        ("modelscope", "Qwen/Qwen3-32B", ()),
        ("lkeap", "deepseek-r1", ()),
    ],
)
def test_efforts_offered_per_model(dialect: str, model: str, offered: tuple[str, ...]) -> None:
    assert DIALECTS[dialect].efforts_for(model) == offered


SAMPLE_MODELS = [
    "o4-mini",
    "o1-mini",
    "gpt-5",
    "gpt-5.1",
    "gpt-5.2-pro",
    "gpt-4.1",
    "deepseek-v4-pro",
    "deepseek-r1",
    "deepseek-ai/DeepSeek-V4-Flash",
    "Qwen/Qwen3-8B",
    "glm-4.6",
    "glm-4-plus",
    "qwen-plus",
    "unknown-model",
]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_no_request_carries_an_effort_the_model_does_not_take(dialect: str) -> None:
    d = DIALECTS[dialect]
    for model in SAMPLE_MODELS:
        takes = d.efforts_for(model)
        for thinking in THINKING_MODES:
            for effort in (None, *EFFORTS):
                settings = ChatSettings(thinking=thinking, reasoning_effort=effort)
                parts = d.request_kwargs(settings, model)
                sent = parts.kwargs.get("reasoning_effort")
                reasoning = parts.extra_body.get("reasoning")
                if isinstance(reasoning, dict) and "effort" in reasoning:
                    sent = reasoning["effort"]
                assert sent is None or sent in takes, (model, thinking, effort, sent)
                if effort is not None and thinking != "off" and sent != effort:
                    # Not sent as chosen: the user is told.
                    assert parts.notices, (dialect, model, thinking, effort)


@pytest.mark.parametrize(
    ("dialect", "model", "settings", "expected", "notice"),
    [
        # The issue's three: max to o4-mini, none to gpt-5, high to a SiliconFlow Qwen3.
        ("openai", "o4-mini", ChatSettings(reasoning_effort="max"), {},
         "o4-mini does not take reasoning effort 'max' (it takes low, medium, high)"),
        ("openai", "gpt-5", ChatSettings(thinking="off"), {},
         "gpt-5 cannot turn thinking off (its least effort is 'minimal')"),
        ("openai", "gpt-5", ChatSettings(reasoning_effort="none"), {},
         "gpt-5 does not take reasoning effort 'none'"),
        ("siliconflow", "Qwen/Qwen3-8B", ChatSettings(thinking="on", reasoning_effort="high"),
         {"enable_thinking": True}, "Use the thinking budget instead"),
        # Values the provider reads as another are sent as the one they mean.
        ("deepseek", "deepseek-v4-pro", ChatSettings(reasoning_effort="medium"),
         {"reasoning_effort": "high"}, "reads effort 'medium' as 'high'"),
        ("deepseek", "deepseek-r1", ChatSettings(reasoning_effort="high"), {},
         "deepseek-r1 takes no reasoning effort on DeepSeek"),
        ("ollama", "gpt-oss:20b", ChatSettings(reasoning_effort="max"), {},
         "does not take reasoning effort 'max'"),
        ("openrouter", "openai/o3", ChatSettings(reasoning_effort="max"), {},
         "does not take reasoning effort 'max'"),
        ("zhipu", "glm-4-plus", ChatSettings(reasoning_effort="low"), {},
         "glm-4-plus takes no reasoning effort on Zhipu GLM"),
    ],
)  # fmt: skip
async def test_an_effort_the_model_does_not_take_is_not_sent_and_said(
    server: FakeOpenAIServer,
    dialect: str,
    model: str,
    settings: ChatSettings,
    expected: dict[str, Any],
    notice: str,
) -> None:
    body, notices = await body_of(server, dialect, settings, model)
    assert {key: body[key] for key in THINKING_KEYS if key in body} == expected
    assert len(notices) == 1 and notice in notices[0], notices


@pytest.mark.parametrize(
    ("dialect", "model", "settings", "expected"),
    [
        ("openai", "o4-mini", ChatSettings(reasoning_effort="high"), {"reasoning_effort": "high"}),
        ("openai", "gpt-5", ChatSettings(reasoning_effort="minimal"),
         {"reasoning_effort": "minimal"}),
        ("openai", "gpt-5.1", ChatSettings(thinking="off"), {"reasoning_effort": "none"}),
        ("openai", "gpt-5.2", ChatSettings(reasoning_effort="xhigh"),
         {"reasoning_effort": "xhigh"}),
        ("zhipu", "glm-4.6", ChatSettings(reasoning_effort="max"), {"reasoning_effort": "max"}),
        ("siliconflow", "zai-org/GLM-5.2", ChatSettings(reasoning_effort="high"),
         {"reasoning_effort": "high"}),
    ],
)  # fmt: skip
async def test_an_effort_the_model_takes_is_sent(
    server: FakeOpenAIServer,
    dialect: str,
    model: str,
    settings: ChatSettings,
    expected: dict[str, Any],
) -> None:
    body, notices = await body_of(server, dialect, settings, model)
    assert {key: body[key] for key in THINKING_KEYS if key in body} == expected
    assert notices == []


# -- a 400 that names the field ------------------------------------------------------------------


def refusal(message: str, param: str | None = "reasoning_effort") -> Script:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return Script(status=400, error_body={"error": error})


async def failed_with(
    server: FakeOpenAIServer,
    dialect: str,
    model: str,
    settings: ChatSettings,
    script: Script,
    extra_body: dict[str, Any] | None = None,
) -> ProviderError:
    server.enqueue(script)
    provider = make(server, dialect, extra_body=extra_body)
    try:
        events = [e async for e in provider.stream(ChatRequest(model, ASK, settings=settings))]
    finally:
        await provider.aclose()
    return error_of(events)


OPENAI_UNSUPPORTED = (
    "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
    "Supported values are: 'low', 'medium', and 'high'."
)


async def test_a_refused_effort_names_the_setting_to_change(server: FakeOpenAIServer) -> None:
    settings = ChatSettings(reasoning_effort="minimal")
    error = await failed_with(server, "openai", "gpt-5", settings, refusal(OPENAI_UNSUPPORTED))
    assert error.kind == "bad_request" and error.status == 400
    assert error.title == "Reasoning effort 'minimal' is not accepted by gpt-5"
    assert error.message.startswith("Change it in F2 (session settings).")
    assert OPENAI_UNSUPPORTED in error.message  # the server's own words stay
    line = error.one_line("OpenAI")
    assert "Reasoning effort 'minimal' is not accepted by gpt-5. Change it in F2" in line


@pytest.mark.parametrize(
    ("dialect", "model", "said"),
    [
        ("zhipu", "glm-4.6", "reasoning_effort is not supported for this model"),
        ("deepseek", "deepseek-v4-pro", "Unrecognized request argument supplied: reasoning_effort"),
        ("openai", "o3",
         "Unsupported parameter: 'reasoning_effort' is not supported with this model."),
    ],
)  # fmt: skip
async def test_other_wordings_of_a_refused_effort(
    server: FakeOpenAIServer, dialect: str, model: str, said: str
) -> None:
    settings = ChatSettings(reasoning_effort="high")
    error = await failed_with(server, dialect, model, settings, refusal(said))
    assert error.title == f"Reasoning effort 'high' is not accepted by {model}"
    assert "F2" in error.message


async def test_ollama_refusing_thinking_on_says_to_change_thinking(
    server: FakeOpenAIServer,
) -> None:
    """Thinking on sends effort "medium" to Ollama; a model without thinking refuses it."""
    said = 'invalid reasoning value: \'medium\' (must be "high", "medium", "low", or "none")'
    error = await failed_with(
        server, "ollama", "gemma3:4b", ChatSettings(thinking="on"), refusal(said, None)
    )
    assert error.title == "Thinking on is not accepted by gemma3:4b"
    assert error.message.startswith("Set Thinking to provider default in F2")


async def test_a_refused_thinking_switch_names_thinking(server: FakeOpenAIServer) -> None:
    said = "parameter.enable_thinking must be set to false for this model"
    error = await failed_with(
        server, "dashscope", "qwq-plus", ChatSettings(thinking="off"), refusal(said, None)
    )
    assert error.title == "Thinking off is not accepted by qwq-plus"
    assert "F2" in error.message


async def test_a_refused_field_from_the_config_points_at_the_config(
    server: FakeOpenAIServer,
) -> None:
    said = "Unrecognized request argument supplied: reasoning_effort"
    error = await failed_with(
        server,
        "generic",
        "m",
        ChatSettings(),
        refusal(said),
        extra_body={"reasoning_effort": "high"},
    )
    assert error.title == "m does not take the field 'reasoning_effort'"
    assert "extra_body in the provider's config" in error.message


async def test_a_400_that_names_no_sent_field_is_left_as_it_was(server: FakeOpenAIServer) -> None:
    said = "Unsupported value: 'reasoning_effort' does not support 'max' with this model."
    error = await failed_with(server, "openai", "o3", ChatSettings(), refusal(said))
    assert error.title == "The request was refused (400)"
    other = await failed_with(
        server, "openai", "o3", ChatSettings(reasoning_effort="high"), refusal("Bad seed.", "seed")
    )
    assert other.title == "The request was refused (400)"


async def test_json_mode_refused_for_the_word_json_keeps_its_own_advice(
    server: FakeOpenAIServer,
) -> None:
    said = (
        "'messages' must contain the word 'json' in some form, to use 'response_format' of "
        "type 'json_object'."
    )
    settings = ChatSettings(json_mode=True)
    error = await failed_with(server, "generic", "m", settings, refusal(said, None))
    assert error.title == "JSON mode needs the word “json” in the prompt"


async def test_a_max_tokens_the_model_refuses_names_max_tokens(server: FakeOpenAIServer) -> None:
    said = "max_tokens is too large: 100000. This model supports at most 16384 completion tokens"
    settings = ChatSettings(max_tokens=100000)
    error = await failed_with(server, "generic", "m", settings, refusal(said, "max_tokens"))
    assert error.title == "Max tokens '100000' is not accepted by m"
