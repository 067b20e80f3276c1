"""Streaming providers: SDK chunks -> typed events, plus the offline demo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from tui_chat.config import DEMO_PROVIDER, Config, KeyLookup, ProviderConfig
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


@dataclass(frozen=True)
class ProviderView:
    """What the UI shows about a provider, found without running any key command: a key
    command that has not run yet counts as "will give a key"."""

    name: str
    """The provider's name ("demo" for the demo and for a provider not in the config)."""
    label: str
    model: str
    """The model new sessions on it use."""
    is_demo: bool
    """The offline demo answers instead (no such provider, or no key)."""
    notice: str | None = None
    """Why the demo stands in, when it does."""


class ProviderRegistry:
    """Builds providers from the config on first use and keeps them (and their HTTP clients).

    `resolve` may run an `api_key_cmd` (up to 30 s). The app calls `prepare_key` in a thread
    first (`key_pending` says whether that is needed), so the event loop never waits on it;
    `describe` never runs one.
    """

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
        self._retired: list[OpenAICompatibleProvider] = []
        """Providers of an older config, closed once no reply uses them."""
        self._prepared: dict[str, KeyLookup] = {}
        """Key lookups made by `prepare_key`, used once by the next `resolve`."""

    def _provider_config(self, name: str | None) -> ProviderConfig | None:
        return self.config.provider(name or self.config.default_provider)

    def key_pending(self, name: str | None = None) -> bool:
        """True when resolving `name` would run a key command that has not run yet."""
        provider_config = self._provider_config(name)
        if provider_config is None:
            return False
        return not self.peek_key(provider_config).checked

    def prepare_key(self, name: str | None = None) -> KeyLookup | None:
        """Look the key of `name` up, running its api_key_cmd if need be. Blocking: call it
        in a thread (`asyncio.to_thread`). The next `resolve(name)` uses the result rather
        than running a failed command again on the event loop."""
        provider_config = self._provider_config(name)
        if provider_config is None:
            return None
        lookup = self.lookup_key(provider_config)
        self._prepared[provider_config.name] = lookup
        return lookup

    def lookup_key(self, provider_config: ProviderConfig) -> KeyLookup:
        """The key of any provider config (e.g. one being edited), with this registry's
        environment. Blocking (may run api_key_cmd): call it in a thread."""
        return provider_config.lookup_key(self._environ, hidden_env=self.config.key_variables())

    def peek_key(self, provider_config: ProviderConfig) -> KeyLookup:
        """Like `lookup_key` but never runs a command (`checked` False when it would)."""
        return provider_config.lookup_key(self._environ, run_command=False)

    def describe(self, name: str | None = None) -> ProviderView:
        """Label, model and whether the demo stands in for `name` (the default provider
        when None), without running a key command."""
        name = name or self.config.default_provider
        if name == DEMO_PROVIDER:
            return ProviderView(DEMO_PROVIDER, "Offline demo", DEMO_MODEL, True)
        provider_config = self.config.provider(name)
        if provider_config is None:
            return ProviderView(
                DEMO_PROVIDER,
                "Offline demo",
                DEMO_MODEL,
                True,
                f"Provider '{name}' is not in {self.config.path}; using the offline demo.",
            )
        lookup = self.peek_key(provider_config)
        missing = not lookup.found and lookup.checked
        return ProviderView(
            name,
            provider_config.display_name,
            provider_config.model,
            missing,
            self._missing_key_notice(provider_config, lookup) if missing else None,
        )

    def _missing_key_notice(self, provider_config: ProviderConfig, lookup: KeyLookup) -> str:
        if provider_config.api_key_cmd:
            fix = f"fix api_key_cmd in {self.config.path}"
        elif provider_config.api_key_env:
            fix = f"export {provider_config.api_key_env}=… and restart"
        else:
            fix = f"set a key in {self.config.path}"
        return (
            f"{lookup.problem or provider_config.missing_key_reason()}: showing the "
            f"offline demo. To chat with {provider_config.display_name}, {fix}."
        )

    def reconfigure(self, config: Config) -> None:
        """Use `config` from now on (reloaded or saved). Providers whose settings changed
        or that are gone are retired: `close_retired` closes their HTTP clients once no
        reply streams through them."""
        self.config = config
        self._prepared.clear()
        for name, provider in list(self._providers.items()):
            if config.provider(name) != provider.config:
                self._retired.append(self._providers.pop(name))

    async def close_retired(self, busy: Collection[object] = ()) -> None:
        """Close the retired providers that are not in `busy` (those still streaming)."""
        keep: list[OpenAICompatibleProvider] = []
        for provider in self._retired:
            if any(provider is b for b in busy):
                keep.append(provider)
            else:
                await provider.aclose()
        self._retired = keep

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
        # May run api_key_cmd (once per process while it succeeds) unless prepare_key did.
        lookup = self._prepared.pop(name, None) or self.lookup_key(provider_config)
        key = lookup.key
        if key is None:
            return Resolved(
                self._demo, DEMO_MODEL, self._missing_key_notice(provider_config, lookup)
            )
        provider = self._providers.get(name)
        if provider is None:
            provider = OpenAICompatibleProvider(
                provider_config, key, retry=self.retry, key_source=lookup.source
            )
            self._providers[name] = provider
        return Resolved(provider, provider_config.model)

    def dialect_of(self, name: str | None = None) -> Dialect:
        """The dialect of the provider called `name` (the default provider when None);
        the generic one for the demo or an unknown name. For checks before sending, e.g.
        `registry.dialect_of(session.provider).json_prompt_problem(messages)`."""
        provider_config = self.config.provider(name or self.config.default_provider)
        return dialect_for(provider_config.dialect if provider_config else None)

    async def aclose(self) -> None:
        for provider in [*self._providers.values(), *self._retired]:
            await provider.aclose()
        self._providers.clear()
        self._retired.clear()


__all__ = [
    "DEFAULT_RETRY",
    "DIALECTS",
    "NO_RETRY",
    "ChatProvider",
    "ChatRequest",
    "DemoProvider",
    "Dialect",
    "ProviderRegistry",
    "ProviderView",
    "Resolved",
    "RetryPolicy",
    "StreamEvent",
    "describe_finish_reason",
    "dialect_for",
]
