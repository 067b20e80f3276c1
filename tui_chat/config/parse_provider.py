"""Reading one `[providers.NAME]` table (its keys, models' settings and prices), each
problem named at the line of its key; used by tui_chat.config.parse for the whole file and
for a table the providers screen built."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from tui_chat.config.keys import KeyCommand
from tui_chat.config.lines import LineIndex, Problem
from tui_chat.config.provider import (
    DEFAULT_TIMEOUT,
    DEMO_PROVIDER,
    DIALECTS,
    IMAGE_APIS,
    ModelSettings,
    Prices,
    ProviderConfig,
)
from tui_chat.core.sanitize import single_line

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
    "image_model",
    "image_api",
}
_MODEL_KEYS = {"extra_body", "context_window", "prices"}
_PRICE_KEYS = {"input", "output", "cached_input", "currency"}


def parse_provider(
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
    image_api = table.get("image_api")
    if image_api is not None and image_api not in IMAGE_APIS:
        fail("image_api", f"image_api must be one of: {', '.join(IMAGE_APIS)}")
    strings = {}
    names = ("api_key_env", "api_key", "default_model", "label", "embedding_model", "image_model")
    for key in names:
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
        image_api=image_api,
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
