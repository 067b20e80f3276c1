"""The provider config: TOML on disk -> typed, frozen objects.

A missing file is not an error (the built-in presets are used); a broken file raises
`ConfigError`, which names the file, the line and the problem.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from tui_chat.config.keymap import parse_keymap
from tui_chat.config.keys import (
    KeyCommand,
    KeyCommandError,
    cached_key,
    describe_command,
    key_command_environ,
    mask_key,
    run_key_command,
)
from tui_chat.config.lines import LineIndex, Problem, in_line_order
from tui_chat.core.sanitize import clean_tree, single_line
from tui_chat.core.settings import STRATEGIES, SUMMARY_THRESHOLD_RANGE, ChatSettings

DIALECTS = (
    "generic",
    "openai",
    "dashscope",
    "deepseek",
    "siliconflow",
    "modelscope",
    "zhipu",
    "lkeap",
    "openrouter",
    "ollama",
    "vllm",
)
DEMO_PROVIDER = "demo"
# Sent to servers that need no key (local Ollama / vLLM); the SDK refuses to run without one.
PLACEHOLDER_KEY = "not-needed"
DEFAULT_TIMEOUT = 60.0
THINKING_MODES = ("default", "on", "off")
"""`default` leaves thinking to the model; `on`/`off` ask the provider to switch it."""
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
"""Every value some provider accepts; each provider takes a subset."""


class ConfigError(Exception):
    """A config file that cannot be used, with where and what went wrong."""

    def __init__(
        self, path: Path, problem: str, line: int | None = None, problems: Sequence[Problem] = ()
    ) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.problems = tuple(problems) or (Problem(problem, line),)
        """Everything found in the file (warnings too), in line order: `config check`
        lists them all, so one run finds every mistake."""
        more = sum(1 for p in self.problems if not p.warning) - 1
        also = f" (and {more} more: `tui-chat config check` lists them)" if more > 0 else ""
        super().__init__(f"{_where(path, line)}: {problem}{also}")


@dataclass(frozen=True)
class Prices:
    """What a model costs per million tokens (`prices = { input = …, output = … }`)."""

    input: float
    output: float
    cached_input: float | None = None
    """Price of prompt tokens the provider served from its cache; `input` when unset."""
    currency: str = "$"
    """Shown before amounts, e.g. "$" or "¥"."""


@dataclass(frozen=True)
class ModelSettings:
    """Settings for one model of a provider: `[providers.NAME.model_settings."MODEL"]`."""

    extra_body: Mapping[str, Any] = field(default_factory=dict)
    """Extra JSON fields for requests to this model, merged over the provider's."""
    context_window: int | None = None
    """The model's context window in tokens, when the app cannot know it otherwise."""
    prices: Prices | None = None
    """Per-million-token prices, for the cost shown in the status line and exports."""


@dataclass(frozen=True)
class KeyLookup:
    """Where a provider's key comes from and whether there is one. `key` is the secret:
    show `masked`, never `key`."""

    key: str | None
    source: str
    """Where the key was (or would be) found: `$VAR`, `api_key in the config`, a command."""
    problem: str | None = None
    """Why there is no key; safe to show."""
    checked: bool = True
    """False when finding out would mean running api_key_cmd and that was not asked for."""

    @property
    def found(self) -> bool:
        return self.key is not None

    @property
    def masked(self) -> str:
        """The key for display (`sk-…a1b2`); empty when there is none or none is needed."""
        if self.key is None or self.key == PLACEHOLDER_KEY:
            return ""
        return mask_key(self.key)


