"""The models `/model` knows for a provider: those in the config, then the provider's
`GET /models` list (fetched this run, or the one cached in the data dir by F3 or an
earlier run).

Without this, a model the provider lists was "unknown" to `/model NAME`, and missing from
its completion, until F3 had been opened. The list is fetched when first needed, at most
once a run for each provider and base URL, in a worker: finding the key may run
`api_key_cmd`, which must not hold up the screen. F3 still fetches a fresh list each time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tui_chat.core.sanitize import one_line
from tui_chat.providers.models import (
    ModelList,
    ModelsCache,
    ModelsError,
    cached_models,
    fetch_models,
    models_for,
)

if TYPE_CHECKING:
    from pathlib import Path

    from textual.dom import DOMNode
    from textual.widget import Widget

    from tui_chat.config.provider import ProviderConfig
    from tui_chat.providers import ProviderRegistry


def _key(provider: ProviderConfig) -> tuple[str, str]:
    return provider.name, provider.base_url


class ModelLists:
    """The known models of each provider, and their fetches (workers of `owner`).
    `on_listed(provider)` is called when a fetched list adds to what is known."""

    def __init__(
        self,
        owner: DOMNode,
        registry: ProviderRegistry,
        cache_file: Path,
        on_listed: Callable[[ProviderConfig], None],
    ) -> None:
        self.owner = owner
        self.registry = registry
        self.cache_file = cache_file
        self.on_listed = on_listed
        self._fetched: dict[tuple[str, str], ModelList] = {}
        self._fetches: dict[tuple[str, str], Worker[str | None]] = {}

    def listed(self, provider: ProviderConfig) -> ModelList | None:
        """The provider's own list, the newer of the one fetched here and the cached one
        (F3 caches a fresh list each time); None when there is neither."""
        lists = [self._fetched.get(_key(provider)), cached_models(self.cache_file, provider)]
        found = [listed for listed in lists if listed is not None]
        return max(found, key=lambda listed: listed.fetched_at) if found else None

    def known(self, provider: ProviderConfig) -> tuple[str, ...]:
        """The config's models first, then the rest of the provider's list."""
        return models_for(provider, self.listed(provider))

    def fetch(self, provider: ProviderConfig) -> Worker[str | None] | None:
        """Start fetching the provider's list unless it is known or was fetched (or tried)
        this run. Returns the fetch under way or done, None when none is needed."""
        key = _key(provider)
        worker = self._fetches.get(key)
        if worker is None and self.listed(provider) is None:
            worker = self.owner.run_worker(
                self._fetch(provider), name="fetch models", exit_on_error=False
            )
            self._fetches[key] = worker
        return worker

    async def problem(self, provider: ProviderConfig) -> str | None:
        """Fetch the list if it is needed, and wait for it. Why the provider's list is not
        known, in words; None when it is (or the provider has none: the config's is all)."""
        worker = self.fetch(provider)
        if worker is None:
            return None
        try:
            return await worker.wait()
        except (WorkerFailed, WorkerCancelled) as error:
            return f"the fetch failed ({one_line(str(error), 100)})"

    async def _fetch(self, provider: ProviderConfig) -> str | None:
        lookup = await asyncio.to_thread(self.registry.lookup_key, provider)
        if lookup.key is None:
            return f"no API key ({lookup.problem})"
        try:
            listed = await fetch_models(provider, lookup.key)
        except ModelsError as error:
            return None if error.not_listed else one_line(str(error), 160)
        self._fetched[_key(provider)] = listed
        with contextlib.suppress(OSError):  # only a cache: this run has the list anyway
            await asyncio.to_thread(ModelsCache(self.cache_file).put, listed)
        self.on_listed(provider)
        return None


async def say_if_unknown(
    said_by: Widget, models: ModelLists, provider: ProviderConfig, name: str
) -> None:
    """Warn when `name` is not among the provider's known models: those in the config
    and those it lists (fetched now if no list is known yet)."""
    problem = await models.problem(provider)
    known = models.known(provider)
    if known and name not in known:
        shown = ", ".join(known[:6]) + (" …" if len(known) > 6 else "")
        unlisted = (
            f" (The provider's list could not be fetched: {problem.rstrip('.')}.)"
            if problem
            else ""
        )
        said_by.notify(
            f"{name} is not among the models known for this provider ({shown}). "
            f"It is used anyway; F3 lists them.{unlisted}",
            title="Model",
            severity="warning",
            timeout=10,
        )
