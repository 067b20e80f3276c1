"""Streaming providers: SDK chunks -> typed events, plus the offline demo.

The demo and the OpenAI-compatible provider (with the stream parsing they bring) are
imported when a provider is first resolved, the events and dialects when first used, not
with this package: the first screen only describes providers. Their names are still
importable from here (`__getattr__`)."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tui_chat.config.model import Config
from tui_chat.config.provider import DEMO_MODEL, DEMO_PROVIDER, KeyLookup, ProviderConfig

if TYPE_CHECKING:
    from tui_chat.providers.demo import DemoProvider
    from tui_chat.providers.dialects import DIALECTS, Dialect, dialect_for
    from tui_chat.providers.events import ChatRequest, StreamEvent
    from tui_chat.providers.finish_reasons import describe_finish_reason
    from tui_chat.providers.openai_compat import (
        DEFAULT_RETRY,
        NO_RETRY,
        OpenAICompatibleProvider,
        RetryPolicy,
    )

_LAZY = {
    "DIALECTS": "tui_chat.providers.dialects",
    "Dialect": "tui_chat.providers.dialects",
    "dialect_for": "tui_chat.providers.dialects",
    "ChatRequest": "tui_chat.providers.events",
    "StreamEvent": "tui_chat.providers.events",
    "describe_finish_reason": "tui_chat.providers.finish_reasons",
    "DemoProvider": "tui_chat.providers.demo",
    "DEFAULT_RETRY": "tui_chat.providers.openai_compat",
    "NO_RETRY": "tui_chat.providers.openai_compat",
    "OpenAICompatibleProvider": "tui_chat.providers.openai_compat",
    "RetryPolicy": "tui_chat.providers.openai_compat",
}
"""Names re-exported from modules imported on first use."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


class ChatProvider(Protocol):
    """Anything that streams a chat completion as events."""

    name: str
    label: str
    is_demo: bool

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Resolved:
    """The provider to use for a name and the model to default to."""

    provider: ChatProvider
    model: str


