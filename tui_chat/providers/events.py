"""Typed events a streaming provider yields, and the typed error it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui_chat.core.sentences import join_sentences
from tui_chat.core.session import Usage
from tui_chat.core.settings import ChatSettings
from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.finish_reasons import describe_finish_reason


@dataclass(frozen=True)
class ChatRequest:
    """One completion to stream."""

    model: str
    messages: list[dict[str, Any]]
    extra_body: dict[str, Any] = field(default_factory=dict)
    """Extra JSON fields for this request; they win over the provider's."""
    settings: ChatSettings | None = None
    """The session's settings (temperature, thinking, JSON mode, …); the provider's dialect
    turns them into request fields. None: send only what the provider config says."""
    tools: tuple[dict[str, Any], ...] = ()
    """Function schemas offered to the model (`{"type": "function", "function": {...}}`);
    empty: no `tools` field is sent. The dialect adds `tool_choice` / `tool_stream`."""


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class ReasoningWasText:
    """The last reasoning streamed, `text`, was the reply's text: a model whose template
    opens <think> for it (R1-style) answered without any tags. Take it back from the
    reasoning; the text follows as a TextDelta."""

    text: str


@dataclass(frozen=True)
class ToolCallStreaming:
    """A tool call's name arrived; its arguments are still streaming (for a live card)."""

    index: int
    name: str


@dataclass(frozen=True)
class ToolCallsRequested:
    """The calls the model asked for, complete (arguments assembled), in index order.
    Sent once, before `Finished`, when the stream carried tool calls (streamed
    `delta.tool_calls`, or a call printed as `<tool_call>` text, `from_text`)."""

    calls: tuple[ToolCall, ...]


@dataclass(frozen=True)
class UsageReport:
    usage: Usage


@dataclass(frozen=True)
class Finished:
    """The server said the reply is complete (`finish_reason` may be other than "stop")."""

    finish_reason: str
    model: str | None = None

    @property
    def description(self) -> str | None:
        return describe_finish_reason(self.finish_reason)


@dataclass(frozen=True)
class AnswerComplete:
    """A chunk carried the finish reason: the answer's words have all arrived, though usage
    and the stream's end may still come (some servers send usage well after). The screen
    draws the last words now rather than when `Finished` comes."""


@dataclass(frozen=True)
class Notice:
    """Something the user should know about this request, e.g. a setting that was not sent."""

    text: str


@dataclass(frozen=True)
class ProviderError:
    """What went wrong, in plain words: a short title and a sentence on what to do."""

    kind: str
    """auth, account, quota, rate_limit, busy, not_found, bad_request, context_length,
    content_filter, server, timeout, connection, cut_off, stream_error, unknown; and for
    answers that are not a stream: redirect, web_page, not_a_stream, malformed."""
    title: str
    message: str
    status: int | None = None
    retry_after: float | None = None
    """Seconds the server asked us to wait (Retry-After), for rate limits and busy servers."""
    retryable: bool = False
    """Sending the same request again later may work (rate limited, busy). Never for
    auth, quota, bad requests or context length."""

    def one_line(self, provider: str) -> str:
        return f"{provider}: {join_sentences(self.title, self.message)}"


@dataclass(frozen=True)
class Failed:
    error: ProviderError


@dataclass(frozen=True)
class Retrying:
    """The request failed before any token arrived and will be sent again after a wait."""

    after_seconds: float
    attempt: int
    """The attempt that is about to be made (2 for the first retry)."""
    max_attempts: int
    error: ProviderError

    def describe(self, remaining: float | None = None) -> str:
        """E.g. "Rate limited (429): retrying in 5 s (attempt 2 of 3)". `remaining`: the
        seconds still to wait, for a countdown (default: the whole wait)."""
        wait = self.after_seconds if remaining is None else remaining
        when = f"retrying in {_seconds(wait)} s" if wait > 0 else "retrying now"
        return f"{self.error.title}: {when} (attempt {self.attempt} of {self.max_attempts})"


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


StreamEvent = (
    TextDelta
    | ReasoningDelta
    | ReasoningWasText
    | ToolCallStreaming
    | ToolCallsRequested
    | UsageReport
    | AnswerComplete
    | Finished
    | Failed
    | Notice
    | Retrying
)