@dataclass(frozen=True)
class ProviderConfig:
    """One OpenAI-compatible endpoint."""

    name: str
    base_url: str
    """Base URL of the OpenAI-compatible API, ending before `/chat/completions`."""
    api_key_env: str | None = None
    """Environment variable that holds the key (preferred)."""
    api_key: str | None = None
    """The key itself (discouraged: keep the file private)."""
    models: tuple[str, ...] = ()
    """Models offered for this provider."""
    default_model: str | None = None
    """Model for new sessions; the first of `models` when unset."""
    dialect: str = "generic"
    """Which provider quirks apply (thinking switch, usage placement, errors)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds to wait for the server to answer, and between two streamed chunks."""
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    """Extra JSON fields merged into every request to this provider."""
    label: str | None = None
    """Name shown in the UI; the table name when unset."""
    api_key_cmd: KeyCommand | None = None
    """A command that prints the key (a password manager); a string runs through the
    shell, a tuple runs without one. Run only when the key is needed, once per process."""
    model_settings: Mapping[str, ModelSettings] = field(default_factory=dict)
    """Per-model extra_body, context window and prices, by model name."""
    embedding_model: str | None = None
    """Model for `/embeddings` (the "recall" context strategy); None: recall is off."""

    @property
    def display_name(self) -> str:
        return self.label or self.name

    @property
    def model(self) -> str:
        """The model new sessions use."""
        if self.default_model:
            return self.default_model
        return self.models[0] if self.models else "default"

    @property
    def needs_key(self) -> bool:
        return bool(self.api_key_env or self.api_key or self.api_key_cmd)

    def extra_body_for(self, model: str) -> dict[str, Any]:
        """The provider's extra_body with the model's own merged over it (nested tables
        are merged key by key, so a model can change one field of `thinking`)."""
        settings = self.model_settings.get(model)
        if settings is None:
            return dict(self.extra_body)
        return _deep_merge(self.extra_body, settings.extra_body)

    def context_window_for(self, model: str) -> int | None:
        settings = self.model_settings.get(model)
        return settings.context_window if settings else None

    def prices_for(self, model: str) -> Prices | None:
        settings = self.model_settings.get(model)
        return settings.prices if settings else None

    def key_source(self) -> str:
        """Where the key comes from, in words, without looking it up."""
        if self.api_key:
            return "api_key in the config"
        sources = []
        if self.api_key_env:
            sources.append(f"${self.api_key_env}")
        if self.api_key_cmd:
            sources.append(f"command `{describe_command(self.api_key_cmd)}`")
        return ", else ".join(sources) if sources else "none needed"

    def lookup_key(
        self,
        environ: Mapping[str, str] | None = None,
        run_command: bool = True,
        hidden_env: Collection[str] = (),
    ) -> KeyLookup:
        """Find the key: inline `api_key`, else the `api_key_env` variable, else the output
        of `api_key_cmd`, else a placeholder for servers that need none. With
        `run_command=False` a command that has not run yet is not run (`checked` False).
        `hidden_env`: variables the command must not see (`Config.key_variables`)."""
        env = os.environ if environ is None else environ
        if self.api_key:
            return KeyLookup(self.api_key, "api_key in the config")
        problems = []
        if self.api_key_env:
            value = env.get(self.api_key_env, "").strip()
            if value:
                return KeyLookup(value, f"${self.api_key_env}")
            problems.append(f"{self.api_key_env} is not set")
        if self.api_key_cmd:
            source = f"command `{describe_command(self.api_key_cmd)}`"
            key = cached_key(self.api_key_cmd)
            if key is None and not run_command:
                return KeyLookup(None, source, checked=False)
            if key is None:
                try:
                    key = run_key_command(self.api_key_cmd, env=key_command_environ(hidden_env))
                except KeyCommandError as error:
                    problems.append(error.problem)
            if key is not None:
                return KeyLookup(key, source)
        if problems:
            return KeyLookup(None, self.key_source(), "; ".join(problems))
        return KeyLookup(PLACEHOLDER_KEY, "none needed")

    def resolve_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key to send (see `lookup_key`); None when there is none."""
        return self.lookup_key(environ).key

    def masked_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key for display (`sk-…a1b2`) without running api_key_cmd; None when not
        found (or not looked for yet), "" when none is needed."""
        lookup = self.lookup_key(environ, run_command=False)
        return lookup.masked if lookup.found else None

    def missing_key_reason(self) -> str:
        if self.api_key_env:
            return f"{self.api_key_env} is not set"
        if self.api_key_cmd:
            return "api_key_cmd gave no key"
        return "no API key configured"


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _preset(
    name: str, label: str, base_url: str, env: str | None, models: tuple[str, ...], dialect: str
) -> ProviderConfig:
    return ProviderConfig(
        name=name,
        label=label,
        base_url=base_url,
        api_key_env=env,
        models=models,
        default_model=models[0],
        dialect=dialect,
    )


