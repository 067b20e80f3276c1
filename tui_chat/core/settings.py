"""Per-session chat settings: what to ask the provider for, independent of any dialect.

`ChatSettings` is what the user chose (or the config default). Which JSON fields a request
actually carries is decided per dialect in `tui_chat.providers.dialects`. Unset values (None)
mean "let the provider decide": nothing is sent for them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.sanitize import clean_tree, single_line, strip_control
from tui_chat.core.store.json_files import nested_deeper_than

ThinkingMode = Literal["default", "on", "off"]
THINKING_MODES: tuple[str, ...] = ("default", "on", "off")
# Ordered from least to most reasoning; dialects accept a subset and map to the nearest.
EFFORTS: tuple[str, ...] = ("none", "minimal", "low", "medium", "high", "xhigh", "max")

TEMPERATURE_RANGE = (0.0, 2.0)
TOP_P_RANGE = (0.0, 1.0)
MAX_TOKENS_LIMIT = 10_000_000
THINKING_BUDGET_LIMIT = 10_000_000
# How much of the conversation a request sends (see tui_chat.core.context.request).
STRATEGIES: tuple[str, ...] = ("full", "last_turns", "budget", "summary", "recall")
STRATEGY_LABELS: dict[str, str] = {
    "full": "Full conversation",
    "last_turns": "Last N turns",
    "budget": "Token budget",
    "summary": "Rolling summary",
    "recall": "Recall (embeddings)",
}
CONTEXT_TURNS_LIMIT = 10_000
CONTEXT_BUDGET_LIMIT = 100_000_000
SUMMARY_THRESHOLD_RANGE = (0.1, 0.95)


class SettingError(ValueError):
    """A value the user typed that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class ChatSettings:
    """The settings in force for a session (or the defaults for new ones)."""

    provider: str | None = None
    model: str | None = None
    system_prompt: str | None = None
    """None: use the config's system prompt. "" : explicitly none."""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    thinking: str = "default"
    """"default" (send nothing), "on" or "off"."""
    thinking_budget: int | None = None
    """Most reasoning tokens, where the dialect has a budget."""
    reasoning_effort: str | None = None
    """One of EFFORTS, where the dialect has an effort level."""
    json_mode: bool = False
    """Ask for a JSON object (`response_format={"type": "json_object"}`)."""
    extra_body: dict[str, Any] = field(default_factory=dict)
    """Extra request fields; they win over the provider's `extra_body`."""
    context_strategy: str | None = None
    """One of STRATEGIES; None: "full"."""
    context_turns: int | None = None
    """N for "last_turns" (exchanges kept, each answer with its question, besides the new
    question; 1 is the "chain" style, 0 sends the question alone) and
    the recent turns "recall" always keeps."""
    context_budget: int | None = None
    """Tokens the conversation may take ("budget", and the limit "recall" and "summary"
    stay within); None: the context window minus room for the reply."""
    summary_threshold: float | None = None
    """Fraction of the context window past which "summary" summarizes (default 0.7)."""
    summary_model: str | None = None
    """Model that writes summaries (same provider); None: the session's model."""

    def __post_init__(self) -> None:
        # A private copy: the dataclass is frozen, its dict should not be shared either.
        object.__setattr__(self, "extra_body", copy.deepcopy(dict(self.extra_body or {})))

    def replace(self, **changes: Any) -> ChatSettings:
        return dataclasses.replace(self, **changes)

    # -- checking ------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What is wrong with these values, in plain words (empty when all is well)."""
        return _check(self)[1]

    def clamped(self) -> tuple[ChatSettings, list[str]]:
        """Settings with every value brought into range (or unset), and what was changed."""
        return _check(self)

    def set_from_text(self, name: str, text: str) -> ChatSettings:
        """A copy with one setting parsed from what the user typed; blank text unsets it.

        Raises SettingError with a plain-words message when the text is not usable.
        """
        if name not in _FIELDS:
            raise SettingError(f"There is no setting called '{name}'.")
        text = text.strip()
        value: Any
        if name in ("provider", "model"):
            value = text or None
        elif name == "system_prompt":
            value = strip_control(text) if text else None
        elif name in ("temperature", "top_p"):
            value = _parse_float(name, text)
        elif name in ("max_tokens", "thinking_budget", "context_budget"):
            value = _parse_int(name, text)
        elif name == "context_turns":
            value = _parse_int(name, text, allow_zero=True)
        elif name == "summary_threshold":
            value = _parse_fraction(text)
        elif name == "summary_model":
            value = text or None
        elif name == "context_strategy":
            value = text.lower().replace(" ", "_").replace("-", "_") or None
            if value is not None and value not in STRATEGIES:
                raise SettingError(f"The context strategy is one of: {', '.join(STRATEGIES)}.")
        elif name == "thinking":
            value = (text or "default").lower()
            if value not in THINKING_MODES:
                raise SettingError("Thinking is one of: default, on, off.")
        elif name == "reasoning_effort":
            value = text.lower() or None
            if value is not None and value not in EFFORTS:
                raise SettingError(f"Reasoning effort is one of: {', '.join(EFFORTS)}.")
        elif name == "json_mode":
            value = _parse_bool(text)
        else:  # extra_body
            value = _parse_object(text)
        changed = self.replace(**{name: value})
        problems = changed.problems()
        if problems:
            raise SettingError(problems[0])
        return changed

    # -- (de)serialising -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: only the values that are set (unset ones mean "provider default")."""
        data: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            if name == "thinking" and value == "default":
                continue
            if name == "json_mode" and not value:
                continue
            if name == "extra_body" and not value:
                continue
            if value is not None:
                data[name] = copy.deepcopy(value)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ChatSettings:
        """Settings from parsed JSON or TOML; never raises (a hand-edited file must still
        open). Unknown keys and values of the wrong type are dropped; numbers out of range
        are brought into range."""
        if not isinstance(data, Mapping):
            return cls()
        values: dict[str, Any] = {}
        for name in ("provider", "model"):
            text = data.get(name)
            if isinstance(text, str) and single_line(text).strip():
                values[name] = single_line(text).strip()
        prompt = data.get("system_prompt")
        if isinstance(prompt, str):
            values["system_prompt"] = strip_control(prompt)
        for name in ("temperature", "top_p"):
            number = data.get(name)
            if isinstance(number, int | float) and not isinstance(number, bool):
                values[name] = float(number)
        for name in ("max_tokens", "thinking_budget", "context_turns", "context_budget"):
            number = data.get(name)
            if isinstance(number, int) and not isinstance(number, bool):
                values[name] = number
        threshold = data.get("summary_threshold")
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            values["summary_threshold"] = float(threshold)
        strategy = data.get("context_strategy")
        if strategy in STRATEGIES:
            values["context_strategy"] = strategy
        summary_model = data.get("summary_model")
        if isinstance(summary_model, str) and single_line(summary_model).strip():
            values["summary_model"] = single_line(summary_model).strip()
        thinking = data.get("thinking")
        if thinking in THINKING_MODES:
            values["thinking"] = thinking
        effort = data.get("reasoning_effort")
        if effort in EFFORTS:
            values["reasoning_effort"] = effort
        if isinstance(data.get("json_mode"), bool):
            values["json_mode"] = data["json_mode"]
        extra = data.get("extra_body")
        if (
            isinstance(extra, Mapping)
            and all(isinstance(k, str) for k in extra)
            and not nested_deeper_than(extra)
        ):
            values["extra_body"] = clean_tree(dict(extra))  # shown in the settings
        settings, _ = cls(**values).clamped()
        return settings

    def over(self, defaults: ChatSettings) -> ChatSettings:
        """These settings where set, `defaults` (e.g. from the config) elsewhere.

        "Set" means not None; for `thinking` not "default"; extra_body tables are merged.
        `json_mode` has no unset state: it is on when either side turns it on.
        """
        merged: dict[str, Any] = {}
        for name in _FIELDS:
            mine, theirs = getattr(self, name), getattr(defaults, name)
            if name == "extra_body":
                merged[name] = deep_merge(theirs, mine)
            elif name == "thinking":
                merged[name] = mine if mine != "default" else theirs
            elif name == "json_mode":
                merged[name] = mine or theirs
            else:
                merged[name] = mine if mine is not None else theirs
        return ChatSettings(**merged)


