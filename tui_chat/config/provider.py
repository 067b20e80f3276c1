"""One provider's entry in the config (`[providers.NAME]`): where it is, how to find its
key, its models and their settings. Frozen: edits make new ones (tui_chat.config.writer)."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui_chat.config.keys import (
    KeyCommand,
    KeyCommandError,
    cached_key,
    describe_command,
    key_command_environ,
    mask_key,
    run_key_command,
)

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
IMAGE_APIS = ("openai", "siliconflow", "modelscope", "dashscope")
"""Image generation endpoint shapes: OpenAI's `/images/generations` answering `data[]`
(OpenAI, Zhipu and most others), SiliconFlow's `images[]`, ModelScope's asynchronous task,
and DashScope's native API (tui_chat.providers.images)."""
DEMO_PROVIDER = "demo"
DEMO_MODEL = "demo"
"""The offline demo's model (tui_chat.providers.demo)."""
# Sent to servers that need no key (local Ollama / vLLM); the SDK refuses to run without one.
PLACEHOLDER_KEY = "not-needed"
DEFAULT_TIMEOUT = 60.0


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
    image_model: str | None = None
    """Model `/image` uses ("cogview-4", "Kwai-Kolors/Kolors"); None: `/image` says how
    to set one."""
    image_api: str | None = None
    """Which image endpoint shape applies (IMAGE_APIS); None: the dialect's
    (`image_api_for`)."""

    @property
    def image_api_name(self) -> str:
        """The image endpoint shape: `image_api` when set, else the dialect's."""
        if self.image_api in IMAGE_APIS:
            return self.image_api
        if self.dialect in ("siliconflow", "modelscope", "dashscope"):
            return self.dialect
        return "openai"

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
