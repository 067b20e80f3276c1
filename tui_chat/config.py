"""The provider config: TOML on disk -> typed, frozen objects.

A missing file is not an error (the built-in presets are used); a broken file raises
`ConfigError`, which names the file, the line and the problem.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


class ConfigError(Exception):
    """A config file that cannot be used, with where and what went wrong."""

    def __init__(self, path: Path, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        super().__init__(f"{_where(path, line)}: {problem}")


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
        return bool(self.api_key_env or self.api_key)

    def resolve_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key to send: inline key, else the environment variable, else a placeholder
        for servers that need none. None when the named variable is unset or empty."""
        env = os.environ if environ is None else environ
        if self.api_key:
            return self.api_key
        if self.api_key_env:
            value = env.get(self.api_key_env, "").strip()
            return value or None
        return PLACEHOLDER_KEY

    def missing_key_reason(self) -> str:
        return f"{self.api_key_env} is not set" if self.api_key_env else "no API key configured"


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
class Config:
    """Everything the config file says, with defaults filled in."""

    path: Path
    default_provider: str = "dashscope"
    """Provider for new sessions."""
    providers: Mapping[str, ProviderConfig] = field(default_factory=lambda: dict(PRESETS))
    system_prompt: str = ""
    """System prompt (persona) for new sessions; empty for none."""
    theme: str | None = None
    """A Textual theme name, e.g. "textual-dark", "nord", "gruvbox"."""
    exists: bool = False
    """False when the file was missing and built-in defaults are in use."""
    warnings: tuple[str, ...] = ()
    """Problems that do not stop the app (unknown keys, a readable key file)."""

    def provider(self, name: str) -> ProviderConfig | None:
        return self.providers.get(name)


_PROVIDER_KEYS = {
    "base_url",
    "api_key_env",
    "api_key",
    "models",
    "default_model",
    "dialect",
    "timeout",
    "extra_body",
    "label",
}
_TOP_KEYS = {"default_provider", "system_prompt", "theme", "providers"}
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


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
    """Validate TOML text as a config; `path` is only used in messages and warnings."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE_IN_MESSAGE.search(str(exc))
        line = int(match.group(1)) if match else None
        problem = _LINE_IN_MESSAGE.sub("", str(exc)).replace("(at , column", "(column")
        raise ConfigError(path, f"invalid TOML: {problem.strip()}", line) from exc

    lines = text.splitlines()
    warnings: list[str] = []
    for key in data:
        if key not in _TOP_KEYS:
            where = _where(path, _find_line(lines, key))
            warnings.append(f"{where}: unknown key '{key}' (ignored)")

    raw_providers = data.get("providers", {})
    if not isinstance(raw_providers, dict):
        raise ConfigError(path, "'providers' must be a table", _find_line(lines, "providers"))
    providers: dict[str, ProviderConfig] = {}
    inline_keys = False
    for name, table in raw_providers.items():
        provider = _parse_provider(name, table, path, lines, warnings)
        inline_keys = inline_keys or bool(provider.api_key)
        providers[name] = provider
    if not providers:
        providers = dict(PRESETS)

    default_provider = _string(data, "default_provider", path, lines) or next(iter(providers))
    if default_provider != DEMO_PROVIDER and default_provider not in providers:
        raise ConfigError(
            path,
            f"default_provider '{default_provider}' is not one of the [providers.*] tables "
            f"({', '.join(providers)})",
            _find_line(lines, "default_provider"),
        )
    if inline_keys and _readable_by_others(path):
        warnings.append(
            f"{path} holds an API key and can be read by other users: run chmod 600 on it"
        )
    return Config(
        path=path,
        default_provider=default_provider,
        providers=providers,
        system_prompt=_string(data, "system_prompt", path, lines) or "",
        theme=_string(data, "theme", path, lines),
        exists=True,
        warnings=tuple(warnings),
    )


def _parse_provider(
    name: str, table: Any, path: Path, lines: list[str], warnings: list[str]
) -> ProviderConfig:
    header = f"[providers.{name}]"
    line = _find_line(lines, "providers", name)
    if not isinstance(table, dict):
        raise ConfigError(path, f"{header} must be a table", line)
    if name == DEMO_PROVIDER:
        raise ConfigError(
            path, f"'{DEMO_PROVIDER}' is reserved for the built-in offline demo", line
        )
    for key in table:
        if key not in _PROVIDER_KEYS:
            warnings.append(f"{_where(path, line)}: unknown key '{key}' in {header} (ignored)")
    base_url = table.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ConfigError(path, f'{header} needs base_url = "https://..."', line)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(path, f"{header} base_url must start with http:// or https://", line)
    dialect = table.get("dialect", "generic")
    if dialect not in DIALECTS:
        raise ConfigError(
            path, f"{header} has unknown dialect '{dialect}' (one of: {', '.join(DIALECTS)})", line
        )
    models = table.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ConfigError(path, f"{header} models must be a list of model names", line)
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(path, f"{header} timeout must be a positive number of seconds", line)
    extra_body = table.get("extra_body", {})
    if not isinstance(extra_body, dict):
        raise ConfigError(path, f"{header} extra_body must be a table", line)
    strings = {}
    for key in ("api_key_env", "api_key", "default_model", "label"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(path, f"{header} {key} must be a string", line)
        strings[key] = value or None
    return ProviderConfig(
        name=name,
        base_url=base_url.strip().rstrip("/"),
        models=tuple(models),
        dialect=dialect,
        timeout=float(timeout),
        extra_body=extra_body,
        **strings,
    )


def _string(data: dict[str, Any], key: str, path: Path, lines: list[str]) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(path, f"'{key}' must be a string", _find_line(lines, key))
    return value


def _find_line(lines: list[str], *key_path: str) -> int | None:
    """1-based number of the line that defines `key_path`: a `key = ...` line or a
    `[table]` header, with or without quotes around the names."""
    dotted = ".".join(key_path)
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].replace('"', "").replace("'", "").replace(" ", "")
        if text.startswith("["):
            header = text.strip("[]")
            if header == dotted or header.startswith(dotted + "."):
                return number
        elif len(key_path) == 1 and (
            text.startswith(dotted + "=") or text.startswith(dotted + ".")
        ):
            return number
    return None


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def _readable_by_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
