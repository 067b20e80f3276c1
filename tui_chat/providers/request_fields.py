"""The request fields a dialect derives from the session settings: sampling, max tokens,
JSON mode, usage, and the thinking switch with its budget and effort.

`Dialect.request_kwargs` is `request_parts` here. The switch styles (`thinking_switch`) are
the few behaviours that differ in kind, not in value, between dialects (see dialects.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from tui_chat.core.settings import ChatSettings, deep_merge
from tui_chat.providers.efforts import effort_to_send

if TYPE_CHECKING:
    from tui_chat.providers.dialects import Dialect
    from tui_chat.providers.events import ChatRequest

# How a dialect switches thinking on and off:
#   none              no known switch: thinking settings are not sent (a notice says so)
#   enable_thinking   extra_body {"enable_thinking": bool} (+ budget field)   DashScope, SiliconFlow
#   thinking_type     extra_body {"thinking": {"type": "enabled"|"disabled"}}  DeepSeek, Zhipu
#   reasoning_effort  top-level reasoning_effort, "none" = off                 OpenAI, Ollama
#   reasoning_object  extra_body {"reasoning": {effort|max_tokens|enabled}}    OpenRouter
#   chat_template     extra_body {"chat_template_kwargs": {...}}               vLLM
THINKING_SWITCHES = (
    "none",
    "enable_thinking",
    "thinking_type",
    "reasoning_effort",
    "reasoning_object",
    "chat_template",
)


class RequestParts(NamedTuple):
    """What to pass to `chat.completions.create` besides model, messages and stream."""

    kwargs: dict[str, Any]
    """Native SDK arguments (temperature, max_tokens, reasoning_effort, response_format, …)."""
    extra_body: dict[str, Any]
    """Merged into the JSON body by the SDK: provider fields, thinking switches, the
    session's extra fields (which win)."""
    notices: list[str]
    """Plain words on settings that were changed or not sent, for the UI to show."""


def request_parts(
    dialect: Dialect,
    settings: ChatSettings,
    model: str,
    provider_extra_body: Mapping[str, Any] | None = None,
) -> RequestParts:
    """The create() arguments for `settings`, with notices on what was changed.

    extra_body layers, later ones winning: the provider's config, then the fields this
    dialect derives from the settings (thinking), then the session's own extra_body.
    """
    settings, notices = settings.clamped()
    kwargs: dict[str, Any] = {}
    body: dict[str, Any] = {}
    _sampling(dialect, settings, model, kwargs, notices)
    if settings.max_tokens is not None:
        kwargs[dialect.max_tokens_field] = settings.max_tokens
    _thinking(dialect, settings, model, kwargs, body, notices)
    if settings.json_mode:
        kwargs["response_format"] = {"type": "json_object"}
    if dialect.stream_options:
        kwargs["stream_options"] = {"include_usage": True}
    extra = deep_merge(deep_merge(provider_extra_body or {}, body), settings.extra_body)
    return RequestParts(kwargs, extra, notices)


def _sampling(
    dialect: Dialect, settings: ChatSettings, model: str, kwargs: dict[str, Any], notices: list[str]
) -> None:
    temperature, top_p = settings.temperature, settings.top_p
    if temperature is None and top_p is None:
        return
    names = " and ".join(
        n for n, v in (("temperature", temperature), ("top_p", top_p)) if v is not None
    )
    if dialect.rejects_sampling is not None and dialect.rejects_sampling.search(model):
        notices.append(f"{model} does not accept {names}: not sent.")
        return
    if dialect.ignores_sampling_when_thinking and settings.thinking != "off":
        notices.append(f"{dialect.label} ignores {names} while the model is thinking.")
    if temperature is not None and temperature > dialect.temperature_max:
        notices.append(
            f"{dialect.label} takes a temperature of at most {dialect.temperature_max:g}: "
            f"sent {dialect.temperature_max:g} instead of {temperature:g}."
        )
        temperature = dialect.temperature_max
    if temperature is not None:
        kwargs["temperature"] = temperature
    if top_p is not None:
        kwargs["top_p"] = top_p