_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ChatSettings))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` updated by `override`; nested tables are merged key by key, not replaced."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _check(settings: ChatSettings) -> tuple[ChatSettings, list[str]]:
    """Clamp (or unset) what is out of range; say what was wrong."""
    problems: list[str] = []
    fixes: dict[str, Any] = {}
    low, high = TEMPERATURE_RANGE
    if settings.temperature is not None:
        t = settings.temperature
        if not math.isfinite(t):
            problems.append("Temperature must be a number from 0 to 2.")
            fixes["temperature"] = None
        elif not low <= t <= high:
            problems.append(f"Temperature {t:g} is outside 0 to 2; using {_clamp(t, low, high):g}.")
            fixes["temperature"] = _clamp(t, low, high)
    if settings.top_p is not None:
        p = settings.top_p
        if not math.isfinite(p) or p <= 0:
            problems.append("top_p must be above 0 and at most 1; left unset.")
            fixes["top_p"] = None
        elif p > 1:
            problems.append(f"top_p {p:g} is above 1; using 1.")
            fixes["top_p"] = 1.0
    for name, label, limit in (
        ("max_tokens", "Max tokens", MAX_TOKENS_LIMIT),
        ("thinking_budget", "The thinking budget", THINKING_BUDGET_LIMIT),
    ):
        value = getattr(settings, name)
        if value is None:
            continue
        if value < 1:
            problems.append(f"{label} must be at least 1; left unset.")
            fixes[name] = None
        elif value > limit:
            problems.append(f"{label} {value} is too large; using {limit}.")
            fixes[name] = limit
    if settings.context_turns is not None:
        if settings.context_turns < 0:
            problems.append("The number of turns must be 0 or more; left unset.")
            fixes["context_turns"] = None
        elif settings.context_turns > CONTEXT_TURNS_LIMIT:
            problems.append(f"{settings.context_turns} turns is too many; using 10000.")
            fixes["context_turns"] = CONTEXT_TURNS_LIMIT
    if settings.context_budget is not None:
        if settings.context_budget < 1:
            problems.append("The token budget must be at least 1; left unset.")
            fixes["context_budget"] = None
        elif settings.context_budget > CONTEXT_BUDGET_LIMIT:
            problems.append("The token budget is too large; left unset.")
            fixes["context_budget"] = None
    if settings.summary_threshold is not None:
        low, high = SUMMARY_THRESHOLD_RANGE
        t = settings.summary_threshold
        if not math.isfinite(t):
            problems.append("The summary threshold must be a fraction like 0.7; left unset.")
            fixes["summary_threshold"] = None
        elif not low <= t <= high:
            problems.append(
                f"The summary threshold {t:g} is outside {low:g} to {high:g}; "
                f"using {_clamp(t, low, high):g}."
            )
            fixes["summary_threshold"] = _clamp(t, low, high)
    if settings.context_strategy is not None and settings.context_strategy not in STRATEGIES:
        problems.append(f"The context strategy is one of: {', '.join(STRATEGIES)}; using full.")
        fixes["context_strategy"] = None
    if settings.thinking not in THINKING_MODES:
        problems.append("Thinking is one of: default, on, off; using default.")
        fixes["thinking"] = "default"
    if settings.reasoning_effort is not None and settings.reasoning_effort not in EFFORTS:
        problems.append(f"Reasoning effort is one of: {', '.join(EFFORTS)}; left unset.")
        fixes["reasoning_effort"] = None
    try:
        json.dumps(settings.extra_body)
    except (TypeError, ValueError):
        problems.append("Extra request fields must be plain JSON values; dropped.")
        fixes["extra_body"] = {}
    return (settings.replace(**fixes) if fixes else settings), problems


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _parse_float(name: str, text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise SettingError(f"{name.replace('_', ' ').capitalize()} must be a number.") from None


def _parse_int(name: str, text: str, allow_zero: bool = False) -> int | None:
    if not text:
        return None
    label = name.replace("_", " ").capitalize()
    text = text.replace("_", "").replace(",", "")
    multiplier = 1
    if text[-1:] in ("k", "K"):  # "32k" tokens
        text, multiplier = text[:-1], 1000
    try:
        value = int(text) * multiplier
    except ValueError:
        if name == "context_turns":
            raise SettingError("Turns must be a whole number (0 or more).") from None
        raise SettingError(f"{label} must be a whole number of tokens.") from None
    if allow_zero and value < 0:
        raise SettingError("Turns must be 0 or more.")
    return value


def _parse_fraction(text: str) -> float | None:
    """0.7, or 70%."""
    if not text:
        return None
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise SettingError("The summary threshold is a fraction like 0.7 (or 70%).") from None
    return value / 100 if percent or value > 1 else value


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("", "off", "no", "false", "0"):
        return False
    if lowered in ("on", "yes", "true", "1"):
        return True
    raise SettingError("JSON mode is on or off.")


def _parse_object(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingError(f"Extra request fields must be a JSON object: {exc.msg}.") from None
    if not isinstance(value, dict):
        raise SettingError('Extra request fields must be a JSON object, like {"seed": 1}.')
    return value


def parse_table(text: str, what: str = "Extra request fields") -> dict[str, Any]:
    """A JSON object (text starting with "{") or TOML key = value lines, as a dict of plain
    JSON values; blank text is an empty dict. Raises SettingError in plain words."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingError(
                f"{what}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})."
            ) from None
        if not isinstance(value, dict):
            raise SettingError(f'{what} must be a JSON object, like {{"seed": 1}}.')
    else:
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingError(
                f"{what}: not valid TOML ({exc}); write key = value lines or a JSON object."
            ) from None
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise SettingError(f"{what} must be plain JSON values (no dates or times).") from None
    return value


def table_text(value: Mapping[str, Any]) -> str:
    """A table as the JSON text `parse_table` reads back; blank when it is empty."""
    return json.dumps(value, indent=2, ensure_ascii=False) if value else ""
