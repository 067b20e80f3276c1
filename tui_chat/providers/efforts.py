"""Which reasoning effort values each provider and model family takes, and what to say when
a server refuses a setting anyway.

A dialect's `effort_rules` are read top down; the first rule whose pattern is found in the
model name says which values that model takes. A model no rule names takes what the
dialect's `efforts` say, which for the per-model providers (OpenAI, DeepSeek, Zhipu,
SiliconFlow) is nothing: an unknown model is offered no effort and sent none, as the generic
dialect does. A value the model does not take is never sent: the session settings screen
says so before saving, and the request goes without it.

Evidence tags as in /work/shared/providers.md: [V] read in the vendor's docs, [S] second
hand, [U] not in providers.md (from the vendors' model pages as remembered; unverified).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tui_chat.providers.events import ProviderError

if TYPE_CHECKING:
    from tui_chat.core.settings import ChatSettings
    from tui_chat.providers.dialects import Dialect
    from tui_chat.providers.request_fields import RequestParts


@dataclass(frozen=True)
class EffortRule:
    """The reasoning effort values the models matching `models` take."""

    models: re.Pattern[str]
    efforts: tuple[str, ...]
    """In order from least to most reasoning; empty: no effort (a budget, or nothing)."""
    evidence: str
    """V, S or U, as in providers.md."""
    same_as: Mapping[str, str] = field(default_factory=dict)
    """Values the provider also takes, documented as meaning another one (DeepSeek reads
    "medium" as "high"): sent as the value they mean, with a notice."""


def _rule(pattern: str, efforts: tuple[str, ...], evidence: str, **same_as: str) -> EffortRule:
    return EffortRule(re.compile(pattern, re.IGNORECASE), efforts, evidence, same_as)


LOW_TO_HIGH = ("low", "medium", "high")

# OpenAI: providers.md §2.2 says only "support varies per model" [V]; the per-family values
# are from OpenAI's model pages [U]. o1-mini and o1-preview never took an effort.
OPENAI_RULES = (
    _rule(r"^o1-(mini|preview)", (), "U"),
    _rule(r"^o\d", LOW_TO_HIGH, "U"),
    _rule(r"^gpt-5(\.\d+)?-chat", (), "U"),  # the chat models do not reason
    _rule(r"^gpt-5-pro", ("high",), "U"),
    _rule(r"^gpt-5(\.\d+)?-codex", LOW_TO_HIGH, "U"),
    _rule(r"^gpt-5\.\d+-pro", ("medium", "high", "xhigh"), "U"),
    _rule(r"^gpt-5\.([2-9]|\d\d)", ("none", *LOW_TO_HIGH, "xhigh"), "U"),
    _rule(r"^gpt-5\.1", ("none", *LOW_TO_HIGH), "U"),
    _rule(r"^gpt-5", ("minimal", *LOW_TO_HIGH), "U"),
    _rule(r"^gpt-oss", LOW_TO_HIGH, "U"),
)

# DeepSeek V4: low/high/max; minimal, medium and xhigh are read as the nearest [V]. The
# retired aliases deepseek-chat / deepseek-reasoner pointed at V4-Flash [S]. Other models
# under this dialect (a self-hosted R1 or V3) have no effort field.
_DEEPSEEK_V4 = ("low", "high", "max")
_DEEPSEEK_SAME = {"minimal": "low", "medium": "high", "xhigh": "high"}
DEEPSEEK_RULES = (
    _rule(r"deepseek-v4", _DEEPSEEK_V4, "V", **_DEEPSEEK_SAME),
    _rule(r"^deepseek-(chat|reasoner)$", _DEEPSEEK_V4, "S", **_DEEPSEEK_SAME),
)

# Zhipu GLM-4.5 and later: every value from none to max, remapped per model by the server
# [V]; which models read it [S]. Older GLM-4 and the Z1 models: no effort [U].
ZHIPU_RULES = (
    _rule(r"^glm-(4\.[5-9]|[5-9])", ("none", "minimal", *LOW_TO_HIGH, "xhigh", "max"), "V"),
)

# SiliconFlow: high/max for DeepSeek-V4 and GLM-5.2 only [V]; the others (Qwen3 and the
# like) take enable_thinking and thinking_budget instead.
SILICONFLOW_RULES = (_rule(r"deepseek-v4|glm-5\.2", ("high", "max"), "V"),)

# DashScope takes enable_thinking and thinking_budget, no effort [V]: no rules, no efforts.


def efforts_for(
    rules: tuple[EffortRule, ...], fallback: tuple[str, ...], model: str
) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """(the values `model` takes, values taken as meaning another one)."""
    for rule in rules:
        if rule.models.search(model):
            return rule.efforts, rule.same_as
    return fallback, {}


def effort_to_send(
    dialect: Dialect, effort: str | None, model: str, notices: list[str]
) -> str | None:
    """The chosen effort if `model` takes it, or the value the provider documents it as
    meaning; otherwise None (not sent), with a notice. Never a value the model refuses."""
    if effort is None:
        return None
    takes, same_as = efforts_for(dialect.effort_rules, dialect.efforts, model)
    if effort in takes:
        return effort
    meant = same_as.get(effort)
    if meant in takes:
        notices.append(f"{dialect.label} reads effort '{effort}' as '{meant}': sent '{meant}'.")
        return meant
    if not dialect.efforts and not dialect.effort_rules:
        notices.append(f"{dialect.label} has no reasoning effort setting: '{effort}' not sent.")
    elif not takes:
        instead = " Use the thinking budget instead." if dialect.budget_field else ""
        notices.append(
            f"{model} takes no reasoning effort on {dialect.label}: '{effort}' not sent.{instead}"
        )
    else:
        notices.append(
            f"{model} does not take reasoning effort '{effort}' (it takes {', '.join(takes)}): "
            "not sent. Change it in F2."
        )
    return None


# -- a 400 that names a setting's field ------------------------------------------------------

# Request fields the session settings produce, with the setting's name in the F2 screen.
_SETTING_FIELDS: tuple[tuple[str, str], ...] = (
    ("reasoning_effort", "Reasoning effort"),
    ("reasoning", "Reasoning effort"),
    ("thinking_budget", "Thinking budget"),
    ("thinking_token_budget", "Thinking budget"),
    ("enable_thinking", "Thinking"),
    ("chat_template_kwargs", "Thinking"),
    ("thinking", "Thinking"),
    ("temperature", "Temperature"),
    ("top_p", "top_p"),
    ("max_completion_tokens", "Max tokens"),
    ("max_tokens", "Max tokens"),
    ("response_format", "JSON mode"),
)
# Ollama's words for a bad effort: `invalid reasoning value: 'max' (must be ...)` [V].
_OLLAMA_EFFORT = re.compile(r"invalid reasoning value", re.IGNORECASE)
# JSON mode refused for want of the word "json" names 'response_format' too; errors.py
# already says what to do about that one.
_JSON_WORD = re.compile(r"must contain the word .?json", re.IGNORECASE)


def _named(field_name: str, said: str) -> bool:
    """The server's words name this request field (as a field, not as a plain word)."""
    if field_name == "reasoning_effort" and _OLLAMA_EFFORT.search(said):
        return True
    quoted = rf"['\"`]{re.escape(field_name)}['\"`]"
    dotted = rf"\b(parameter|param|field|argument)s?[.: ]+\W?{re.escape(field_name)}\b"
    if re.search(quoted, said) or re.search(dotted, said, re.IGNORECASE):
        return True
    # Plain-word mentions only for names that are not ordinary words.
    return "_" in field_name and re.search(rf"\b{re.escape(field_name)}\b", said) is not None