def _thinking(
    dialect: Dialect,
    settings: ChatSettings,
    model: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
    notices: list[str],
) -> None:
    mode = settings.thinking
    budget = settings.thinking_budget if mode != "off" else None
    effort = settings.reasoning_effort if mode != "off" else None
    if mode == "default" and budget is None and effort is None:
        return
    if dialect.reasoning_models is not None and not dialect.reasoning_models.search(model):
        notices.append(f"{model} is not a reasoning model: thinking settings not sent.")
        return
    switch = dialect.thinking_switch
    if switch == "none":
        notices.append(f"{dialect.label} has no thinking switch. {dialect.no_switch_advice}")
        return
    on = mode == "on"
    effort = effort_to_send(dialect, effort, model, notices)
    if budget is not None:
        budget = _budget(dialect, budget, switch, model, notices)

    if switch == "enable_thinking":
        if mode != "default":
            body["enable_thinking"] = on
        if budget is not None and dialect.budget_field:
            body[dialect.budget_field] = budget
        if effort is not None:
            kwargs["reasoning_effort"] = effort
    elif switch == "thinking_type":
        if mode != "default":
            body["thinking"] = {"type": "enabled" if on else "disabled"}
        if effort is not None:
            kwargs["reasoning_effort"] = effort
    elif switch == "reasoning_effort":
        takes = dialect.efforts_for(model)
        if mode == "off" and "none" not in takes:
            least = f" (its least effort is '{takes[0]}')" if takes else ""
            notices.append(f"{model} cannot turn thinking off{least}: not sent.")
        elif mode == "off":
            kwargs["reasoning_effort"] = "none"
        elif effort is not None:
            kwargs["reasoning_effort"] = effort
        elif on and dialect.effort_when_on in takes:
            kwargs["reasoning_effort"] = dialect.effort_when_on
    elif switch == "reasoning_object":
        # OpenRouter takes effort or max_tokens, not both.
        reasoning: dict[str, Any]
        if mode == "off":
            reasoning = {"effort": "none"}
        elif budget is not None:
            reasoning = {"max_tokens": budget}
            if effort is not None:
                notices.append(
                    f"{dialect.label} takes a thinking budget or an effort, not both: "
                    f"sent the budget ({budget} tokens)."
                )
        elif effort is not None:
            reasoning = {"effort": effort}
        elif on:
            reasoning = {"enabled": True}
        else:
            return  # the effort chosen was not sent: the provider decides
        body["reasoning"] = reasoning
    elif switch == "chat_template":
        if mode != "default":
            # Qwen3 templates read enable_thinking, DeepSeek-V3.1 / Granite read thinking;
            # vLLM passes only the variables a template uses.
            body["chat_template_kwargs"] = {"enable_thinking": on, "thinking": on}
        if budget is not None and dialect.budget_field:
            body[dialect.budget_field] = budget


def _budget(
    dialect: Dialect, budget: int, switch: str, model: str, notices: list[str]
) -> int | None:
    if switch == "reasoning_object":
        return budget
    if not dialect.budget_field:
        takes = dialect.efforts_for(model)
        advice = f" Use a reasoning effort ({', '.join(takes)}) instead." if takes else ""
        notices.append(f"{dialect.label} has no thinking budget: not sent.{advice}")
        return None
    if dialect.budget_range is not None:
        low, high = dialect.budget_range
        if not low <= budget <= high:
            fixed = min(high, max(low, budget))
            notices.append(
                f"{dialect.label} takes a thinking budget from {low} to {high} tokens: "
                f"sent {fixed}."
            )
            return fixed
    return budget


def tool_fields(dialect: Dialect, request: ChatRequest, parts: RequestParts) -> RequestParts:
    """`parts` with the request's tools offered: `tools` and `tool_choice: "auto"`.

    tui-chat never forces a call ("required" or a named function): the model decides.
    Forcing is also refused outright in places: DeepSeek and DashScope reject it while the
    model thinks (400 "Thinking mode does not support this tool_choice"), Zhipu takes only
    "auto". A forced `tool_choice` put in an extra_body is kept where the provider takes
    it, and replaced by "auto", with a notice, where it would be refused
    (`Dialect.forced_tool_choice`).

    Zhipu streams a call's arguments only with `tool_stream: true` (GLM-4.6 and later,
    `Dialect.tool_stream_models`); without it whole calls arrive at the end.
    """
    kwargs = {**parts.kwargs, "tools": list(request.tools), "tool_choice": "auto"}
    extra = dict(parts.extra_body)
    notices = list(parts.notices)
    forced = extra.get("tool_choice")
    if forced is not None and forced != "auto" and _refuses_forced_choice(dialect, request):
        del extra["tool_choice"]
        why = "" if dialect.forced_tool_choice == "never" else " while the model thinks"
        notices.append(
            f'{dialect.label} takes only tool_choice "auto"{why}: sent "auto" instead of '
            "the extra_body's."
        )
    models = dialect.tool_stream_models
    if models is not None and models.search(request.model) and "tool_stream" not in extra:
        extra["tool_stream"] = True
    return RequestParts(kwargs, extra, notices)


def _refuses_forced_choice(dialect: Dialect, request: ChatRequest) -> bool:
    if dialect.forced_tool_choice == "never":
        return True
    if dialect.forced_tool_choice == "not_while_thinking":
        settings = request.settings
        return settings is None or settings.thinking != "off"
    return False
