"""Replies in flight: one async worker per streaming session, owned by the app.

A reply keeps streaming when the user switches sessions, so the worker and the session it
writes live here, not in a screen. The worker appends what arrives to a `LiveReply`; the
screen pulls new text from it on a frame timer, so no message is posted per token.

No Textual here: the app hands in how to run a coroutine as a worker, how to show a line,
and what to call when a reply starts and ends (it posts `ReplyStarted` and `ReplyEnded`,
tui_chat/ui/messages.py). The save at the end of a reply goes through `SessionChanges`, so
the end of each reply is announced once; the checkpoints while it streams are its own.
What a turn streams, and the tools it runs between rounds, is services/tool_loop.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from tui_chat.config.keys import redact_secrets
from tui_chat.config.provider import DEMO_PROVIDER
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tokens import estimate_tokens
from tui_chat.providers import ChatProvider, ProviderRegistry, ProviderUnavailable
from tui_chat.services.changes import SessionChanges
from tui_chat.services.live_reply import LiveReply, ReplyWorker
from tui_chat.tools.base import ToolSource

if TYPE_CHECKING:
    # Loaded when first used, after the first screen: the context planner (`context`,
    # for the status line's fill and each request), and the turn loop with the tool
    # approval it brings (the first reply, `_run`, or the warm-up, tui_chat.ui.warmup).
    from tui_chat.core.context.prep import ContextPreparer, Severity
    from tui_chat.services.tool_loop import AskApproval


RunInWorker = Callable[[Coroutine[Any, Any, None], str], ReplyWorker]
"""Start a coroutine as a worker named by the string, never closing the app on an error
(the app's `run_worker(..., exit_on_error=False)`)."""


class HasWorker(Protocol):
    """Something running in a worker (a streaming reply, an `/image` turn)."""

    @property
    def worker(self) -> ReplyWorker | None: ...


async def cancel_and_wait(live: Mapping[str, HasWorker], timeout: float) -> None:
    """Cancel the worker of everything in `live` and wait (at most `timeout` seconds)
    until each has left it: on the way out each saves what it has."""
    for entry in list(live.values()):
        if entry.worker is not None:
            entry.worker.cancel()
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


class Notify(Protocol):
    """Show a short line to the user (the app's `notify`)."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        markup: bool = True,
    ) -> None: ...


ReplyStartedCallback = Callable[[str, str | None], None]
"""A reply started in the session with this id (a notice to show, or None)."""
ReplyEndedCallback = Callable[[str, str], None]
"""A reply ended: the session's id and the reply's message id (its save is announced
through SessionChanges, which updates the sidebar row)."""


class ReplyManager:
    """Starts, tracks and stops the streaming replies of all sessions."""

    def __init__(
        self,
        store: SessionStore,
        registry: ProviderRegistry,
        changes: SessionChanges,
        *,
        run_in_worker: RunInWorker,
        notify: Notify,
        on_started: ReplyStartedCallback,
        on_ended: ReplyEndedCallback,
        tools: ToolSource | None = None,
        ask_approval: AskApproval | None = None,
        always_allowed: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.changes = changes
        self._run_in_worker = run_in_worker
        self._notify = notify
        self._on_started = on_started
        self._on_ended = on_ended
        self.live: dict[str, LiveReply] = {}
        self.tools = tools
        """Where a turn's tools come from; None: requests offer none (services/tool_loop.py)."""
        self.ask_approval = ask_approval
        """Shows the approval modal for a call the policy does not let run unasked."""
        self.always_allowed = always_allowed
        """The labels of `[tools] allow` (read per call: the config may be reloaded)."""
        self._context: ContextPreparer | None = None
        self._preparing: set[str] = set()
        """Sessions whose reply waits for an api_key_cmd (see `fetch_key`)."""

    @property
    def context(self) -> ContextPreparer:
        """Plans what each request sends (context strategies, summaries, recall)."""
        if self._context is None:
            from tui_chat.core.context.prep import ContextPreparer

            self._context = ContextPreparer(
                self.registry, self.store.sessions_dir.parent / "embeddings"
            )
        return self._context

    def is_streaming(self, session_id: str) -> bool:
        """A reply is streaming in this session, or about to (its key is being fetched)."""
        return session_id in self.live or session_id in self._preparing

    def problem_before_sending(self, session: Session, text: str) -> str | None:
        """Why the session's provider would refuse `text` as the next message with the
        session's settings (JSON mode without the word "json"); None when it is fine."""
        messages = self.context.plan(session, pending=text).messages
        dialect = self.registry.dialect_of(session.provider)
        return dialect.problem_before_sending(session.settings, messages)

    def busy_providers(self) -> list[ChatProvider]:
        """The providers that replies are streaming through right now."""
        return [live.provider for live in self.live.values() if live.provider is not None]

    def provider_for(self, session: Session) -> str:
        """The provider the next reply of `session` goes to: its own; for a demo session,
        the default provider once that one can be used (the session moves over to it),
        else the demo."""
        if not session.demo:
            return session.provider
        default = self.registry.describe(None)
        if default.is_demo or default.problem is not None:
            return DEMO_PROVIDER
        return default.name

    def send_problem(self, session: Session) -> str | None:
        """Why no reply can be asked for in `session` now (its provider is gone or has no
        key), with the fix; None when one can (perhaps after `fetch_key`). Runs no key
        command. The offline demo never stands in for a provider."""
        name = self.provider_for(session)
        if name != DEMO_PROVIDER:
            return self.registry.describe(name).problem
        if not session.demo:
            return "The offline demo answers only in the sessions made with it."
        if self.registry.has_any_key():
            default = self.registry.describe(None)
            return (
                "This session was made with the offline demo; move it to a provider that has "
                f"a key. {default.problem or ''}"
            ).strip()
        return None

    def key_pending(self, session: Session) -> bool:
        """The next reply of `session` needs an api_key_cmd to run first (`fetch_key`)."""
        name = self.provider_for(session)
        return name != DEMO_PROVIDER and self.registry.key_pending(name)

    async def fetch_key(self, session: Session, provider: str | None = None) -> str | None:
        """Run the api_key_cmd of `provider` (that of the next reply of `session` when
        None) in a thread: a password manager may take seconds, and the UI never waits on
        it. Returns the problem, with the fix, when no key came. Cancelling the caller
        stops the wait (the command runs on to its timeout; a key it prints is kept)."""
        registry = self.registry
        name = provider or self.provider_for(session)
        self._preparing.add(session.id)
        try:
            lookup = await asyncio.to_thread(registry.prepare_key, name)
        finally:
            self._preparing.discard(session.id)
        provider_config = registry.config.provider(name)
        if provider_config is None:  # the config changed meanwhile
            return registry.describe(name).problem
        if lookup is None or not lookup.found:
            lookup = lookup or registry.peek_key(provider_config)
            return registry.key_problem(provider_config, lookup)
        return None

    def start(self, session: Session, continue_reply: Message | None = None) -> LiveReply:
        """Add an empty reply to `session` and stream it in a worker; or, given
        `continue_reply` (the last message of the current path), stream the rest of it.
        Raises ProviderUnavailable (nothing changed) when its provider cannot be used,
        OSError (nothing sent) when the session cannot be saved first."""
        name = self.provider_for(session)
        if name == DEMO_PROVIDER and not session.demo:
            raise ProviderUnavailable(name, "The offline demo answers only in demo sessions.")
        resolved = self.registry.resolve(name)
        canned = continue_reply is not None and continue_reply.provider == DEMO_PROVIDER
        if canned and not resolved.provider.is_demo:
            raise ProviderUnavailable(
                name, "A canned demo reply cannot be continued: send the question again."
            )
        notice = None
        if session.demo and not resolved.provider.is_demo:
            # The demo session of a newcomer who has since set a key: it moves over.
            session.provider, session.model = name, resolved.model
            session.demo = False
            notice = (
                f"This session now uses {resolved.provider.label} · {resolved.model} (it was "
                "made with the offline demo; its canned replies are not sent)."
            )
        # The user's words reach the disk before the request goes out. Saved here, not
        # through SessionChanges: a failure must raise (OSError) so that nothing is sent
        # and the caller takes the message back; the reply's end is announced instead.
        self.store.save(session)
        if continue_reply is not None:
            reply = continue_reply
            live = LiveReply(session, reply, resolved.provider.label, resolved.provider.is_demo)
            live.continuing = True
            live.text_parts.append(reply.content)
            if reply.reasoning:
                live.reasoning_parts.append(reply.reasoning)
            # The figures count the whole reply, not just the part that is still to come.
            live.base_usage = reply.usage or estimated_usage(reply)
            live.base_duration = reply.duration_seconds or 0.0
            live.estimated_tokens = estimated_tokens(reply)
            reply.status, reply.error, reply.finish_reason = "streaming", None, None
        else:
            reply = Message(
                role="assistant",
                status="streaming",
                model=session.model,
                provider=session.provider,
                json_mode=session.settings.json_mode,
            )
            session.add(reply)
            live = LiveReply(session, reply, resolved.provider.label, resolved.provider.is_demo)
        live.provider = resolved.provider
        self.live[session.id] = live
        live.worker = self._run_in_worker(self._run(live, resolved.provider), f"reply {session.id}")
        self._on_started(session.id, notice)
        return live

    def stop(self, session_id: str) -> bool:
        live = self.live.get(session_id)
        if live is None or live.worker is None:
            return False
        live.worker.cancel()
        return True

    async def stop_all(self, timeout: float = 2.0) -> None:
        """Stop every reply and wait until each has saved what arrived."""
        await cancel_and_wait(self.live, timeout)

    async def _run(self, live: LiveReply, provider: ChatProvider) -> None:
        from tui_chat.services.tool_loop import TurnLoop, stop_unfinished

        session, reply = live.session, live.message
        try:
            live.plan = await self.context.prepare(
                session, provider, lambda text, severity: self._notify(text, severity=severity)
            )
            live.sent_at = time.monotonic()
            await TurnLoop(
                live,
                provider,
                self.registry,
                self.store,
                self.changes,
                self._notify,
                tools=self.tools,
                ask_approval=self.ask_approval,
                always_allowed=self.always_allowed,
            ).run()
        except asyncio.CancelledError:
            stop_unfinished(live)
            reply.status = "stopped"
            self._end(live)
            # Now, on this thread: the app may be quitting. A failed save is kept by the
            # store, retried and shown by the app (SaveGuard).
            self.changes.commit_now(session, "reply stopped")
            raise
        except Exception as exc:  # a bug or an I/O failure: say so, keep what arrived
            stop_unfinished(live)
            reply.status = "error"
            said = redact_secrets(str(exc))
            reply.error = f"{live.provider_label}: unexpected {type(exc).__name__}: {said}"
        self._end(live)
        # A failed save is kept by the store, retried and shown by the app (SaveGuard).
        await self.changes.commit(session, "reply")
        # A config reload may have retired the provider this reply streamed through.
        await self.registry.close_retired(self.busy_providers())

    def _end(self, live: LiveReply) -> None:
        live.sync()
        live.session.touch()
        self.live.pop(live.session.id, None)
        self._on_ended(live.session.id, live.message.id)


def estimated_tokens(reply: Message) -> int:
    return estimate_tokens(reply.content) + estimate_tokens(reply.reasoning)


def estimated_usage(reply: Message) -> Usage | None:
    """For a reply the provider reported no usage for (stopped by the user): its tokens,
    estimated, so a continued reply's figures count the part before the continuation."""
    tokens = estimated_tokens(reply)
    return Usage(completion_tokens=tokens, total_tokens=tokens) if tokens else None
