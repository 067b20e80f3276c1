"""A reply that is streaming, as the screen follows it: the parts that arrived so far, when
they came, the live figures for the status line. The reply's worker (services/replies.py,
services/tool_loop.py) writes it; the chat screen reads it on its frame timer."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.tokens import estimate_tokens

if TYPE_CHECKING:
    from tui_chat.core.context.request import ContextPlan
    from tui_chat.providers import ChatProvider
    from tui_chat.providers.events import Retrying


class ReplyWorker(Protocol):
    """The worker a reply streams in (a Textual worker, started by the app)."""

    def cancel(self) -> None: ...


@dataclass
class LiveReply:
    """A reply that is streaming: the parts that arrived so far, and when."""

    session: Session
    message: Message
    provider_label: str
    is_demo: bool
    text_parts: list[str] = field(default_factory=list)
    reasoning_parts: list[str] = field(default_factory=list)
    sent_at: float = field(default_factory=time.monotonic)
    first_token_at: float | None = None
    estimated_tokens: int = 0
    worker: ReplyWorker | None = None
    retrying: Retrying | None = None
    """Set while the request waits to be sent again (rate limited, server busy)."""
    retrying_since: float = 0.0
    """When `retrying` arrived (time.monotonic()), for the countdown."""
    provider: ChatProvider | None = None
    """The provider streaming this reply (its client stays open until the reply ends)."""
    continuing: bool = False
    """This streams the rest of an existing reply (see tui_chat.core.continuation)."""
    base_usage: Usage | None = None
    base_duration: float = 0.0
    """Usage and duration of the part of a continued reply that was there before."""
    error_kind: str | None = None
    """ProviderError.kind when the reply failed (e.g. "context_length")."""
    plan: ContextPlan | None = None
    """What the request sent, after the session's context strategy."""
    tools_version: int = 0
    """Bumped on every change to the turn's tool calls: a round's calls arrived (appended
    to `message.tool_rounds`, its text and reasoning moved there out of `text_parts` and
    `reasoning_parts`), a call started, ended, was denied or stopped, or a call's name
    began streaming. The screen re-renders the tool cards only when it changes."""
    streaming_calls: list[str] = field(default_factory=list)
    """Names of the calls whose arguments are streaming in the current round (cleared
    when the round's calls are complete)."""
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a round's answer has all arrived (providers.events.AnswerComplete), before
    its usage and the stream's end: the screen draws the last words then."""

    def add_text(self, text: str) -> None:
        self._first_token()
        self.text_parts.append(text)
        self.estimated_tokens += estimate_tokens(text)

    def add_reasoning(self, text: str) -> None:
        self._first_token()
        self.reasoning_parts.append(text)
        self.estimated_tokens += estimate_tokens(text)

    def _first_token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
            if self.continuing:
                return  # the reply's first token came with its first part
            self.message.first_token_seconds = round(self.first_token_at - self.sent_at, 3)

    def withdraw_reasoning(self, text: str) -> None:
        """Take back the last `text` of the reasoning: it was the reply's text (see
        ReasoningWasText). Reasoning from before a continuation stays."""
        joined = "".join(self.reasoning_parts)
        if text and joined.endswith(text):
            kept = joined[: len(joined) - len(text)]
            self.reasoning_parts[:] = [kept] if kept else []

    def sync(self) -> None:
        """Copy what arrived into the message (before a save or a full render)."""
        self.message.content = "".join(self.text_parts)
        self.message.reasoning = "".join(self.reasoning_parts)
        if self.first_token_at is not None:
            elapsed = time.monotonic() - self.first_token_at
            self.message.duration_seconds = round(self.base_duration + elapsed, 3)

    def usage(self, usage: Usage) -> Usage:
        """The reply's usage: `usage`, plus what the part before a continuation used."""
        base = self.base_usage
        if base is None:
            return usage
        return Usage(
            prompt_tokens=base.prompt_tokens + usage.prompt_tokens,
            completion_tokens=base.completion_tokens + usage.completion_tokens,
            total_tokens=base.total_tokens + usage.total_tokens,
            reasoning_tokens=_add(base.reasoning_tokens, usage.reasoning_tokens),
            cached_tokens=_add(base.cached_tokens, usage.cached_tokens),
        )

    def figures(self) -> Progress:
        """Live figures for the status line, as parts (see Progress)."""
        if self.first_token_at is None:
            if self.retrying is not None:
                waited = time.monotonic() - self.retrying_since
                return Progress(
                    self.retrying.describe(max(0.0, self.retrying.after_seconds - waited))
                )
            return Progress(f"waiting… {time.monotonic() - self.sent_at:.1f}s")
        elapsed = max(0.001, self.base_duration + time.monotonic() - self.first_token_at)
        # A continued reply keeps the TTFT it had, which a turn stopped before its text
        # never measured: then there is none to show.
        ttft = self.message.first_token_seconds
        speed = self.estimated_tokens / elapsed
        return Progress(
            f"streaming {elapsed:.1f}s",
            f"TTFT {ttft:.2f}s" if ttft is not None else None,
            f"~{speed:.0f} tok/s",
        )


@dataclass(frozen=True)
class Progress:
    """A streaming reply's live figures: what is happening now ("streaming 2.1s", "waiting…
    1.2s", a rate-limit countdown) and, once text comes, its TTFT and speed, which a narrow
    status line drops first (so they are kept apart, not parsed back out of a string)."""

    now: str
    ttft: str | None = None
    speed: str | None = None

    def __str__(self) -> str:
        return " · ".join(part for part in (self.now, self.ttft, self.speed) if part)


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)