# Mirrored, with comments, by config.example.toml (a test keeps the two in step).
PRESETS: dict[str, ProviderConfig] = {
    p.name: p
    for p in (
        _preset(
            "dashscope",
            "DashScope (Qwen)",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            ("qwen-plus", "qwen3-max", "qwen-flash", "qwq-plus"),
            "dashscope",
        ),
        _preset(
            "deepseek",
            "DeepSeek",
            "https://api.deepseek.com",
            "DEEPSEEK_API_KEY",
            ("deepseek-v4-flash", "deepseek-v4-pro"),
            "deepseek",
        ),
        _preset(
            "siliconflow",
            "SiliconFlow",
            "https://api.siliconflow.cn/v1",
            "SILICONFLOW_API_KEY",
            ("deepseek-ai/DeepSeek-V3.2", "Qwen/Qwen3-235B-A22B-Instruct-2507"),
            "siliconflow",
        ),
        _preset(
            "modelscope",
            "ModelScope",
            "https://api-inference.modelscope.cn/v1",
            "MODELSCOPE_API_KEY",
            ("Qwen/Qwen3-235B-A22B-Instruct-2507",),
            "modelscope",
        ),
        _preset(
            "zhipu",
            "Zhipu GLM",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPUAI_API_KEY",
            ("glm-4.6", "glm-4.5-air"),
            "zhipu",
        ),
        _preset(
            "lkeap",
            "Tencent LKEAP",
            "https://api.lkeap.cloud.tencent.com/v1",
            "LKEAP_API_KEY",
            ("deepseek-v3.1", "deepseek-r1"),
            "lkeap",
        ),
        _preset(
            "openai",
            "OpenAI",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            ("gpt-4.1-mini", "gpt-4.1"),
            "openai",
        ),
        _preset(
            "openrouter",
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            ("openai/gpt-4.1-mini", "deepseek/deepseek-r1"),
            "openrouter",
        ),
        _preset(
            "ollama",
            "Ollama (local)",
            "http://localhost:11434/v1",
            None,
            ("qwen3:8b", "llama3.2"),
            "ollama",
        ),
    )
}


@dataclass(frozen=True)
class SessionDefaults:
    """Settings new sessions start with (`[defaults]`); None means the provider's own."""

    system_prompt: str = ""
    """System prompt for new sessions; empty for none."""
    persona: str | None = None
    """Name of a `[personas]` entry to use as the system prompt instead."""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    thinking: str = "default"
    """One of THINKING_MODES."""
    thinking_budget: int | None = None
    """Most tokens to spend thinking, where the provider takes a budget."""
    reasoning_effort: str | None = None
    """One of REASONING_EFFORTS, where the provider takes an effort level."""
    json_mode: bool = False
    """Ask for a JSON object reply (`response_format`)."""
    context_free: bool = False
    """Send only the newest message, without the conversation before it (the same as
    context_strategy = "last_turns" with context_turns = 0)."""
    context_strategy: str | None = None
    """How much of the conversation a request sends: one of STRATEGIES (None: full)."""
    context_turns: int | None = None
    """N for "last_turns", and the recent turns "recall" keeps."""
    context_budget: int | None = None
    """Token budget for "budget"/"recall"; None: the context window minus reply room."""
    summary_threshold: float | None = None
    """Fraction of the window past which "summary" summarizes (None: 0.7)."""
    summary_model: str | None = None
    """Model that writes the rolling summary (None: the session's)."""
    auto_title: bool = False
    """After a session's first reply, ask the model for a short title (one small request)."""


