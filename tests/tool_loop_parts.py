"""The parts the reply-loop tests build a ReplyManager from, without the app.

The boundary faked here is our own: `ChatProvider` (a provider that yields our stream
events from a script and records every ChatRequest) and `Tool` / `ToolSource` (tools that
return canned outcomes, each able to wait on an event the test sets). The SDK is not
involved: the provider stream is tested against tests/sse_server.py elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

from tui_chat.config.model import Config
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers import ProviderRegistry, Resolved
from tui_chat.providers.dialects import Dialect
from tui_chat.providers.events import (
    ChatRequest,
    Failed,
    Finished,
    ProviderError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
    UsageReport,
)
from tui_chat.services.changes import SessionChange, SessionChanges
from tui_chat.services.live_reply import LiveReply
from tui_chat.services.replies import ReplyManager
from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest
from tui_chat.tools.base import OfferedTools, Tool, ToolDefaults, ToolOutcome, ToolSpec


class ScriptedProvider:
    """Streams one scripted round per request; records each request. An asyncio.Event in
    a script holds the stream there until the test sets it."""

    name = "fake"
    label = "Fake"
    is_demo = False

    def __init__(self) -> None:
        self.rounds: list[list[StreamEvent | asyncio.Event]] = []
        self.requests: list[ChatRequest] = []
        self.waiting = asyncio.Event()
        """Set when the stream waits on a script's event."""

    def script(self, *rounds: list[StreamEvent | asyncio.Event]) -> None:
        self.rounds.extend(rounds)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        for event in self.rounds.pop(0):
            if isinstance(event, asyncio.Event):
                self.waiting.set()
                await event.wait()
            else:
                yield event

    async def aclose(self) -> None:
        pass


def calls_round(*calls: tuple[str, str, str], text: str = "", reasoning: str = "") -> list[Any]:
    """A round that ends in the calls (id, name, arguments)."""
    events: list[Any] = []
    if reasoning:
        events.append(ReasoningDelta(reasoning))
    if text:
        events.append(TextDelta(text))
    events.extend(ToolCallStreaming(i, name) for i, (_, name, _) in enumerate(calls))
    events.append(ToolCallsRequested(tuple(ToolCall(i, n, a) for i, n, a in calls)))
    events.append(UsageReport(Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15)))
    events.append(Finished("tool_calls"))
    return events


def answer_round(text: str) -> list[Any]:
    return [
        TextDelta(text),
        UsageReport(Usage(prompt_tokens=20, completion_tokens=3, total_tokens=23)),
        Finished("stop"),
    ]


def refusal_round(kind: str = "tools_unsupported") -> list[Any]:
    error = ProviderError(kind, "Bad request", "This model does not support tools.", 400)
    return [Failed(error)]


class FakeTool(ToolDefaults):
    """A tool with a canned outcome; `gate` holds its run until the test sets it."""

    def __init__(
        self,
        name: str,
        result: str = "done",
        *,
        safe: bool = False,
        ok: bool = True,
        gate: asyncio.Event | None = None,
        raises: Exception | None = None,
    ) -> None:
        self.spec = ToolSpec(name=name, label=name.replace("__", "."), description=name, safe=safe)
        self.result, self.ok, self.gate, self.raises = result, ok, gate, raises
        self.started = asyncio.Event()
        self.runs: list[dict[str, Any]] = []

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        self.runs.append(arguments)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.raises is not None:
            raise self.raises
        return ToolOutcome(self.result, self.ok)


class FakeSource:
    """The tools every selection gets (the registry's selection rules are tested there)."""

    def __init__(self, *tools: Tool, rounds: int = 8, problems: tuple[str, ...] = ()) -> None:
        self.tools = {t.spec.name: t for t in tools}
        self.rounds = rounds
        self.problems = problems
        self.selections: list[tuple[str, ...]] = []

    async def offered(self, selection: tuple[str, ...]) -> OfferedTools:
        self.selections.append(selection)
        return OfferedTools(dict(self.tools), self.problems)

    def max_rounds(self) -> int:
        return self.rounds


class Approver:
    """Answers approval requests from a queue, in order; records what was asked."""

    def __init__(self, *answers: ApprovalAnswer) -> None:
        self.answers: asyncio.Queue[ApprovalAnswer] = asyncio.Queue()
        for answer in answers:
            self.answers.put_nowait(answer)
        self.asked: list[ApprovalRequest] = []
        self.waiting = asyncio.Event()

    def will(self, *answers: ApprovalAnswer) -> None:
        """Queue more answers, given in order."""
        for answer in answers:
            self.answers.put_nowait(answer)

    async def __call__(self, request: ApprovalRequest) -> ApprovalAnswer:
        self.asked.append(request)
        self.waiting.set()
        return await self.answers.get()


class TaskWorker:
    def __init__(self, task: asyncio.Task[None]) -> None:
        self.task = task

    def cancel(self) -> None:
        self.task.cancel()


class ScriptedRegistry(ProviderRegistry):
    """The real registry (config, dialects) whose provider is the scripted one."""

    def __init__(self, config: Config, provider: ScriptedProvider, field: str | None) -> None:
        super().__init__(config, environ={})
        self.scripted = provider
        self.reasoning_field = field

    def resolve(self, name: str | None = None) -> Resolved:
        return Resolved(self.scripted, "m")

    def dialect_of(self, name: str | None = None) -> Dialect:
        dialect = super().dialect_of(name)
        return dataclasses.replace(dialect, tool_reasoning_field=self.reasoning_field)


@dataclasses.dataclass
class Harness:
    manager: ReplyManager
    provider: ScriptedProvider
    store: SessionStore
    notices: list[str]
    changes: list[SessionChange]
    session: Session

    def ask(self, question: str = "What time is it?") -> LiveReply:
        self.session.add(Message(role="user", content=question))
        return self.manager.start(self.session)

    def continue_reply(self) -> LiveReply:
        return self.manager.start(self.session, continue_reply=self.session.messages[-1])

    async def finish(self, live: LiveReply) -> None:
        assert isinstance(live.worker, TaskWorker)
        with contextlib.suppress(asyncio.CancelledError):
            await live.worker.task

    def saved(self) -> Session:
        return self.store.load(self.session.id)


def harness(
    tmp_path: Path,
    source: FakeSource | None,
    approver: Approver | None = None,
    *,
    allow: tuple[str, ...] = (),
    reasoning_field: str | None = None,
) -> Harness:
    config = Config(
        path=tmp_path / "config.toml",
        default_provider="fake",
        providers={"fake": ProviderConfig(name="fake", base_url="http://127.0.0.1:9/v1")},
    )
    provider = ScriptedProvider()
    registry = ScriptedRegistry(config, provider, reasoning_field)
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    changes: list[SessionChange] = []
    notices: list[str] = []

    def run_in_worker(coroutine: Coroutine[Any, Any, None], name: str) -> TaskWorker:
        return TaskWorker(asyncio.get_running_loop().create_task(coroutine, name=name))

    def notify(message: str, **_: Any) -> None:
        notices.append(message)

    manager = ReplyManager(
        store,
        registry,
        SessionChanges(store, changes.append),
        run_in_worker=run_in_worker,
        notify=notify,
        on_started=lambda *_: None,
        on_ended=lambda *_: None,
        tools=source,
        ask_approval=approver,
        always_allowed=lambda: allow,
    )
    session = Session(provider="fake", model="m")
    return Harness(manager, provider, store, notices, changes, session)
