"""What differs between OpenAI-compatible providers, one `Dialect` per config `dialect` name.

A dialect answers: which request fields switch thinking on or off and bound it; which
sampling fields a model rejects; whether JSON mode needs the word "json" in the prompt;
whether to ask for usage; where reasoning text arrives; and how to read error codes.
Every fact is taken from /work/shared/providers.md (§2.2 thinking controls, §1.4 usage,
§2.1 reasoning fields, §3.3 error bodies, §5 JSON mode); unverified ones are marked [U].

The dialects are rows of one table (`Dialect` fields); the few behaviours that differ in
kind, not in value, are the `thinking_switch` styles handled in request_fields.py, which
turns session settings into request fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tui_chat.core.settings import ChatSettings
from tui_chat.providers.efforts import (
    DEEPSEEK_RULES,
    OPENAI_RULES,
    SILICONFLOW_RULES,
    ZHIPU_RULES,
    EffortRule,
    efforts_for,
    explain_refusal,
)
from tui_chat.providers.errors import classify
from tui_chat.providers.events import ProviderError
from tui_chat.providers.request_fields import RequestParts, request_parts
from tui_chat.providers.think import ThinkTagSplitter
from tui_chat.providers.tool_refusal import refuses_tools, tools_unsupported

# Models whose chat template prefills "<think>", so the reply holds only "</think>": the R1
# family and QwQ (providers.md §2.1), and Qwen3's "-Thinking" releases (their model cards
# say the output holds only "</think>" [S]). Wherever they are served without a reasoning
# parser, whatever the dialect.
_R1_LIKE = re.compile(r"\br1\b|qwq|\bthinking\b", re.IGNORECASE)


@dataclass(frozen=True)
class Dialect:
    """One provider family's quirks. See the module docstring."""

    name: str
    label: str
    thinking_switch: str = "none"
    no_switch_advice: str = (
        "Put the server's own switch in the provider's extra_body (for example "
        '{"chat_template_kwargs": {"enable_thinking": false}}).'
    )
    """Said when thinking settings are chosen but the dialect has no switch."""
    budget_field: str | None = None
    """extra_body field for a thinking budget in tokens (None: no budget)."""
    budget_range: tuple[int, int] | None = None
    efforts: tuple[str, ...] = ()
    """Reasoning effort values the provider accepts for a model no `effort_rules` names
    (empty: no effort control). See `efforts_for`."""
    effort_rules: tuple[EffortRule, ...] = ()
    """Per model family: the effort values those models take (tui_chat.providers.efforts)."""
    effort_when_on: str | None = None
    """For `reasoning_effort` switches: what "on" sends when no effort is chosen."""
    reasoning_models: re.Pattern[str] | None = None
    """Only these models take thinking settings (None: every model may)."""
    rejects_sampling: re.Pattern[str] | None = None
    """Models that answer 400 to temperature / top_p: those are dropped with a notice."""
    ignores_sampling_when_thinking: bool = False
    temperature_max: float = 2.0
    max_tokens_field: str = "max_tokens"
    json_needs_word: bool = False
    """The request is refused unless a system or user message says "json"."""
    stream_options: bool = True
    """Send stream_options.include_usage (needed where usage comes in a final chunk)."""
    usage_placement: str = "final_chunk"
    """Where usage arrives: final_chunk (choices: []), last_content_chunk, every_chunk,
    unknown. The reader looks everywhere; this records what to expect."""
    reasoning_fields: tuple[str, ...] = ("reasoning_content", "reasoning", "reasoning_details")
    """Delta fields that carry reasoning, checked in this order (first non-empty wins:
    some routes echo the same text under two names)."""
    prefilled_think: re.Pattern[str] | None = None
    """Models whose template opens <think> itself, so only </think> appears in content."""
    pass_back_reasoning: bool = False
    """Send earlier turns' reasoning back. No dialect needs it without tool calls (DeepSeek
    V4 ignores it, the R1 era refused it), so tui-chat never does."""
    tool_reasoning_field: str | None = None
    """The scoped exception: the key under which a tool round's reasoning is sent back on
    the assistant message carrying its `tool_calls` (DeepSeek's thinking mode rejects a
    tool loop without `reasoning_content`); None: never sent. See `tool_reasoning_key`
    for the generic dialect, which sends it only to DeepSeek-named models."""
    tool_reasoning_models: re.Pattern[str] | None = None
    """Where `tool_reasoning_field` is None: models that still get their tool rounds'
    reasoning back as `reasoning_content` (a DeepSeek model behind a generic server)."""
    forced_tool_choice: str = "allowed"
    """Whether a forced `tool_choice` (from an extra_body; tui-chat itself sends "auto")
    goes through: "allowed", "not_while_thinking" (DeepSeek, DashScope: 400 while thinking)
    or "never" (Zhipu takes only "auto"). See request_fields.tool_fields."""
    tool_stream_models: re.Pattern[str] | None = None
    """Models sent `tool_stream: true` with tools, so call arguments stream (Zhipu GLM-4.6
    and later); others send whole calls at the end."""
    error_codes: Mapping[str, str] = field(default_factory=dict)
    """Provider error code (body `code` or `type`) -> ProviderError kind."""
    hints: Mapping[str, str] = field(default_factory=dict)
    """Extra advice by "kind:status" or "kind", e.g. {"auth:403": "..."}."""

    # -- the request ----------------------------------------------------------------------

    def request_kwargs(
        self,
        settings: ChatSettings,
        model: str,
        provider_extra_body: Mapping[str, Any] | None = None,
    ) -> RequestParts:
        """The create() arguments for `settings`, with notices on what was changed (see
        request_fields.py)."""
        return request_parts(self, settings, model, provider_extra_body)

    def efforts_for(self, model: str) -> tuple[str, ...]:
        """The reasoning effort values `model` takes here, least first (empty: none): what
        the session settings offer, and all a request ever sends."""
        return efforts_for(self.effort_rules, self.efforts, model)[0]

    def problem_before_sending(
        self, settings: ChatSettings, messages: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """Why the provider would refuse these messages with these settings (today: JSON
        mode without the word "json"), to tell the user before sending; None when fine."""
        if settings.json_mode:
            return self.json_prompt_problem(messages)
        return None

    def json_prompt_problem(self, messages: Sequence[Mapping[str, Any]]) -> str | None:
        """Why JSON mode would be refused for these messages, before sending them; None
        when it is fine (or this provider does not care)."""
        if not self.json_needs_word:
            return None
        for message in messages:
            said = text_of(message.get("content")).lower()
            if message.get("role") in ("system", "user", "developer") and "json" in said:
                return None
        return (
            f"JSON mode on {self.label} needs the word “JSON” in the system prompt or in "
            "your message. Add it (say what the JSON should hold), or turn JSON mode off."
        )

    def tool_reasoning_key(self, model: str) -> str | None:
        """The key under which `model`'s tool rounds send their reasoning back on the
        assistant message with the `tool_calls` (None: not sent)."""
        if self.tool_reasoning_field is not None:
            return self.tool_reasoning_field
        if self.tool_reasoning_models is not None and self.tool_reasoning_models.search(model):
            return "reasoning_content"
        return None

    # -- the response -----------------------------------------------------------------------

    def reasoning_of(self, delta: Any) -> str | None:
        """Reasoning text in a streamed delta, from whichever field this server uses."""
        for name in self.reasoning_fields:
            text = _reasoning_text(getattr(delta, name, None))
            if text:
                return text
        return None

    def think_splitter(self, model: str, saw_reasoning_field: bool) -> ThinkTagSplitter:
        """A splitter for inline <think> tags in content. Every dialect has one: any model
        may be served by vLLM, SGLang, llama.cpp or Ollama without a reasoning parser, under
        whichever dialect the user configured. It only splits tags at the start of the
        reply, so an answer that mentions "<think>" further on is left alone.

        `saw_reasoning_field`: reasoning already came in a delta field, so the server has a
        reasoning parser and a lone "</think>" is not to be expected.
        """
        prefilled = (
            not saw_reasoning_field
            and self.prefilled_think is not None
            and bool(self.prefilled_think.search(model))
        )
        return ThinkTagSplitter(prefilled=prefilled)

    def classify_error(
        self, exc: BaseException, key_hint: str, model: str, base_url: str
    ) -> ProviderError:
        """A ProviderError in plain words, using this provider's error codes and hints."""
        return classify(exc, key_hint, model, base_url, codes=self.error_codes, hints=self.hints)

    def explain_refusal(
        self,
        error: ProviderError,
        model: str,
        settings: ChatSettings | None,
        parts: RequestParts,
    ) -> ProviderError:
        """`error` naming the session setting to change when the server refused a field
        the settings put in the request ("Reasoning effort 'max' is not accepted by
        o4-mini"); `error` itself otherwise."""
        if "tools" in parts.kwargs and refuses_tools(error):
            return tools_unsupported(error, model)
        from_settings = self.request_kwargs(settings, model) if settings is not None else None
        return explain_refusal(error, model, settings, parts, from_settings)


def usage_of(chunk: Any) -> Any:
    """The usage object in a chunk, wherever this server puts it: on the chunk (final
    usage-only chunk, last content chunk or every chunk) or inside a choice. None if absent.
    Usage is cumulative, so the caller keeps the last one, never a sum."""
    choices = getattr(chunk, "choices", None) or ()
    candidates = [getattr(chunk, "usage", None)] + [getattr(c, "usage", None) for c in choices]
    for usage in candidates:
        if isinstance(usage, Mapping) or hasattr(usage, "model_dump"):
            return usage
    return None


def _reasoning_text(value: Any) -> str:
    """A reasoning field's text: a string, or OpenRouter's `reasoning_details` list of
    {"type": "reasoning.text", "text": ...} / {"type": "reasoning.summary", "summary": ...}
    (encrypted entries carry no text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for item in value:
            data = item if isinstance(item, Mapping) else getattr(item, "__dict__", {})
            text = data.get("text") or data.get("summary")
            if isinstance(text, str):
                parts.append(text)
        return "".join(parts)
    return ""


def text_of(content: Any) -> str:
    """The text of a message's content: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


# -- the table -----------------------------------------------------------------------------------

_COMMON = Dialect(
    name="generic",
    label="This provider",
    usage_placement="unknown",
    prefilled_think=_R1_LIKE,
)
"""What every dialect starts from."""
GENERIC = replace(
    _COMMON,
    # Any server may serve a DeepSeek model in thinking mode, which needs its tool rounds'
    # reasoning back; the named dialects say for themselves.
    tool_reasoning_models=re.compile(r"deepseek", re.IGNORECASE),
)

_ZHIPU_CODES: dict[str, str] = {
    **{str(code): "auth" for code in range(1000, 1005)},
    **{str(code): "account" for code in range(1110, 1122)},
    "1113": "quota",  # in arrears (sent with HTTP 429)
    "1211": "not_found",  # unknown model
    "1261": "context_length",  # prompt too long [S]
    "1301": "content_filter",
    "1302": "rate_limit",  # high concurrency
    "1308": "quota",  # usage quota reached [S]
    "1313": "rate_limit",  # fair-use throttle [S]
}

DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        GENERIC,
        replace(
            _COMMON,
            name="openai",
            label="OpenAI",
            thinking_switch="reasoning_effort",
            effort_rules=OPENAI_RULES,  # unknown models: no effort
            reasoning_models=re.compile(r"^(o\d|gpt-5|gpt-oss)", re.IGNORECASE),
            rejects_sampling=re.compile(r"^(o\d|gpt-5)", re.IGNORECASE),
            max_tokens_field="max_completion_tokens",  # o-series refuse max_tokens
            json_needs_word=True,
            usage_placement="final_chunk",
        ),
        replace(
            _COMMON,
            name="dashscope",
            label="DashScope",
            tool_reasoning_field="reasoning_content",
            forced_tool_choice="not_while_thinking",
            thinking_switch="enable_thinking",
            budget_field="thinking_budget",  # a budget, no reasoning effort [V]
            json_needs_word=True,
            usage_placement="final_chunk",
            error_codes={
                "invalid_api_key": "auth",
                "InvalidApiKey": "auth",
                # Bailian sends its per-minute token throttle as 429 with OpenAI's
                # billing wording and code `insufficient_quota`; it clears within a minute.
                "insufficient_quota": "rate_limit",
                "limit_requests": "rate_limit",
                "Throttling": "rate_limit",
                "Throttling.RateQuota": "rate_limit",
                "Throttling.AllocationQuota": "rate_limit",
                "Arrearage": "quota",
                "BudgetLimitExceeded": "quota",
                "PrepaidBillOverdue": "quota",
                "PostpaidBillOverdue": "quota",
                "data_inspection_failed": "content_filter",
                "DataInspectionFailed": "content_filter",
            },
            hints={
                "auth:401": "DashScope keys belong to one region: a Singapore (intl) key does "
                "not work on the Beijing URL, nor the other way round.",
            },
        ),
        replace(
            _COMMON,
            name="deepseek",
            label="DeepSeek",
            tool_reasoning_field="reasoning_content",
            forced_tool_choice="not_while_thinking",
            thinking_switch="thinking_type",
            effort_rules=DEEPSEEK_RULES,  # V4 only: other models take no effort
            ignores_sampling_when_thinking=True,
            json_needs_word=True,
            usage_placement="last_content_chunk",
        ),
        replace(
            _COMMON,
            name="siliconflow",
            label="SiliconFlow",
            tool_reasoning_field="reasoning_content",
            thinking_switch="enable_thinking",
            budget_field="thinking_budget",
            budget_range=(128, 32768),
            effort_rules=SILICONFLOW_RULES,  # DeepSeek-V4 and GLM-5.2 only
            stream_options=False,  # not in their schema; usage comes on every chunk anyway
            usage_placement="every_chunk",
            error_codes={"50505": "busy"},
            hints={
                "auth:403": "SiliconFlow answers 403 when the account still needs real-name "
                "verification (实名认证).",
            },
        ),
        replace(
            _COMMON,
            name="modelscope",
            label="ModelScope",
            tool_reasoning_field="reasoning_content",
            thinking_switch="enable_thinking",  # Qwen3-style, as on DashScope [U]
            usage_placement="unknown",
            hints={
                "auth": "ModelScope needs an access token (ms-…) from an account bound to "
                "Alibaba Cloud with real-name verification.",
            },
        ),
        replace(
            _COMMON,
            name="zhipu",
            label="Zhipu GLM",
            tool_reasoning_field="reasoning_content",
            forced_tool_choice="never",
            tool_stream_models=re.compile(r"glm-4\.[6-9]|glm-[5-9]", re.IGNORECASE),
            thinking_switch="thinking_type",
            effort_rules=ZHIPU_RULES,  # GLM-4.5 and later
            temperature_max=1.0,
            stream_options=False,  # not documented; usage comes on the last chunk anyway
            usage_placement="last_content_chunk",
            error_codes=_ZHIPU_CODES,
        ),
        replace(
            _COMMON,
            name="lkeap",
            label="Tencent LKEAP",
            no_switch_advice="deepseek-r1 always thinks and deepseek-v3 never does: "
            "pick the model instead.",
            usage_placement="unknown",
        ),
        replace(
            _COMMON,
            name="openrouter",
            label="OpenRouter",
            thinking_switch="reasoning_object",
            efforts=("none", "minimal", "low", "medium", "high", "xhigh"),  # any model [V]
            reasoning_fields=("reasoning", "reasoning_content", "reasoning_details"),
            stream_options=False,  # documented as having no effect: usage always comes
            usage_placement="final_chunk",
            error_codes={"402": "quota", "403": "content_filter"},
        ),
        replace(
            _COMMON,
            name="ollama",
            label="Ollama",
            tool_reasoning_field="reasoning",
            thinking_switch="reasoning_effort",  # /v1 ignores the native `think` field
            efforts=("none", "low", "medium", "high"),  # others: 400 [V]
            effort_when_on="medium",
            reasoning_fields=("reasoning", "reasoning_content", "reasoning_details"),
            usage_placement="final_chunk",
            error_codes={"not_found_error": "not_found"},
        ),
        replace(
            _COMMON,
            name="vllm",
            label="vLLM",
            tool_reasoning_field="reasoning",
            thinking_switch="chat_template",
            budget_field="thinking_token_budget",  # [S]
            reasoning_fields=("reasoning", "reasoning_content", "reasoning_details"),
            usage_placement="final_chunk",
        ),
    )
}


def dialect_for(name: str | None) -> Dialect:
    """The dialect called `name`; the generic one for None or an unknown name."""
    return DIALECTS.get(name or "generic", GENERIC)