@dataclass(frozen=True)
class Config:
    """Everything the config file says, with defaults filled in."""

    path: Path
    default_provider: str = "dashscope"
    """Provider for new sessions."""
    providers: Mapping[str, ProviderConfig] = field(default_factory=lambda: dict(PRESETS))
    theme: str | None = None
    """A Textual theme name, e.g. "textual-dark", "nord", "gruvbox"."""
    defaults: SessionDefaults = field(default_factory=SessionDefaults)
    """Per-session settings new sessions start with."""
    personas: Mapping[str, str] = field(default_factory=dict)
    """Saved system prompts by name, to pick from."""
    exists: bool = False
    """False when the file was missing and built-in defaults are in use."""
    warnings: tuple[str, ...] = ()
    """Problems that do not stop the app (unknown keys, a readable key file)."""
    problems: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    """The same warnings with their lines, in line order (for `tui-chat config check`)."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """`[keymap]`: binding id → keys ("ctrl+k" or "f7,ctrl+k"), as written (entries with
    bad keys are kept for saving, and warned about; `keymap.usable_keymap` leaves them
    out). Which ids exist is checked by the app."""

    @property
    def system_prompt(self) -> str:
        """The system prompt new sessions start with: the default persona's text, else
        `[defaults] system_prompt` (or the older top-level `system_prompt`)."""
        if self.defaults.persona:
            return self.personas.get(self.defaults.persona, "")
        return self.defaults.system_prompt

    def provider(self, name: str) -> ProviderConfig | None:
        return self.providers.get(name)

    def key_variables(self) -> frozenset[str]:
        """Every variable named as a provider's `api_key_env`, here or in the presets: an
        `api_key_cmd` runs without them (`keys.key_command_environ`)."""
        providers = [*self.providers.values(), *PRESETS.values()]
        return frozenset(p.api_key_env for p in providers if p.api_key_env)

    def session_settings(self) -> ChatSettings:
        """The ChatSettings new sessions start with: `[defaults]`, with the persona resolved
        to its system prompt. Provider and model are left for the caller to fill in.
        (`context_free` and `auto_title` are not ChatSettings fields: they stay stored
        defaults.)"""
        d = self.defaults
        strategy, turns = d.context_strategy, d.context_turns
        if d.context_free and strategy is None:
            strategy, turns = "last_turns", 0
        return ChatSettings(
            context_strategy=strategy,
            context_turns=turns,
            context_budget=d.context_budget,
            summary_threshold=d.summary_threshold,
            summary_model=d.summary_model,
            system_prompt=self.system_prompt,
            temperature=d.temperature,
            top_p=d.top_p,
            max_tokens=d.max_tokens,
            thinking=d.thinking,
            thinking_budget=d.thinking_budget,
            reasoning_effort=d.reasoning_effort,
            json_mode=d.json_mode,
        )


_PROVIDER_KEYS = {
    "base_url",
    "api_key_env",
    "api_key",
    "api_key_cmd",
    "models",
    "default_model",
    "dialect",
    "timeout",
    "extra_body",
    "label",
    "model_settings",
    "embedding_model",
}
_MODEL_KEYS = {"extra_body", "context_window", "prices"}
_PRICE_KEYS = {"input", "output", "cached_input", "currency"}
_DEFAULTS_KEYS = set(SessionDefaults.__dataclass_fields__)
_TOP_KEYS = {"default_provider", "system_prompt", "theme", "defaults", "personas", "providers"}
_TOP_KEYS.add("keymap")  # key bindings by id; checked in tui_chat.config.keymap
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


def example_config_text() -> str:
    """config.example.toml as shipped inside the package (what `tui-chat config init`
    writes)."""
    from importlib.resources import files

    return files("tui_chat").joinpath("config.example.toml").read_text(encoding="utf-8")


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config at `path`; built-in defaults when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the file: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML text as a config; `path` is only used in messages and warnings.
    Every problem is looked for, not just the first: the ConfigError carries them all."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE_IN_MESSAGE.search(str(exc))
        line = int(match.group(1)) if match else None
        problem = _LINE_IN_MESSAGE.sub("", str(exc)).replace("(at , column", "(column")
        raise ConfigError(path, f"invalid TOML: {problem.strip()}", line) from exc
    except (RecursionError, MemoryError) as exc:  # e.g. arrays nested 100,000 deep
        raise ConfigError(path, "invalid TOML: it is nested too deeply or too large") from exc
    # Names and texts reach the screen: no escape sequences (keys become single lines).
    data = clean_tree(data)

    index = LineIndex(text)
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(f"unknown key '{key}' (ignored)", index.line(key), True))

    raw_providers = data.get("providers", {})
    if not isinstance(raw_providers, dict):
        problems.append(Problem("'providers' must be a table", index.line("providers")))
        raw_providers = {}
    providers: dict[str, ProviderConfig] = {}
    for name, table in raw_providers.items():
        provider = _parse_provider(name, table, index, problems)
        if provider is not None:
            providers[name] = provider
    inline_keys = any(provider.api_key for provider in providers.values())
    if not raw_providers:
        providers = dict(PRESETS)
    # A table with a mistake is still a provider the default can name (no second error).
    names = list(raw_providers) or list(providers)

    default_provider = _string(data, "default_provider", index, problems) or names[0]
    if default_provider != DEMO_PROVIDER and default_provider not in names:
        problems.append(
            Problem(
                f"default_provider '{default_provider}' is not one of the [providers.*] tables "
                f"({', '.join(names)})",
                index.line("default_provider"),
            )
        )
    personas = _parse_personas(data.get("personas", {}), index, problems)
    defaults = _parse_defaults(
        data.get("defaults", {}),
        _string(data, "system_prompt", index, problems) or "",
        personas,
        index,
        problems,
    )
    keymap, keymap_problems = parse_keymap(data.get("keymap", {}))
    for binding_id, problem in keymap_problems:
        line = index.line("keymap", *([binding_id] if binding_id else []))
        problems.append(Problem(f"{problem} (ignored)", line, True))
    theme = _string(data, "theme", index, problems)
    if inline_keys and _readable_by_others(path):
        problems.append(
            Problem(
                "this file holds an API key and can be read by other users: run chmod 600 on it",
                warning=True,
            )
        )
    ordered = in_line_order(problems)
    errors = [problem for problem in ordered if not problem.warning]
    if errors:
        raise ConfigError(path, errors[0].text, errors[0].line, ordered)
    return Config(
        path=path,
        default_provider=default_provider,
        providers=providers,
        theme=theme,
        defaults=defaults,
        personas=personas,
        exists=True,
        warnings=tuple(problem.located(path) for problem in ordered),
        problems=tuple(ordered),
        keymap=keymap,
    )


def _raise_first_error(path: Path, problems: list[Problem]) -> None:
    """For a table checked on its own (the editor's): the first error, without a line."""
    for problem in problems:
        if not problem.warning:
            raise ConfigError(path, problem.text)


def provider_from_table(name: str, table: Mapping[str, Any], path: Path) -> ProviderConfig:
    """Validate one `[providers.NAME]` table given as a dict (as the editor builds it);
    raises ConfigError without a line."""
    problems: list[Problem] = []
    provider = _parse_provider(name, dict(table), LineIndex(""), problems)
    _raise_first_error(path, problems)
    assert provider is not None
    return provider


def _parse_provider(
    name: str, table: Any, index: LineIndex, problems: list[Problem]
) -> ProviderConfig | None:
    """One provider table; None when it has errors (added to `problems`, each at the line
    of its key, or of the table when the key is missing)."""
    header = f"[providers.{name}]"
    at = partial(index.line, "providers", name)
    if not isinstance(table, dict):
        problems.append(Problem(f"{header} must be a table", at()))
        return None
    if name == DEMO_PROVIDER:
        problems.append(
            Problem(f"'{DEMO_PROVIDER}' is reserved for the built-in offline demo", at())
        )
        return None
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"{header} {problem}", at(key)))

    for key in table:
        if key not in _PROVIDER_KEYS:
            found.append(Problem(f"unknown key '{key}' in {header} (ignored)", at(key), True))
    base_url = table.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip():
        fail("base_url", 'needs base_url = "https://..."')
    elif not base_url.startswith(("http://", "https://")):
        fail("base_url", "base_url must start with http:// or https://")
    dialect = table.get("dialect", "generic")
    if dialect not in DIALECTS:
        fail("dialect", f"has unknown dialect '{dialect}' (one of: {', '.join(DIALECTS)})")
    models = table.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        fail("models", "models must be a list of model names")
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if not _is_number(timeout) or timeout <= 0:
        fail("timeout", "timeout must be a positive number of seconds")
    extra_body = table.get("extra_body", {})
    if not isinstance(extra_body, dict):
        fail("extra_body", "extra_body must be a table")
    strings = {}
    for key in ("api_key_env", "api_key", "default_model", "label", "embedding_model"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            fail(key, f"{key} must be a string")
        strings[key] = single_line(value) if isinstance(value, str) and value else None
    key_command = _parse_key_command(table.get("api_key_cmd"), fail)
    model_settings = _parse_model_settings(name, table.get("model_settings", {}), index, found)
    problems.extend(found)
    if any(not problem.warning for problem in found) or not isinstance(base_url, str):
        return None
    return ProviderConfig(
        name=name,
        base_url=base_url.strip().rstrip("/"),
        models=tuple(single_line(m) for m in models),
        dialect=dialect,
        timeout=float(timeout),
        extra_body=extra_body,
        api_key_cmd=key_command,
        model_settings=model_settings,
        **strings,
    )


def _parse_key_command(value: Any, fail: Callable[[str, str], None]) -> KeyCommand | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    fail("api_key_cmd", "api_key_cmd must be a command line (a string) or a list of arguments")
    return None


def _parse_model_settings(
    name: str, raw: Any, index: LineIndex, problems: list[Problem]
) -> dict[str, ModelSettings]:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                f"[providers.{name}] model_settings must be a table of models",
                index.line("providers", name, "model_settings"),
            )
        )
        return {}
    settings: dict[str, ModelSettings] = {}
    for model, table in raw.items():
        header = f'[providers.{name}.model_settings."{model}"]'
        at = partial(index.line, "providers", name, "model_settings", model)
        if not isinstance(table, dict):
            problems.append(Problem(f"{header} must be a table", at()))
            continue
        for key in table:
            if key not in _MODEL_KEYS:
                problems.append(
                    Problem(f"unknown key '{key}' in {header} (ignored)", at(key), True)
                )
        extra_body = table.get("extra_body", {})
        if not isinstance(extra_body, dict):
            problems.append(Problem(f"{header} extra_body must be a table", at("extra_body")))
        window = table.get("context_window")
        if window is not None and not _is_count(window):
            problems.append(
                Problem(
                    f"{header} context_window must be a positive number of tokens",
                    at("context_window"),
                )
            )
        prices = _parse_prices(table.get("prices"), header, at("prices"), problems)
        settings[model] = ModelSettings(extra_body=extra_body, context_window=window, prices=prices)
    return settings


