"""Model lists (`GET /models`) fetched on demand and cached in the data dir, and the
provider "Test" (list the models, or send a one-token chat where there is no list).

The cache holds model names, base URLs and times only: never a key. Messages have the key
masked out in case a server echoes it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.atomic import write_atomic
from tui_chat.core.sanitize import one_line
from tui_chat.core.sentences import join_sentences
from tui_chat.core.store.json_files import SHAPE_ERRORS, UnreadableFile, read_json
from tui_chat.providers.errors import classify, redact
from tui_chat.providers.events import ProviderError

CACHE_VERSION = 1
# Statuses meaning "this server has no model list" rather than "something is wrong".
_NO_LIST = (404, 405, 501)


@dataclass(frozen=True)
class ModelList:
    """The models a provider listed, and when."""

    provider: str
    base_url: str
    ids: tuple[str, ...]
    fetched_at: float
    """Seconds since the epoch."""
    latency_s: float = 0.0


class ModelsError(Exception):
    """Fetching the list failed; `error` says why in plain words (never with the key)."""

    def __init__(self, error: ProviderError) -> None:
        self.error = error
        super().__init__(join_sentences(error.title, error.message))

    @property
    def not_listed(self) -> bool:
        """The provider does not offer `GET /models` (the config's models are used)."""
        return self.error.kind == "not_listed"


@dataclass(frozen=True)
class TestResult:
    """What the config screen's Test shows."""

    __test__ = False  # not a pytest test class

    ok: bool
    latency_s: float
    detail: str
    method: str
    """"models" (GET /models answered) or "chat" (a one-token chat was sent instead)."""
    models: tuple[str, ...] = ()
    error: ProviderError | None = None


# -- fetching ------------------------------------------------------------------------------


async def fetch_models(
    provider: ProviderConfig, api_key: str, timeout: float | None = None
) -> ModelList:
    """The provider's model ids, sorted, with the time the request took. Raises ModelsError
    (`not_listed` when the server has no `GET /models`)."""
    client = _client(provider, api_key, timeout)
    started = time.perf_counter()
    try:
        page = await client.models.list()
        latency = time.perf_counter() - started
        # The server's names reach the screen: no escape sequences, one line each.
        names = [getattr(m, "id", None) for m in (page.data or ())]
        ids = sorted({one_line(n, 200) for n in names if isinstance(n, str)} - {""})
    except Exception as exc:
        raise ModelsError(_error(exc, provider, api_key)) from None
    finally:
        await client.close()
    return ModelList(provider.name, provider.base_url, tuple(ids), time.time(), latency)


async def test_provider(
    provider: ProviderConfig, api_key: str, timeout: float | None = None
) -> TestResult:
    """Check that the provider answers with this key: `GET /models`, or where the server has
    no model list, a streamed one-token chat with the default model (streamed because some
    thinking models refuse non-streamed calls). Never raises for provider trouble."""
    try:
        listed = await fetch_models(provider, api_key, timeout)
    except ModelsError as error:
        if not error.not_listed:
            return TestResult(False, 0.0, _say(error.error), "models", error=error.error)
    else:
        count = len(listed.ids)
        detail = f"GET /models listed {count} model{'s' if count != 1 else ''}"
        return TestResult(True, listed.latency_s, detail, "models", listed.ids)
    return await _chat_test(provider, api_key, timeout)


test_provider.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


async def _chat_test(provider: ProviderConfig, api_key: str, timeout: float | None) -> TestResult:
    model = provider.model
    client = _client(provider, api_key, timeout)
    started = time.perf_counter()
    try:
        extra_body = provider.extra_body_for(model)
        stream = await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Hi"}],
            max_tokens=1,
            stream=True,
            extra_body=extra_body or None,
        )
        try:
            async for _chunk in stream:
                break  # the first chunk proves the model answers
        finally:
            await stream.close()
        latency = time.perf_counter() - started
    except Exception as exc:
        error = _error(exc, provider, api_key, model)
        return TestResult(False, 0.0, _say(error), "chat", error=error)
    finally:
        await client.close()
    detail = f"{model} answered (the provider has no model list, so a one-token chat was sent)"
    return TestResult(True, latency, detail, "chat")


