"""Typed events a streaming provider yields, and the typed error it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui_chat.session import Usage


@dataclass(frozen=True)
class ChatRequest:
    """One completion to stream."""

    model: str
    messages: list[dict[str, str]]
    extra_body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class UsageReport:
    usage: Usage


@dataclass(frozen=True)
class Finished:
    """The server said the reply is complete (`finish_reason` may be other than "stop")."""

    finish_reason: str
    model: str | None = None


@dataclass(frozen=True)
class ProviderError:
    """What went wrong, in plain words: a short title and a sentence on what to do."""

    kind: str
    """auth, quota, rate_limit, not_found, bad_request, context_length, server, timeout,
    connection, cut_off, stream_error, content_filter, unknown."""
    title: str
    message: str
    status: int | None = None
    retry_after: float | None = None

    def one_line(self, provider: str) -> str:
        return f"{provider}: {self.title}. {self.message}".strip()


@dataclass(frozen=True)
class Failed:
    error: ProviderError


StreamEvent = TextDelta | ReasoningDelta | UsageReport | Finished | Failed