class ProviderUnavailable(Exception):
    """There is nothing to send to for a name: it is not in the config, or it has no usable
    key. `problem` is one line saying which provider, what is missing (the variable, the
    command and how it failed) and how to fix it; it never holds a key. The offline demo
    never stands in: a session keeps its provider and the user is told."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(problem)


class KeyNotFetched(ProviderUnavailable):
    """The provider's api_key_cmd has not run yet. `resolve` never runs it (it may take
    up to 30 s and would hold the event loop): `resolve_async` runs it in a thread."""


@dataclass(frozen=True)
class ProviderView:
    """What the UI shows about a provider, found without running any key command: a key
    command that has not run yet counts as "will give a key"."""

    name: str
    label: str
    model: str
    """The model new sessions on it use."""
    is_demo: bool
    """This is the offline demo itself (only demo sessions use it)."""
    problem: str | None = None
    """Why nothing can be sent to it (not in the config, no key), with the fix; None
    when it can be used (perhaps once its key command has run: `key_pending`)."""
    key_pending: bool = False
    """Its api_key_cmd has to run before the first request."""


class ProviderRegistry:
    """Builds providers from the config on first use and keeps them (and their HTTP clients).

    Running an `api_key_cmd` may take up to 30 s, so nothing here runs one on the event
    loop: `describe` and `resolve` never do, `prepare_key` does (call it in a thread;
    `key_pending` says whether that is needed) and `resolve_async` does it in a thread.
    """

    def __init__(
        self,
        config: Config,
        environ: Mapping[str, str] | None = None,
        demo_delay: float = 0.02,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.config = config
        self._environ = environ
        self.retry = retry
        """None: DEFAULT_RETRY (looked up with the provider class, on first resolve)."""
        self._demo_delay = demo_delay
        self._demo: DemoProvider | None = None
        self._providers: dict[str, OpenAICompatibleProvider] = {}
        self._retired: list[OpenAICompatibleProvider] = []
        """Providers of an older config, closed once no reply uses them."""
        self._prepared: dict[str, KeyLookup] = {}
        """Failed key lookups made by `prepare_key`, for the next `resolve` to say why.
        (A command that worked is remembered by tui_chat.config.keys; one that failed runs again
        next time, so unlocking a vault and sending again works.)"""

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
        if lookup.found:
            self._prepared.pop(provider_config.name, None)
        else:
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
        """Label, model and any problem of `name` (the default provider when None),
        without running a key command."""
        name = name or self.config.default_provider
        if name == DEMO_PROVIDER:
            return ProviderView(DEMO_PROVIDER, "Offline demo", DEMO_MODEL, True)
        provider_config = self.config.provider(name)
        if provider_config is None:
            return ProviderView(name, name, "", False, self._not_configured(name))
        lookup = self.peek_key(provider_config)
        problem = None
        if lookup.checked and not lookup.found:
            problem = self.key_problem(provider_config, lookup)
        return ProviderView(
            name,
            provider_config.display_name,
            provider_config.model,
            False,
            problem,
            key_pending=not lookup.checked,
        )

    def has_any_key(self) -> bool:
        """True when some provider that needs a key has one (or a key command that has not
        run yet): then the offline demo is not what a new user gets. Providers that need
        no key (a local server) do not count: nothing says they are running."""
        for provider_config in self.config.providers.values():
            if not provider_config.needs_key:
                continue
            lookup = self.peek_key(provider_config)
            if lookup.found or not lookup.checked:
                return True
        return False

    def _not_configured(self, name: str) -> str:
        return f"Provider '{name}' is not in {self.config.path} (removed or renamed?)."

    def key_problem(self, provider_config: ProviderConfig, lookup: KeyLookup) -> str:
        """One line: which provider has no key, why (the variable, the command and how it
        failed) and how to fix it."""
        fixes = []
        if provider_config.api_key_env:
            fixes.append(f"export {provider_config.api_key_env}=… and restart tui-chat")
        if provider_config.api_key_cmd:
            fixes.append(
                f"fix api_key_cmd in [providers.{provider_config.name}] of {self.config.path}"
            )
        if not fixes:
            fixes.append(f"set a key in [providers.{provider_config.name}] of {self.config.path}")
        reason = lookup.problem or provider_config.missing_key_reason()
        return (
            f"{provider_config.display_name} has no API key: {reason}. "
            f"To use it, {' or '.join(fixes)}."
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
        """The provider called `name` (the default provider when None), for a request.
        Never runs a key command. Raises ProviderUnavailable when it is not in the config
        or has no key (KeyNotFetched when its key command has not run yet)."""
        name = name or self.config.default_provider
        if name == DEMO_PROVIDER:
            if self._demo is None:
                from tui_chat.providers.demo import DemoProvider

                self._demo = DemoProvider(delay=self._demo_delay)
            return Resolved(self._demo, DEMO_MODEL)
        provider_config = self.config.provider(name)
        if provider_config is None:
            raise ProviderUnavailable(name, self._not_configured(name))
        lookup = self.peek_key(provider_config)
        if not lookup.checked:
            lookup = self._prepared.pop(name, lookup)
        if not lookup.checked:
            raise KeyNotFetched(
                name, f"The key for {provider_config.display_name} has not been fetched yet."
            )
        if lookup.key is None:
            raise ProviderUnavailable(name, self.key_problem(provider_config, lookup))
        provider = self._providers.get(name)
        if provider is None:
            from tui_chat.providers.openai_compat import DEFAULT_RETRY, OpenAICompatibleProvider

            provider = OpenAICompatibleProvider(
                provider_config,
                lookup.key,
                retry=self.retry if self.retry is not None else DEFAULT_RETRY,
                key_source=lookup.source,
            )
            self._providers[name] = provider
        return Resolved(provider, provider_config.model)

    async def resolve_async(self, name: str | None = None) -> Resolved:
        """`resolve`, after running the key command in a thread when it has to run."""
        if self.key_pending(name):
            await asyncio.to_thread(self.prepare_key, name)
        return self.resolve(name)

    def dialect_of(self, name: str | None = None) -> Dialect:
        """The dialect of the provider called `name` (the default provider when None);
        the generic one for the demo or an unknown name. For checks before sending, e.g.
        `registry.dialect_of(session.provider).json_prompt_problem(messages)`."""
        from tui_chat.providers.dialects import dialect_for

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
    "KeyNotFetched",
    "ProviderRegistry",
    "ProviderUnavailable",
    "ProviderView",
    "Resolved",
    "RetryPolicy",
    "StreamEvent",
    "describe_finish_reason",
    "dialect_for",
]