def _parse_prices(
    raw: Any, header: str, line: int | None, problems: list[Problem]
) -> Prices | None:
    if raw is None:
        return None
    example = "prices = { input = 0.8, output = 2.0 } (per million tokens)"
    if not isinstance(raw, dict):
        problems.append(Problem(f"{header} prices must be a table: {example}", line))
        return None
    for key in raw:
        if key not in _PRICE_KEYS:
            problems.append(Problem(f"unknown key '{key}' in {header} prices", line, True))
    numbers: dict[str, float | None] = {}
    for key in ("input", "output", "cached_input"):
        value = raw.get(key)
        numbers[key] = None
        if value is None and key != "cached_input":
            problems.append(Problem(f"{header} prices needs {key}: {example}", line))
        elif value is not None and (not _is_number(value) or value < 0):
            problems.append(
                Problem(f"{header} prices {key} must be a number of money per million tokens", line)
            )
        elif value is not None:
            numbers[key] = float(value)
    currency = raw.get("currency", "$")
    if not isinstance(currency, str) or not currency.strip() or len(currency) > 8:
        problems.append(Problem(f'{header} prices currency must be short text like "$"', line))
        currency = "$"
    return Prices(
        input=numbers["input"] or 0.0,
        output=numbers["output"] or 0.0,
        cached_input=numbers["cached_input"],
        currency=currency.strip(),
    )


