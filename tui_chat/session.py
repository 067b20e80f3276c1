"""The conversation model: a Session holds Messages; both round-trip through plain dicts."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.sanitize import one_line, strip_control
from tui_chat.settings import ChatSettings

if TYPE_CHECKING:
    from tui_chat.summary import Summary

SESSION_FORMAT_VERSION = 1
TITLE_LENGTH = 60
NEW_SESSION_TITLE = "New chat"
# Settings a session file keeps as top-level keys (format version 1 had them there).
_TOP_LEVEL_SETTINGS = ("provider", "model", "system_prompt")

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
    json_mode: bool = False
    """The reply was asked for as a JSON object (shown pretty-printed)."""

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
            if self.json_mode:
                data["json_mode"] = True
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
            json_mode=data.get("json_mode") is True,
        )


@dataclass(init=False)
class Session:
    """A conversation, saved as one JSON file.

    `settings` holds everything the user chose for this conversation. `provider`, `model` and
    `system_prompt` are views of the same values (not copies), kept for the many readers that
    only need those three.
    """

    id: str
    title: str
    title_is_custom: bool
    """True once the user renamed the session; the first message no longer sets the title."""
    created_at: float
    updated_at: float
    messages: list[Message]
    settings: ChatSettings

    def __init__(
        self,
        provider: str = "",
        model: str = "",
        system_prompt: str | None = None,
        id: str | None = None,
        title: str = NEW_SESSION_TITLE,
        title_is_custom: bool = False,
        created_at: float | None = None,
        updated_at: float | None = None,
        messages: list[Message] | None = None,
        settings: ChatSettings | None = None,
    ) -> None:
        """`provider`, `model` and `system_prompt` fill in what `settings` leaves unset."""
        base = settings or ChatSettings()
        self.settings = base.replace(
            provider=base.provider or provider or None,
            model=base.model or model or None,
            system_prompt=base.system_prompt if base.system_prompt is not None else system_prompt,
        )
        self.id = id or new_id()
        self.title = title
        self.title_is_custom = title_is_custom
        self.created_at = now() if created_at is None else created_at
        self.updated_at = now() if updated_at is None else updated_at
        self.messages = [] if messages is None else messages
        self.summaries: list[Summary] = []
        """Rolling summaries (tui_chat.summary); the messages they cover stay in `messages`."""

    @property
    def provider(self) -> str:
        return self.settings.provider or ""

    @provider.setter
    def provider(self, value: str) -> None:
        self.settings = self.settings.replace(provider=value or None)

    @property
    def model(self) -> str:
        return self.settings.model or ""

    @model.setter
    def model(self, value: str) -> None:
        self.settings = self.settings.replace(model=value or None)

    @property
    def system_prompt(self) -> str:
        """The session's own system prompt; "" when it has none or uses the config's."""
        return self.settings.system_prompt or ""

    @system_prompt.setter
    def system_prompt(self, value: str | None) -> None:
        self.settings = self.settings.replace(system_prompt=value)

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
        """Plain JSON. Provider, model and system prompt stay top-level keys (where files
        without "settings" keep them); "settings" holds the rest, only what is set."""
        settings = self.settings.to_dict()
        for key in _TOP_LEVEL_SETTINGS:
            settings.pop(key, None)
        return {
            "version": SESSION_FORMAT_VERSION,
            "id": self.id,
            "title": self.title,
            "title_is_custom": self.title_is_custom,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "provider": self.provider,
            "model": self.model,
            "system_prompt": self.settings.system_prompt,
            "settings": settings,
            "messages": [m.to_dict() for m in self.messages],
            **({"summaries": [s.to_dict() for s in self.summaries]} if self.summaries else {}),
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
        # Files written before per-session settings have no "settings": defaults then.
        raw_settings = data.get("settings")
        settings = ChatSettings.from_dict(
            {
                **(raw_settings if isinstance(raw_settings, dict) else {}),
                **{k: data[k] for k in _TOP_LEVEL_SETTINGS if k in data},
            }
        )
        from tui_chat.summary import summaries_from  # it builds on this module

        session = cls(
            id=session_id,
            settings=settings,
            title=one_line(_text(data.get("title")), TITLE_LENGTH) or NEW_SESSION_TITLE,
            title_is_custom=bool(data.get("title_is_custom", False)),
            created_at=_number(data.get("created_at")) or 0.0,
            updated_at=_number(data.get("updated_at")) or 0.0,
            messages=messages,
        )
        session.summaries = summaries_from(data.get("summaries"))
        return session


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