def _sent_value(parts: RequestParts, field_name: str) -> Any:
    if field_name in parts.kwargs:
        return parts.kwargs[field_name]
    return parts.extra_body.get(field_name)


def _value_words(field_name: str, value: Any) -> str:
    if field_name == "reasoning" and isinstance(value, Mapping):
        value = value.get("effort")
    if field_name == "enable_thinking" and isinstance(value, bool):
        return "on" if value else "off"
    if field_name == "thinking" and isinstance(value, Mapping):
        kind = value.get("type")
        return {"enabled": "on", "disabled": "off"}.get(str(kind), "") if kind else ""
    return f"'{value}'" if isinstance(value, str | int | float) else ""


def _for_thinking(settings: ChatSettings | None) -> bool:
    """An effort in the request came from Thinking on/off, not from a chosen effort."""
    return settings is not None and (
        settings.reasoning_effort is None or settings.thinking == "off"
    )


def explain_refusal(
    error: ProviderError,
    model: str,
    settings: ChatSettings | None,
    parts: RequestParts,
    from_settings: RequestParts | None,
) -> ProviderError:
    """`error` with the setting to change, when a refused request's error names a field
    this request carried (e.g. OpenAI's "Unsupported value: 'reasoning_effort' does not
    support 'max' with this model"); `error` itself otherwise.

    `from_settings`: the request parts the session settings alone give (no provider
    extra_body), to tell a setting from a field in the config's extra_body.
    """
    said = error.message
    if error.kind != "bad_request" or error.status not in (None, 400, 422):
        return error
    if _JSON_WORD.search(said):
        return error
    for field_name, label in _SETTING_FIELDS:
        value = _sent_value(parts, field_name)
        if value is None or not _named(field_name, said):
            continue
        if from_settings is None or _sent_value(from_settings, field_name) is None:
            return replace(
                error,
                title=f"{model} does not take the field '{field_name}'",
                message=f"Remove it from extra_body in the provider's config. {said}".strip(),
            )
        if field_name in ("reasoning_effort", "reasoning") and _for_thinking(settings):
            # Sent for Thinking on or off ("none" for off), not for a chosen effort.
            mode = "off" if settings is not None and settings.thinking == "off" else "on"
            return replace(
                error,
                title=f"Thinking {mode} is not accepted by {model}",
                message=f"Set Thinking to provider default in F2 (session settings). {said}",
            )
        words = _value_words(field_name, value)
        title = f"{label} {words} is not accepted by {model}".replace("  ", " ")
        return replace(error, title=title, message=f"Change it in F2 (session settings). {said}")
    return error