def _parse_personas(raw: Any, index: LineIndex, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(
            Problem("'personas' must be a table of name = \"prompt\"", index.line("personas"))
        )
        return {}
    personas: dict[str, str] = {}
    for name, text in raw.items():
        if not isinstance(text, str) or not text.strip():
            problems.append(
                Problem(
                    f"[personas] {name} must be the persona's system prompt (a non-empty string)",
                    index.line("personas", name),
                )
            )
        personas[name] = text  # kept, so a default naming it is not a second problem
    return personas


def defaults_from_table(
    table: Mapping[str, Any], personas: Mapping[str, str], path: Path
) -> SessionDefaults:
    """Validate a `[defaults]` table given as a dict (as the editor builds it); raises
    ConfigError without a line."""
    problems: list[Problem] = []
    defaults = _parse_defaults(dict(table), "", personas, LineIndex(""), problems)
    _raise_first_error(path, problems)
    return defaults


def _parse_defaults(
    raw: Any,
    top_level_prompt: str,
    personas: Mapping[str, str],
    index: LineIndex,
    problems: list[Problem],
) -> SessionDefaults:
    """The `[defaults]` table; built-in defaults when it has errors (added to `problems`)."""
    if not isinstance(raw, dict):
        problems.append(Problem("'defaults' must be a table", index.line("defaults")))
        return SessionDefaults()
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"[defaults] {key} {problem}", index.line("defaults", key)))

    for key in raw:
        if key not in _DEFAULTS_KEYS:
            line = index.line("defaults", key)
            found.append(Problem(f"unknown key '{key}' in [defaults] (ignored)", line, True))
    values: dict[str, Any] = {}
    text_keys: tuple[str, ...] = ("system_prompt", "persona", "reasoning_effort")
    text_keys += ("context_strategy", "summary_model")
    for key in text_keys:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            fail(key, "must be a string")
            value = None
        values[key] = value
    system_prompt = values["system_prompt"] or ""
    if system_prompt and top_level_prompt and system_prompt != top_level_prompt:
        found.append(
            Problem(
                "system_prompt is set both at the top and in [defaults]; the one in [defaults] "
                "is used",
                index.line("system_prompt"),
                True,
            )
        )
    system_prompt = system_prompt or top_level_prompt
    persona = values["persona"] or None
    if persona is not None:
        if persona not in personas:
            known = ", ".join(personas) or "none are defined"
            fail("persona", f"'{persona}' is not in [personas] ({known})")
        if system_prompt:
            fail("persona", "and system_prompt are both set: keep one of them")
    effort = values["reasoning_effort"] or None
    if effort is not None and effort not in REASONING_EFFORTS:
        fail("reasoning_effort", f"must be one of: {', '.join(REASONING_EFFORTS)}")
    temperature = raw.get("temperature")
    if temperature is not None and (not _is_number(temperature) or not 0 <= temperature <= 2):
        fail("temperature", "must be a number from 0 to 2")
    top_p = raw.get("top_p")
    if top_p is not None and (not _is_number(top_p) or not 0 < top_p <= 1):
        fail("top_p", "must be a number above 0, at most 1")
    for key in ("max_tokens", "thinking_budget"):
        if raw.get(key) is not None and not _is_count(raw[key]):
            fail(key, "must be a positive whole number of tokens")
    strategy = values["context_strategy"] or None
    if strategy is not None and strategy not in STRATEGIES:
        fail("context_strategy", f"must be one of: {', '.join(STRATEGIES)}")
    turns = raw.get("context_turns")
    if turns is not None and ((not _is_count(turns) and turns != 0) or isinstance(turns, bool)):
        fail("context_turns", "must be a whole number, 0 or more")
    if raw.get("context_budget") is not None and not _is_count(raw["context_budget"]):
        fail("context_budget", "must be a positive whole number of tokens")
    threshold = raw.get("summary_threshold")
    low, high = SUMMARY_THRESHOLD_RANGE
    if threshold is not None and (not _is_number(threshold) or not low <= threshold <= high):
        fail("summary_threshold", f"must be a fraction of the window, {low} to {high}")
    thinking = raw.get("thinking", "default")
    if isinstance(thinking, bool):  # `thinking = true` reads naturally too
        thinking = "on" if thinking else "off"
    if thinking not in THINKING_MODES:
        fail("thinking", f"must be one of: {', '.join(THINKING_MODES)}")
    for key in ("json_mode", "context_free", "auto_title"):
        if not isinstance(raw.get(key, False), bool):
            fail(key, "must be true or false")
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return SessionDefaults()
    return SessionDefaults(
        system_prompt=system_prompt,
        persona=persona,
        temperature=None if temperature is None else float(temperature),
        top_p=None if top_p is None else float(top_p),
        max_tokens=raw.get("max_tokens"),
        thinking=thinking,
        thinking_budget=raw.get("thinking_budget"),
        reasoning_effort=effort,
        json_mode=raw.get("json_mode", False),
        context_free=raw.get("context_free", False),
        context_strategy=strategy,
        context_turns=turns,
        context_budget=raw.get("context_budget"),
        summary_threshold=None if threshold is None else float(threshold),
        summary_model=values["summary_model"] or None,
        auto_title=raw.get("auto_title", False),
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _string(
    data: dict[str, Any], key: str, index: LineIndex, problems: list[Problem]
) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        problems.append(Problem(f"'{key}' must be a string", index.line(key)))
        return None
    return value


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def _readable_by_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
