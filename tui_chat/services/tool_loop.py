"""One turn of a reply: stream a round; while the model asks for tool calls, ask the user
where the policy says so, run the calls, send their results back; until it answers in text.

Why a loop of its own: a turn may take several requests, yet it stays one `Message`
(tui_chat/core/tool_turns.py). Each request that ends in calls becomes a `ToolRound` of
the reply (its text and reasoning move there), is saved at once, and the next request
carries the planned context plus this turn's rounds. Nothing runs unasked but what
`tools.approval.decide` allows; a tool's failure is a result for the model, never an
exception out of the loop. Cancelling the worker (Esc) stops it wherever it waits:
`stop_unfinished` then marks the calls that did not finish, so none is left unanswered.

No Textual here (the app hands in `ask_approval`, which shows the modal).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui_chat.config.tools_config import session_tools
from tui_chat.core.continuation import continuation_messages
from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.tool_turns import ToolCall, ToolRound, round_messages
from tui_chat.providers import ChatProvider, ProviderRegistry
from tui_chat.providers.events import (
    AnswerComplete,
    ChatRequest,
    Failed,
    Finished,
    Notice,
    ReasoningDelta,
    ReasoningWasText,
    Retrying,
    TextDelta,
    ToolCallsRequested,
    ToolCallStreaming,
    UsageReport,
)
from tui_chat.services.changes import SessionChanges
from tui_chat.services.session_settings import SessionSettingsService
from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest, decide
from tui_chat.tools.base import OfferedTools, Tool, ToolOutcome, ToolSource

if TYPE_CHECKING:
    from tui_chat.services.live_reply import LiveReply
    from tui_chat.services.replies import Notify

AskApproval = Callable[[ApprovalRequest], Awaitable[ApprovalAnswer]]
"""Show the approval modal for one call and return the user's answer (the app's adapter;
one request at a time). Cancelling the awaiting worker (Esc) dismisses the modal."""

CHECKPOINT_SECONDS = 2.0
"""While a reply streams, what has arrived is saved this often (a crash loses at most this)."""
YIELD_SECONDS = 0.004
"""A fast provider fills the socket faster than chunks are parsed, and reading a full
buffer never waits, so the stream would hold the event loop for as long as a buffer takes
to parse (100 ms and more): it lets keys and frames through this often instead."""

TOOLS_UNSUPPORTED = "tools_unsupported"
"""ProviderError.kind of a 400 that refuses the `tools` field."""


def capped_sentence(rounds: int) -> str:
    return (
        f"Stopped after {rounds} rounds of tool calls ([tools] max_rounds). "
        "Alt+G lets the model go on."
    )


def tools_off_sentence(model: str) -> str:
    return f"{model} does not take tools: turned off for this session (F2 turns them back on)"


async def stream_round(
    live: LiveReply,
    provider: ChatProvider,
    request: ChatRequest,
    store: SessionStore,
    notify: Notify,
) -> tuple[ToolCall, ...]:
    """Stream one request into `live`; return the tool calls it ended in (none: an answer).
    Text, reasoning, usage, the finish and errors land on the reply as they arrive, and
    what arrived is saved every CHECKPOINT_SECONDS."""
    session, reply = live.session, live.message
    calls: tuple[ToolCall, ...] = ()
    checkpoint = time.monotonic() + CHECKPOINT_SECONDS
    resume = time.monotonic() + YIELD_SECONDS
    async for event in provider.stream(request):
        if time.monotonic() >= resume:
            await asyncio.sleep(0)  # see YIELD_SECONDS
            resume = time.monotonic() + YIELD_SECONDS
        if isinstance(event, TextDelta):
            live.add_text(event.text)
        elif isinstance(event, ReasoningDelta):
            live.add_reasoning(event.text)
        elif isinstance(event, ReasoningWasText):
            live.withdraw_reasoning(event.text)
        elif isinstance(event, ToolCallStreaming):
            live.streaming_calls.append(event.name)
            live.tools_version += 1
        elif isinstance(event, ToolCallsRequested):
            calls = event.calls
        elif isinstance(event, UsageReport):
            reply.usage = live.usage(event.usage)
        elif isinstance(event, AnswerComplete):
            live.answered.set()
        elif isinstance(event, Finished):
            reply.finish_reason = event.finish_reason
            reply.status = "complete"
        elif isinstance(event, Failed):
            live.error_kind = event.error.kind
            reply.status = "error"
            reply.error = event.error.one_line(live.provider_label)
        elif isinstance(event, Retrying):
            live.retrying, live.retrying_since = event, time.monotonic()
        elif isinstance(event, Notice):
            notify(event.text, title=live.provider_label, markup=False)
        if time.monotonic() >= checkpoint:
            live.sync()
            # A failed save is kept, retried and shown (SaveGuard): the reply goes on,
            # or what is still to come would be lost too.
            with contextlib.suppress(OSError):
                await store.save_async(session)
            checkpoint = time.monotonic() + CHECKPOINT_SECONDS
    if reply.status == "streaming":
        reply.status = "error"
        reply.error = f"{live.provider_label}: the stream ended without a finish."
    return calls


def stop_unfinished(live: LiveReply) -> None:
    """The reply was stopped (Esc): every call of the turn that did not finish is
    "stopped" (the model is told it was not run), no call is streaming any more."""
    changed = bool(live.streaming_calls)
    live.streaming_calls.clear()
    for tool_round in live.message.tool_rounds:
        for call in tool_round.calls:
            if call.status in ("pending", "running"):
                call.status = "stopped"
                changed = True
    if changed:
        live.tools_version += 1


@dataclass
class TurnLoop:
    """Streams the rounds of one turn (`run`); ReplyManager owns the errors around it."""

    live: LiveReply
    provider: ChatProvider
    registry: ProviderRegistry
    store: SessionStore
    changes: SessionChanges
    notify: Notify
    tools: ToolSource | None = None
    ask_approval: AskApproval | None = None
    always_allowed: Callable[[], Collection[str]] | None = None
    offered: OfferedTools = field(default_factory=OfferedTools)

    async def run(self) -> None:
        live, session, reply = self.live, self.live.session, self.live.message
        plan = live.plan
        base = plan.request_messages() if plan is not None else []
        # Alt+G on a turn stopped after a round of calls, before any answer text (see
        # resumes_tool_loop; ReplyManager.start has set it streaming again).
        resuming = live.continuing and bool(reply.tool_rounds) and not reply.content.strip()
        if live.continuing and not resuming:
            base = continuation_messages(base)
        self.offered = await self._offer()
        if resuming:
            await self._settle(reply.tool_rounds[-1].calls)
        field_name = self.registry.dialect_of(session.provider).tool_reasoning_key(session.model)
        rounds = 0
        refused_tools = False
        while True:
            reply.status, reply.finish_reason = "streaming", None
            request = ChatRequest(
                model=session.model,
                messages=[*base, *round_messages(reply.tool_rounds, field_name)],
                settings=session.settings,
                tools=tuple(t.spec.schema() for t in self.offered.tools.values()),
            )
            calls = await stream_round(live, self.provider, request, self.store, self.notify)
            if live.error_kind == TOOLS_UNSUPPORTED and request.tools and not refused_tools:
                refused_tools = True
                await self._turn_tools_off()
                continue
            if not calls or not _finished(reply):
                return
            if not self.offered.tools:
                reply.finish_reason = "tool_calls"  # see finish_reasons.UNOFFERED_TOOL_CALLS
                return
            self._close_round(calls)
            with contextlib.suppress(OSError):  # kept and retried by the store (SaveGuard)
                await self.store.save_async(session)
            if rounds >= self.tools_max_rounds():
                # Its calls stay pending: Alt+G asks for and runs them (resumes_tool_loop).
                reply.status, reply.finish_reason = "stopped", None
                reply.error = capped_sentence(rounds)
                self.notify(reply.error, severity="warning", markup=False)
                return
            rounds += 1
            await self._settle(calls)
            live.base_usage = reply.usage or live.base_usage
            await self.changes.commit(session, "tool results")

    def tools_max_rounds(self) -> int:
        return self.tools.max_rounds() if self.tools is not None else 0

    async def _offer(self) -> OfferedTools:
        """The tools this turn offers: none when the session has them off or the app has
        no tool source. Each line about a tool that could not be offered is shown once."""
        if self.tools is None:
            return OfferedTools()
        selection = session_tools(self.live.session.settings, self.registry.config.defaults)
        if not selection:
            return OfferedTools()
        offered = await self.tools.offered(selection)
        for problem in dict.fromkeys(offered.problems):
            self.notify(strip_control(problem), severity="warning", markup=False)
        return offered

    async def _turn_tools_off(self) -> None:
        """The provider refused the `tools` field: off for this session (saved as any
        settings change is), the round sent again without them."""
        live, session, reply = self.live, self.live.session, self.live.message
        settings = session.settings.replace(tools_enabled=False)
        save = SessionSettingsService(self.changes, self.registry).apply(session, settings)
        if save is not None:
            await save
        self.notify(tools_off_sentence(session.model), severity="warning", markup=False)
        self.offered = OfferedTools()
        reply.error, live.error_kind = None, None

    def _close_round(self, calls: tuple[ToolCall, ...]) -> None:
        """The round's text and reasoning move into a ToolRound with its calls (labelled
        as the user knows the tools); the text parts start empty for the next round."""
        live = self.live
        for call in calls:
            tool = self.offered.tools.get(call.name)
            if tool is not None:
                call.label, call.server = tool.spec.label, tool.spec.server
        live.message.tool_rounds.append(
            ToolRound(
                content="".join(live.text_parts),
                reasoning="".join(live.reasoning_parts),
                calls=list(calls),
            )
        )
        live.text_parts.clear()
        live.reasoning_parts.clear()
        live.streaming_calls.clear()
        live.message.finish_reason = None
        live.tools_version += 1
        live.sync()

    async def _settle(self, calls: list[ToolCall] | tuple[ToolCall, ...]) -> None:
        """Decide every pending call (in order, asking one at a time), then run the allowed
        ones concurrently. A call the user stopped is not run again: the model is told it
        was not run (NOT_RUN) and may ask for it again."""
        allowed: list[tuple[ToolCall, Tool, dict[str, Any]]] = []
        for call in calls:
            if call.status != "pending":
                continue
            decided = await self._decide(call)
            if decided is not None:
                allowed.append(decided)
            self.live.tools_version += 1
        if not allowed:
            return
        problems: list[str] = []
        async with asyncio.TaskGroup() as group:
            for call, tool, arguments in allowed:
                group.create_task(self._run_call(call, tool, arguments, problems))
        # A server that died or timed out: one line each, however many calls it failed.
        for problem in dict.fromkeys(problems):
            self.notify(problem, severity="warning", markup=False)

    async def _decide(self, call: ToolCall) -> tuple[ToolCall, Tool, dict[str, Any]] | None:
        """The call with its tool and arguments when it may run; None when it was refused
        (unknown tool, arguments that are not an object, denied by the user)."""
        tool = self.offered.tools.get(call.name)
        if tool is None:
            offered = ", ".join(sorted(self.offered.tools)) or "none"
            call.status = "error"
            call.result = f"Unknown tool {call.name!r}: not offered. Offered tools: {offered}."
            return None
        arguments = call.parsed_arguments()
        if arguments is None:
            call.status = "error"
            call.result = (
                f"The arguments of {tool.spec.name} are not a JSON object: "
                f"{call.arguments[:300]!r}. Call it again with a JSON object."
            )
            return None
        session = self.live.session
        always = self.always_allowed() if self.always_allowed is not None else ()
        if decide(tool, arguments, session.tool_approvals, always) == "run":
            return call, tool, arguments
        if self.ask_approval is None:
            call.status = "error"
            call.result = "This call needs the user's approval, and none can be asked here."
            return None
        spec = tool.spec
        scope = tool.scope(arguments)
        answer = await self.ask_approval(
            ApprovalRequest(
                session_id=session.id,
                session_title=session.title,
                label=spec.label,
                server=spec.server,
                shown=tool.approval_text(arguments),
                scope=scope,
                may_always_allow=spec.may_always_allow,
            )
        )
        if answer.choice == "stop":
            worker = self.live.worker
            if worker is not None:
                worker.cancel()
            raise asyncio.CancelledError  # as Esc: ReplyManager marks the turn stopped
        if answer.choice == "deny":
            call.status = "denied"
            call.denial_reason = strip_control(answer.reason)
            return None
        if answer.choice == "session" and scope not in session.tool_approvals:
            session.tool_approvals.append(scope)
        return call, tool, arguments

    async def _run_call(
        self, call: ToolCall, tool: Tool, arguments: dict[str, Any], problems: list[str]
    ) -> None:
        """Run one call; whatever it raises becomes its error result (never the loop's).
        A problem of its server (ToolOutcome.problem) is added to `problems`."""
        call.status = "running"
        self.live.tools_version += 1
        started = time.monotonic()
        try:
            outcome = await tool.run(arguments)
        except Exception as exc:  # a tool's bug: the model and the user see what it was
            outcome = ToolOutcome(f"{tool.spec.label} failed: {type(exc).__name__}: {exc}", False)
        call.seconds = round(time.monotonic() - started, 3)
        call.result = strip_control(outcome.text)
        call.status = "ok" if outcome.ok else "error"
        if outcome.problem:
            problems.append(strip_control(outcome.problem))
        self.live.tools_version += 1


def _finished(reply: Message) -> bool:
    """The round finished as the server meant it to (not failed, not cut off)."""
    return reply.status == "complete"
