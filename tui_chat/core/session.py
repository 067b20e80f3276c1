"""The conversation model: a Session holds Messages; both round-trip through plain dicts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui_chat.core.message import Message, Usage, new_id, now, number_field, text_field
from tui_chat.core.message_tree import MessageTree
from tui_chat.core.sanitize import one_line, strip_control
from tui_chat.core.settings import ChatSettings

if TYPE_CHECKING:
    from tui_chat.core.context.summary import Summary

__all__ = [
    "NEW_SESSION_TITLE",
    "PLAIN_FORMAT_VERSION",
    "SESSION_FORMAT_VERSION",
    "TITLE_LENGTH",
    "TOOLS_FORMAT_VERSION",
    "Message",
    "Session",
    "Usage",
    "make_title",
]
"""`Message` and `Usage` are defined in message.py; most callers take them from here,
with `Session`."""

SESSION_FORMAT_VERSION = 4
"""The newest format this tui-chat reads and writes. 1: a linear list of messages.
2: every message of every branch, each with its parent, and the current leaf ("current").
3: as 2, and some assistant message has "tool_rounds" (the tool calls of that turn).
4: as 3, and some message is part of an `/image` turn ("image_request", "images",
"image_task"): an older tui-chat would show it as a chat turn and send it to the model.

A file is written as the lowest version that holds it (`Session.to_dict`): a session without
tool calls stays version 2, so an older tui-chat still opens it; one with calls is version 3,
which an older tui-chat refuses rather than re-saving it without the calls."""
PLAIN_FORMAT_VERSION = 2
"""The version written for a session no message of which has tool rounds or images."""
TOOLS_FORMAT_VERSION = 3
"""The version written for a session with tool rounds and no `/image` turn."""
TITLE_LENGTH = 60
NEW_SESSION_TITLE = "New chat"
# Settings a session file keeps as top-level keys (format version 1 had them there).
_TOP_LEVEL_SETTINGS = ("provider", "model", "system_prompt")


@dataclass(init=False)
class Session(MessageTree):
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
        super().__init__(messages)  # a linear conversation
        self.summaries: list[Summary] = []
        """Rolling summaries (core/context/summary.py); the messages they cover stay in the file."""
        self.demo = False
        self.tool_approvals: list[str] = []
        """What the user allowed for this session in the approval modal ("allow for this
        session"): tool labels, or for run_shell the exact command (tools/approval.py)."""
        """Made with the offline demo (no provider had a key): the only kind of session the
        demo answers in. Cleared when the session moves to a real provider."""

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
        """Append `message` to the current path (as a child of its last message)."""
        self.add_to_path(message)
        if message.role == "user" and not self.title_is_custom and self.user_turns() == 1:
            self.title = make_title(message.content)
        self.touch()
        return message

    def fork(self, message: Message, content: str, attachments: list[str] | None = None) -> Message:
        """Edit-and-resend: a new user message beside `message` (same parent), which becomes
        the current path's last message. The old one and everything below it stay."""
        self.rewind_to(message.parent_id)
        title = self.title
        edited = self.add(
            Message(
                role="user",
                content=content,
                attachments=list(message.attachments if attachments is None else attachments),
            )
        )
        self.title = title  # an edit does not rename the session
        return edited

    def delete(self, message: Message) -> list[Message]:
        """Remove `message` and everything below it (see `MessageTree.remove_branch`)."""
        removed = self.remove_branch(message)
        self.touch()
        return removed

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
        messages = self.all_messages()
        return {
            "version": format_version(messages),
            "id": self.id,
            "title": self.title,
            "title_is_custom": self.title_is_custom,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "provider": self.provider,
            "model": self.model,
            "system_prompt": self.settings.system_prompt,
            "settings": settings,
            "messages": [m.to_dict() for m in messages],
            "current": self.messages[-1].id if self.messages else None,
            "branches": self.branches(),
            **({"summaries": [s.to_dict() for s in self.summaries]} if self.summaries else {}),
            **({"demo": True} if self.demo else {}),
            **({"tool_approvals": list(self.tool_approvals)} if self.tool_approvals else {}),
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
        # Version 1 files are one linear conversation; so is any file without parent ids.
        is_tree = version >= 2 and any(
            isinstance(m, dict) and "parent_id" in m for m in raw_messages
        )
        session_id = text_field(data.get("id"))
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
        from tui_chat.core.context.summary import summaries_from  # it builds on this module

        session = cls(
            id=session_id,
            settings=settings,
            title=one_line(text_field(data.get("title")), TITLE_LENGTH) or NEW_SESSION_TITLE,
            title_is_custom=bool(data.get("title_is_custom", False)),
            created_at=number_field(data.get("created_at")) or 0.0,
            updated_at=number_field(data.get("updated_at")) or 0.0,
            messages=None if is_tree else messages,
        )
        if is_tree:
            session._load_tree(messages, data.get("current"), data.get("branches"))
        session.summaries = summaries_from(data.get("summaries"))
        session.demo = data.get("demo") is True
        approvals = data.get("tool_approvals")
        if isinstance(approvals, list):
            # Scopes are shown in the approval dialog and F2: no control sequences.
            clean = (strip_control(a) for a in approvals if isinstance(a, str))
            session.tool_approvals = list(dict.fromkeys(a for a in clean if a))
        if "demo" not in data and session.provider == "demo":
            session._legacy_demo()
        return session

    def _legacy_demo(self) -> None:
        """A file from before the demo mark, on provider "demo": a demo session, unless a
        real model answered in it. Then an older version stood the demo in for a provider
        without a key: the session goes back to the provider that answered last."""
        real = [
            m
            for m in self.all_messages()
            if m.role == "assistant" and m.provider not in (None, "demo") and m.model
        ]
        if real:
            self.provider, self.model = real[-1].provider or "", real[-1].model or ""
        else:
            self.demo = True


def format_version(messages: Iterable[Message]) -> int:
    """The lowest format version that holds these messages (see SESSION_FORMAT_VERSION)."""
    listed = list(messages)
    if any(m.is_image_turn for m in listed):
        return SESSION_FORMAT_VERSION
    if any(m.tool_rounds for m in listed):
        return TOOLS_FORMAT_VERSION
    return PLAIN_FORMAT_VERSION


def make_title(first_message: str) -> str:
    """A session title from the first user message: its first non-empty line, shortened."""
    for line in first_message.splitlines():
        title = one_line(line, TITLE_LENGTH)
        if title:
            return title
    return NEW_SESSION_TITLE