def _client(provider: ProviderConfig, api_key: str, timeout: float | None) -> Any:
    # As for chats, a redirect is not followed: the Test says "base_url redirects to …"
    # rather than passing through one that every chat request would then refuse.
    from tui_chat.providers.openai_compat import sdk_client

    return sdk_client(provider, api_key, timeout)


def _error(
    exc: BaseException, provider: ProviderConfig, api_key: str, model: str = ""
) -> ProviderError:
    status = getattr(exc, "status_code", None)
    if not model and status in _NO_LIST:
        error = ProviderError(
            "not_listed",
            f"No model list ({status})",
            f"{provider.base_url}/models is not offered here; the models named in the "
            "config are used.",
            status,
        )
    else:
        error = classify(exc, _key_hint(provider), model or provider.model, provider.base_url)
    # Retry hints in the chat's words do not fit here; the key must never show.
    message = error.message.replace("Press Ctrl+R to try again.", "Try again.")
    message = message.replace("then press Ctrl+R", "then try again")
    return redact(
        ProviderError(error.kind, error.title, message, error.status, error.retry_after),
        [api_key],
    )


def _key_hint(provider: ProviderConfig) -> str:
    if provider.api_key:
        return "the api_key in the config"
    sources = [f"${provider.api_key_env}"] if provider.api_key_env else []
    if provider.api_key_cmd:
        sources.append("the key api_key_cmd prints")
    return " or ".join(sources) or "whether this server needs a key"


def _say(error: ProviderError) -> str:
    return join_sentences(error.title, error.message)


# -- the cache -----------------------------------------------------------------------------


class ModelsCache:
    """Fetched model lists in one JSON file, keyed by provider name and base URL (a new
    base URL means a different server, so its old list no longer applies)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, provider: ProviderConfig) -> ModelList | None:
        for entry in self._entries():
            if entry.provider == provider.name and entry.base_url == provider.base_url:
                return entry
        return None

    def put(self, models: ModelList) -> None:
        entries = [
            e
            for e in self._entries()
            if (e.provider, e.base_url) != (models.provider, models.base_url)
        ]
        entries.append(models)
        data = {
            "version": CACHE_VERSION,
            "lists": [
                {
                    "provider": e.provider,
                    "base_url": e.base_url,
                    "models": list(e.ids),
                    "fetched_at": e.fetched_at,
                }
                for e in entries
            ],
        }
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

    def _entries(self) -> list[ModelList]:
        """What the file holds; nothing when it is missing or damaged (it is only a cache)."""
        try:
            data = read_json(self.path)
        except UnreadableFile:
            return []
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return []
        entries = []
        lists = data.get("lists")
        for item in lists if isinstance(lists, list) else ():
            try:
                ids = tuple(one_line(m, 200) for m in item["models"] if isinstance(m, str))
                entries.append(
                    ModelList(
                        str(item["provider"]),
                        str(item["base_url"]),
                        ids,
                        float(item["fetched_at"]),
                    )
                )
            except SHAPE_ERRORS:
                continue
        return entries


def cached_models(cache_file: Path, provider: ProviderConfig) -> ModelList | None:
    """The list fetched earlier for this provider and base URL, if any."""
    return ModelsCache(cache_file).get(provider)


async def refresh_models(
    provider: ProviderConfig, api_key: str, cache_file: Path, timeout: float | None = None
) -> ModelList:
    """Fetch the list and keep it in the cache. Raises ModelsError like fetch_models."""
    models = await fetch_models(provider, api_key, timeout)
    ModelsCache(cache_file).put(models)
    return models


def models_for(provider: ProviderConfig, cached: ModelList | None = None) -> tuple[str, ...]:
    """The models to offer: those named in the config first (they are the user's choice,
    and the only ones where a provider does not list), then the default model, then the
    rest of the fetched list."""
    names: dict[str, None] = dict.fromkeys(provider.models)
    if provider.default_model:
        names.setdefault(provider.default_model)
    if cached is not None:
        for model in cached.ids:
            names.setdefault(model)
    return tuple(names) or (provider.model,)
