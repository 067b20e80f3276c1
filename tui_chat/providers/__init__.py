"""Streaming providers: SDK chunks -> typed events, plus the offline demo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from tui_chat.config import DEMO_PROVIDER, Config
from tui_chat.providers.demo import DEMO_MODEL, DemoProvider
from tui_chat.providers.dialects import DIALECTS, Dialect, dialect_for
from tui_chat.providers.events import ChatRequest, StreamEvent, describe_finish_reason
from tui_chat.providers.openai_compat import (
    DEFAULT_RETRY,
    NO_RETRY,
    OpenAICompatibleProvider,
    RetryPolicy,
)


class ChatProvider(Protocol):
    """Anything that streams a chat completion as events."""

    name: str
    label: str
    is_demo: bool

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Resolved:
    """The provider to use for a name, the model to default to, and why, if it is a stand-in."""

    provider: ChatProvider
    model: str
    notice: str | None = None


class ProviderRegistry:
    """Builds providers from the config on first use and keeps them (and their HTTP clients)."""

    def __init__(
        self,
        config: Config,
        environ: Mapping[str, str] | None = None,
        demo_delay: float = 0.02,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.config = config
        self._environ = environ
        self.retry = retry
        self._demo = DemoProvider(delay=demo_delay)
        self._providers: dict[str, OpenAICompatibleProvider] = {}

    def resolve(self, name: str | None = None) -> Resolved:
        """The provider called `name` (the default provider when None). Falls back to the
        offline demo, with a notice saying why, when it is unknown or has no key."""
        name = name or self.config.default_provider
        if name == DEMO_PROVIDER:
            return Resolved(self._demo, DEMO_MODEL)
        provider_config = self.config.provider(name)
        if provider_config is None:
            return Resolved(
                self._demo,
                DEMO_MODEL,
                f"Provider '{name}' is not in {self.config.path}; using the offline demo.",
            )
        # May run api_key_cmd (once per process while it succeeds).
        lookup = provider_config.lookup_key(self._environ)
        key = lookup.key
        if key is None:
            if provider_config.api_key_cmd:
                fix = f"fix api_key_cmd in {self.config.path}"
            elif provider_config.api_key_env:
                fix = f"export {provider_config.api_key_env}=… and restart"
            else:
                fix = f"set a key in {self.config.path}"
            return Resolved(
                self._demo,
                DEMO_MODEL,
                f"{lookup.problem or provider_config.missing_key_reason()}: showing the "
                f"offline demo. To chat with {provider_config.display_name}, {fix}.",
            )
        provider = self._providers.get(name)
        if provider is None:
            provider = OpenAICompatibleProvider(provider_config, key, retry=self.retry)
            self._providers[name] = provider
        return Resolved(provider, provider_config.model)

    def dialect_of(self, name: str | None = None) -> Dialect:
        """The dialect of the provider called `name` (the default provider when None);
        the generic one for the demo or an unknown name. For checks before sending, e.g.
        `registry.dialect_of(session.provider).json_prompt_problem(messages)`."""
        provider_config = self.config.provider(name or self.config.default_provider)
        return dialect_for(provider_config.dialect if provider_config else None)

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()


__all__ = [
    "DEFAULT_RETRY",
    "DIALECTS",
    "NO_RETRY",
    "ChatProvider",
    "ChatRequest",
    "DemoProvider",
    "Dialect",
    "ProviderRegistry",
    "Resolved",
    "RetryPolicy",
    "StreamEvent",
    "describe_finish_reason",
    "dialect_for",
]
