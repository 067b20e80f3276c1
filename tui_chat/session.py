"""The conversation model: a Session holds Messages; both round-trip through plain dicts."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.sanitize import one_line, strip_control

SESSION_FORMAT_VERSION = 1
TITLE_LENGTH = 60
NEW_SESSION_TITLE = "New chat"

Role = Literal["system", "user", "assistant"]
# streaming: still arriving (only seen in a file when the app died mid-reply).
Status = Literal["complete", "stopped", "error", "streaming"]


def now() -> float:
    return time.time()


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Usage:
    """Token counts as the provider reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None

    def to_dict(self) -> dict[str, int]:
        data = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.reasoning_tokens is not None:
            data["reasoning_tokens"] = self.reasoning_tokens
        if self.cached_tokens is not None:
            data["cached_tokens"] = self.cached_tokens
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Usage | None:
        if not isinstance(data, dict):
            return None

        def number(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            prompt_tokens=number("prompt_tokens") or 0,
            completion_tokens=number("completion_tokens") or 0,
            total_tokens=number("total_tokens") or 0,
            reasoning_tokens=number("reasoning_tokens"),
            cached_tokens=number("cached_tokens"),
        )


@dataclass
class Message:
    """One turn. Assistant replies also carry reasoning, usage, timing and how they ended."""

    role: Role
    content: str = ""
    created_at: float = field(default_factory=now)
    id: str = field(default_factory=new_id)
    reasoning: str = ""
    usage: Usage | None = None
    model: str | None = None
    provider: str | None = None
    finish_reason: str | None = None
    status: Status = "complete"
    error: str | None = None
    """Plain-words description of what went wrong, for status "error"."""
    first_token_seconds: float | None = None
    """Time from sending the request to the first streamed text or reasoning."""
    duration_seconds: float | None = None
    """Time from the first streamed token to the end of the reply."""

    @property
    def is_reply(self) -> bool:
        return self.role == "assistant"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "created_at": self.created_at,
        }
        if self.role == "assistant":
            data.update(
                reasoning=self.reasoning,
                usage=self.usage.to_dict() if self.usage else None,
                model=self.model,
                provider=self.provider,
                finish_reason=self.finish_reason,
                status=self.status,
                error=self.error,
                first_token_seconds=self.first_token_seconds,
                duration_seconds=self.duration_seconds,
            )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        role = data.get("role")
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"message has unknown role {role!r}")
        status = data.get("status", "complete")
        if status not in ("complete", "stopped", "error", "streaming"):
            status = "complete"
        if status == "streaming":
            # The app ended while this reply streamed; what arrived is all there is.
            status = "stopped"
        return cls(
            role=role,
            content=strip_control(_text(data.get("content"))),
            created_at=_number(data.get("created_at")) or 0.0,
            id=_text(data.get("id")) or new_id(),
            reasoning=strip_control(_text(data.get("reasoning"))),
            usage=Usage.from_dict(data.get("usage")),
            model=_text(data.get("model")) or None,
            provider=_text(data.get("provider")) or None,
            finish_reason=_text(data.get("finish_reason")) or None,
            status=status,
            error=strip_control(_text(data.get("error"))) or None,
            first_token_seconds=_number(data.get("first_token_seconds")),
            duration_seconds=_number(data.get("duration_seconds")),
        )


@dataclass
class Session:
    """A conversation, saved as one JSON file."""

    provider: str
    model: str
    system_prompt: str = ""
    id: str = field(default_factory=new_id)
    title: str = NEW_SESSION_TITLE
    title_is_custom: bool = False
    """True once the user renamed the session; the first message no longer sets the title."""
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)
    messages: list[Message] = field(default_factory=list)

    def add(self, message: Message) -> Message:
        self.messages.append(message)
        if message.role == "user" and not self.title_is_custom and self.user_turns() == 1:
            self.title = make_title(message.content)
        self.touch()
        return message

    def touch(self) -> None:
        self.updated_at = now()

    def user_turns(self) -> int:
        return sum(1 for m in self.messages if m.role == "user")

    def rename(self, title: str) -> None:
        self.title = one_line(title, TITLE_LENGTH) or NEW_SESSION_TITLE
        self.title_is_custom = True
        self.touch()

    @property
    def last_reply(self) -> Message | None:
        for message in reversed(self.messages):
            if message.role == "assistant":
                return message
        return None

    def total_usage(self) -> Usage:
        total = Usage()
        for message in self.messages:
            if message.usage:
                total.prompt_tokens += message.usage.prompt_tokens
                total.completion_tokens += message.usage.completion_tokens
                total.total_tokens += message.usage.total_tokens
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SESSION_FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "title_is_custom": self.title_is_custom,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "provider": self.provider,
            "model": self.model,
            "system_prompt": self.system_prompt,
            "messages": [m.to_dict() for m in self.messages],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Session:
        """Build a session from parsed JSON; raises ValueError when it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        version = data.get("version", SESSION_FORMAT_VERSION)
        if not isinstance(version, int) or version > SESSION_FORMAT_VERSION:
            raise ValueError(f"written by a newer tui-chat (format version {version})")
        raw_messages = data.get("messages", [])
        if not isinstance(raw_messages, list):
            raise ValueError("'messages' is not a list")
        messages = [Message.from_dict(m) for m in raw_messages if isinstance(m, dict)]
        session_id = _text(data.get("id"))
        if not session_id:
            raise ValueError("no session id")
        return cls(
            id=session_id,
            provider=_text(data.get("provider")) or "",
            model=_text(data.get("model")) or "",
            system_prompt=strip_control(_text(data.get("system_prompt"))),
            title=one_line(_text(data.get("title")), TITLE_LENGTH) or NEW_SESSION_TITLE,
            title_is_custom=bool(data.get("title_is_custom", False)),
            created_at=_number(data.get("created_at")) or 0.0,
            updated_at=_number(data.get("updated_at")) or 0.0,
            messages=messages,
        )


def make_title(first_message: str) -> str:
    """A session title from the first user message: its first non-empty line, shortened."""
    for line in first_message.splitlines():
        title = one_line(line, TITLE_LENGTH)
        if title:
            return title
    return NEW_SESSION_TITLE


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
