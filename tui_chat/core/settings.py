"""Chat settings: what to ask the provider for, independent of any dialect; one type for a
session's own settings and for the config's `[defaults]` that new sessions start with.

`ChatSettings` is what the user chose (or the config default). Which JSON fields a request
actually carries is decided per dialect in `tui_chat.providers.dialects`. Unset values (None)
mean "let the provider decide": nothing is sent for them.

`FIELDS` is the one table of settings: name, kind of value (tui_chat.core.setting_kinds:
reading, checking, messages), label and hint for forms, the `[defaults]` key, and whether a
session file keeps it. Reading and writing session files, reading and writing `[defaults]`
(tui_chat.config.parse, tui_chat.config.writer) and the settings form all go through it: a
new setting is a field of `ChatSettings` and a row of `FIELDS`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.setting_kinds import (
    Choice,
    Count,
    Flag,
    Kind,
    Name,
    Names,
    Number,
    Prompt,
    SettingError,
    Table,
)

ThinkingMode = Literal["default", "on", "off"]
THINKING_MODES: tuple[str, ...] = ("default", "on", "off")
"""`default` leaves thinking to the model; `on`/`off` ask the provider to switch it."""
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


@dataclass(frozen=True)
class ChatSettings:
    """The settings in force for a session, or the `[defaults]` new ones start with.

    The fields are in the order forms show them (and files keep them). Some belong to one
    place only (see `FIELDS`): provider, model and extra_body to a session; persona,
    context_free and auto_title to `[defaults]` (`Config.session_settings` turns them into
    a session's settings)."""

    provider: str | None = None
    model: str | None = None
    persona: str | None = None
    """Name of a `[personas]` entry to use as the system prompt (`[defaults]` only)."""
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
    context_free: bool = False
    """Send only the newest message (`[defaults]` only): the same as context_strategy =
    "last_turns" with context_turns = 0."""
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
    auto_title: bool = False
    """After a session's first reply, ask the model for a short title (`[defaults]` only)."""
    tools_enabled: bool | None = None
    """Offer tools to the model; None: on (tools are off only when switched off)."""
    tools: tuple[str, ...] | None = None
    """Which tools: built-in names ("current_time"), "mcp:NAME" for all of a server's
    tools, "NAME.tool" for one; None: `[defaults] tools`, else ("current_time",)."""
    extra_body: dict[str, Any] = field(default_factory=dict)
    """Extra request fields; they win over the provider's `extra_body`."""

    def __post_init__(self) -> None:
        # A private copy: the dataclass is frozen, its dict should not be shared either.
        object.__setattr__(self, "extra_body", copy.deepcopy(dict(self.extra_body or {})))

    def replace(self, **changes: Any) -> ChatSettings:
        return dataclasses.replace(self, **changes)

    # -- checking ------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What is wrong with these values, in plain words (empty when all is well)."""
        return self.clamped()[1]

    def clamped(self) -> tuple[ChatSettings, list[str]]:
        """Settings with every value brought into range (or unset), and what was changed."""
        problems: list[str] = []
        fixes: dict[str, Any] = {}
        for setting in FIELDS:
            value = getattr(self, setting.name)
            fixed, problem = setting.kind.fix(value)
            if problem is not None:
                problems.append(problem)
                fixes[setting.name] = fixed
        return (self.replace(**fixes) if fixes else self), problems

    def set_from_text(self, name: str, text: str) -> ChatSettings:
        """A copy with one setting parsed from what the user typed; blank text unsets it.

        Raises SettingError with a plain-words message when the text is not usable.
        """
        setting = FIELDS_BY_NAME.get(name)
        if setting is None:
            raise SettingError(f"There is no setting called '{name}'.")
        changed = self.replace(**{name: setting.kind.from_text(text.strip())})
        problems = changed.problems()
        if problems:
            raise SettingError(problems[0])
        return changed

    # -- (de)serialising -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for a session file: only the values that are set (unset ones mean
        "provider default"), and only those a session keeps."""
        data: dict[str, Any] = {}
        for setting in FIELDS:
            value = getattr(self, setting.name)
            if setting.stored and value != setting.unset:
                data[setting.name] = copy.deepcopy(value)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ChatSettings:
        """Settings from a session file's JSON; never raises (a hand-edited file must still
        open). Unknown keys and values of the wrong type are dropped; numbers out of range
        are brought into range."""
        if not isinstance(data, Mapping):
            return cls()
        values: dict[str, Any] = {}
        for setting in FIELDS:
            value = setting.kind.from_json(data.get(setting.name)) if setting.stored else None
            if value is not None:
                values[setting.name] = value
        settings, _ = cls(**values).clamped()
        return settings

    def over(self, defaults: ChatSettings) -> ChatSettings:
        """These settings where set, `defaults` (e.g. from the config) elsewhere.

        "Set" means not the field's unset value (None; `thinking` "default"; `json_mode`
        off: it is on when either side turns it on); extra_body tables are merged.
        """
        merged: dict[str, Any] = {}
        for setting in FIELDS:
            mine, theirs = getattr(self, setting.name), getattr(defaults, setting.name)
            if isinstance(setting.kind, Table):
                merged[setting.name] = deep_merge(theirs, mine)
            else:
                merged[setting.name] = mine if mine != setting.unset else theirs
        return ChatSettings(**merged)


@dataclass(frozen=True)
class SettingField:
    """One setting: how its values are read and checked (`kind`), what forms call it
    (`label`, `help`), its `[defaults]` key (None: not a `[defaults]` setting), whether a
    session file keeps it (`stored`) and whether the session settings form shows it."""

    name: str
    kind: Kind
    label: str
    help: str = ""
    toml_key: str | None = None
    stored: bool = True
    form: bool = True

    @property
    def unset(self) -> Any:
        """The value that means "not set" (the field's default in ChatSettings)."""
        return getattr(_UNSET, self.name)


def _token_count(label: str, rule: str, limit: int, name: str = "") -> Count:
    """A token count from 1 to `limit`: too large uses the limit."""
    return Count(
        limit=limit,
        rule=rule,
        not_a_number=f"{name or label} must be a whole number of tokens.",
        too_small=f"{label} must be at least 1; left unset.",
        too_large=label + " {value} is too large; using {limit}.",
    )


_TOKENS = "must be a positive whole number of tokens"
FIELDS: tuple[SettingField, ...] = (
    SettingField("provider", Name(), "Provider"),
    SettingField("model", Name(), "Model", "Enter: pick from the provider's list"),
    SettingField("persona", Name(), "Persona", toml_key="persona", stored=False),
    SettingField("system_prompt", Prompt(), "System prompt", toml_key="system_prompt"),
    SettingField(
        "temperature",
        Number(
            *TEMPERATURE_RANGE,
            rule="must be a number from 0 to 2",
            not_a_number="Temperature must be a number.",
            unusable="Temperature must be a number from 0 to 2.",
            outside="Temperature {value:g} is outside 0 to 2; using {fixed:g}.",
        ),
        "Temperature",
        "0 to 2 (blank: provider default)",
        toml_key="temperature",
    ),
    SettingField(
        "top_p",
        Number(
            *TOP_P_RANGE,
            rule="must be a number above 0, at most 1",
            not_a_number="Top p must be a number.",
            unusable="top_p must be above 0 and at most 1; left unset.",
            outside="top_p {value:g} is above 1; using {fixed:g}.",
            above_low=True,
        ),
        "top_p",
        "0 to 1 (blank: provider default)",
        toml_key="top_p",
    ),
    SettingField(
        "max_tokens",
        _token_count("Max tokens", _TOKENS, MAX_TOKENS_LIMIT),
        "Max tokens",
        "per reply (blank: provider default)",
        toml_key="max_tokens",
    ),
    SettingField(
        "thinking",
        Choice(
            THINKING_MODES,
            what="Thinking",
            fallback="using default",
            unset="default",
            labels={"default": "Provider default", "on": "On", "off": "Off"},
            bool_words=("on", "off"),
        ),
        "Thinking",
        toml_key="thinking",
    ),
    SettingField(
        "thinking_budget",
        _token_count("The thinking budget", _TOKENS, THINKING_BUDGET_LIMIT, "Thinking budget"),
        "Thinking budget",
        "tokens (blank: provider default)",
        toml_key="thinking_budget",
    ),
    SettingField(
        "reasoning_effort",
        Choice(EFFORTS, what="Reasoning effort", fallback="left unset"),
        "Reasoning effort",
        "provider default",
        toml_key="reasoning_effort",
    ),
    SettingField(
        "json_mode",
        Flag("JSON mode"),
        "JSON mode",
        "ask for JSON; shown pretty-printed",
        toml_key="json_mode",
    ),
    SettingField(
        "context_free",
        Flag("Context free"),
        "Context free",
        toml_key="context_free",
        stored=False,
        form=False,
    ),
    SettingField(
        "context_strategy",
        Choice(
            STRATEGIES,
            what="The context strategy",
            fallback="using full",
            labels=STRATEGY_LABELS,
            none_means="full",
        ),
        "Context",
        toml_key="context_strategy",
    ),
    SettingField(
        "context_turns",
        Count(
            limit=CONTEXT_TURNS_LIMIT,
            rule="must be a whole number, 0 or more",
            not_a_number="Turns must be a whole number (0 or more).",
            too_small="The number of turns must be 0 or more; left unset.",
            too_large="{value} turns is too many; using {limit}.",
            minimum=0,
            negative="Turns must be 0 or more.",
        ),
        "Turns kept",
        "last turns / recall (blank: 4 / 2)",
        toml_key="context_turns",
    ),
    SettingField(
        "context_budget",
        Count(
            limit=CONTEXT_BUDGET_LIMIT,
            rule=_TOKENS,
            not_a_number="Context budget must be a whole number of tokens.",
            too_small="The token budget must be at least 1; left unset.",
            too_large="The token budget is too large; left unset.",
            unset_when_large=True,
        ),
        "Token budget",
        "tokens (blank: window − reply)",
        toml_key="context_budget",
    ),
    SettingField(
        "summary_threshold",
        Number(
            *SUMMARY_THRESHOLD_RANGE,
            rule="must be a fraction of the window, {} to {}".format(*SUMMARY_THRESHOLD_RANGE),
            not_a_number="The summary threshold is a fraction like 0.7 (or 70%).",
            unusable="The summary threshold must be a fraction like 0.7; left unset.",
            outside="The summary threshold {value:g} is outside {low:g} to {high:g}; "
            "using {fixed:g}.",
            percent=True,
        ),
        "Summarize at",
        "of the window (blank: 0.7)",
        toml_key="summary_threshold",
    ),
    SettingField(
        "summary_model",
        Name(),
        "Summary model",
        "same provider (blank: this model)",
        toml_key="summary_model",
    ),
    SettingField(
        "auto_title",
        Flag("Auto title"),
        "Auto title",
        toml_key="auto_title",
        stored=False,
        form=False,
    ),
    SettingField(
        "tools_enabled",
        Flag("Tools"),
        "Tools",
        "the model may call tools (blank: on)",
        toml_key="tools_enabled",
        form=False,
    ),
    SettingField(
        "tools",
        Names(),
        "Which tools",
        "names, e.g. current_time, read_file, mcp:docs (blank: [defaults])",
        toml_key="tools",
        form=False,
    ),
    SettingField("extra_body", Table(), "Extra request fields (JSON object or TOML lines)"),
)
FIELDS_BY_NAME: dict[str, SettingField] = {setting.name: setting for setting in FIELDS}
DEFAULTS_FIELDS: tuple[SettingField, ...] = tuple(s for s in FIELDS if s.toml_key is not None)
"""The settings `[defaults]` holds, in the order they are written."""
_UNSET = ChatSettings()


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
