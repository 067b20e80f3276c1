"""The conversation model: a Session holds Messages; both round-trip through plain dicts."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.core.sanitize import one_line, single_line, strip_control
from tui_chat.core.settings import ChatSettings

if TYPE_CHECKING:
    from tui_chat.core.context.summary import Summary

SESSION_FORMAT_VERSION = 2
"""1: a linear list of messages. 2: every message of every branch, each with its parent,
and the current leaf ("current")."""
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
    parent_id: str | None = None
    """The message this one answers or follows; None for the first message of a branch
    from the start. Kept up to date by Session."""
    attachments: list[str] = field(default_factory=list)
    """Images of a user message: local paths or http(s) URLs, never their bytes."""

    @property
    def is_reply(self) -> bool:
        return self.role == "assistant"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "role": self.role,
            "content": self.content,
            "created_at": self.created_at,
            "parent_id": self.parent_id,
        }
        if self.attachments:
            data["attachments"] = list(self.attachments)
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
            model=single_line(_text(data.get("model"))) or None,
            provider=single_line(_text(data.get("provider"))) or None,
            finish_reason=single_line(_text(data.get("finish_reason"))) or None,
            status=status,
            error=strip_control(_text(data.get("error"))) or None,
            first_token_seconds=_number(data.get("first_token_seconds")),
            duration_seconds=_number(data.get("duration_seconds")),
            json_mode=data.get("json_mode") is True,
            parent_id=_text(data.get("parent_id")) or None,
            attachments=_attachments(data.get("attachments")),
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
        self.messages: list[Message] = []
        """The current path, oldest first: what the user sees and the model gets."""
        self._nodes: dict[str, Message] = {}
        """Every message of every branch, by id, in the order they were added."""
        self._last_child: dict[str, str] = {}
        """Per parent id ("" for the start), the child last on the current path: flipping
        back to a message brings back the branch that was shown below it."""
        parent_id: str | None = None
        for message in messages or []:  # a linear conversation
            message.parent_id = parent_id
            self._register(message)
            self.messages.append(message)
            self._last_child[parent_id or ""] = message.id
            parent_id = message.id
        self.summaries: list[Summary] = []
        """Rolling summaries (core/context/summary.py); the messages they cover stay in the file."""
        self.demo = False
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

    # -- the conversation tree -----------------------------------------------------------
    # `messages` is the current path. Code outside may still append to or pop from that
    # list directly; `_reconcile` takes such changes into the tree before each operation.

    def add_to_path(self, message: Message) -> Message:
        self._reconcile()
        parent = self.messages[-1] if self.messages else None
        message.parent_id = parent.id if parent else None
        self._register(message)
        self.messages.append(message)
        self._last_child[message.parent_id or ""] = message.id
        return message

    def _register(self, message: Message) -> None:
        known = self._nodes.get(message.id)
        if known is not None and known is not message:
            message.id = new_id()  # two messages with one id (a hand-edited file)
        self._nodes[message.id] = message

    def _reconcile(self) -> None:
        parent_id: str | None = None
        for message in self.messages:
            if self._nodes.get(message.id) is not message:
                self._register(message)
            message.parent_id = parent_id
            parent_id = message.id

    def all_messages(self) -> list[Message]:
        """Every message of every branch, in the order they were added."""
        self._reconcile()
        return list(self._nodes.values())

    def get(self, message_id: str) -> Message | None:
        self._reconcile()
        return self._nodes.get(message_id)

    def children(self, parent_id: str | None) -> list[Message]:
        """The messages that follow `parent_id` (None: the first messages), oldest first."""
        self._reconcile()
        return [m for m in self._nodes.values() if m.parent_id == parent_id]

    def alternatives(self, message: Message) -> list[Message]:
        """`message` and its siblings: the other replies to the same question, or the
        edited versions of a user message, oldest first."""
        return self.children(message.parent_id)

    def alternative_position(self, message: Message) -> tuple[int, int]:
        """(1-based index of `message` among its alternatives, how many there are)."""
        siblings = self.alternatives(message)
        ids = [m.id for m in siblings]
        return (ids.index(message.id) + 1 if message.id in ids else 1), max(1, len(ids))

    def alternative_positions(self) -> dict[str, tuple[int, int]]:
        """`alternative_position` of every message at once (one pass over the tree)."""
        positions: dict[str, tuple[int, int]] = {}
        for siblings in self._children_index().values():
            for index, message in enumerate(siblings, 1):
                positions[message.id] = (index, len(siblings))
        return positions

    def path_to(self, message_id: str | None) -> list[Message]:
        """The messages from the start down to `message_id` (inclusive)."""
        self._reconcile()
        path: list[Message] = []
        seen: set[str] = set()
        node = self._nodes.get(message_id) if message_id else None
        while node is not None and node.id not in seen:
            seen.add(node.id)
            path.append(node)
            node = self._nodes.get(node.parent_id) if node.parent_id else None
        path.reverse()
        return path

    def switch_to(self, message_id: str) -> list[Message]:
        """Make the current path run through `message_id`: its ancestors, then below it the
        branch last shown there (or the newest one). Returns the new path."""
        path = self.path_to(message_id)
        if not path:
            return self.messages
        path.extend(self._descend(path[-1]))
        self._set_path(path)
        return self.messages

    def _children_index(self) -> dict[str | None, list[Message]]:
        self._reconcile()
        index: dict[str | None, list[Message]] = {}
        for node in self._nodes.values():
            index.setdefault(node.parent_id, []).append(node)
        return index

    def _descend(self, message: Message) -> list[Message]:
        index = self._children_index()
        below: list[Message] = []
        seen = {message.id}
        node = message
        while True:
            children = index.get(node.id, [])
            if not children:
                return below
            remembered = self._last_child.get(node.id)
            node = next((c for c in children if c.id == remembered), children[-1])
            if node.id in seen:
                return below
            seen.add(node.id)
            below.append(node)

    def _set_path(self, path: list[Message]) -> None:
        self.messages[:] = path  # in place: widgets hold this list
        for message in path:
            self._last_child[message.parent_id or ""] = message.id

    def flip(self, message: Message, step: int) -> Message | None:
        """Show the alternative `step` places from `message` (-1 previous, +1 next), with
        the branch below it. None when there is none that way."""
        siblings = self.alternatives(message)
        ids = [m.id for m in siblings]
        if message.id not in ids:
            return None
        index = ids.index(message.id) + step
        if not 0 <= index < len(siblings):
            return None
        self.switch_to(siblings[index].id)
        return siblings[index]

    def rewind_to(self, message_id: str | None) -> None:
        """Make the current path end at `message_id` (None: empty), keeping every message
        below it in the tree. The next `add` then starts a new branch there."""
        path = self.path_to(message_id)
        self.messages[:] = path

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

    def subtree(self, message: Message) -> list[Message]:
        """`message` and every message below it, in every branch."""
        index = self._children_index()
        found = [message]
        ids = {message.id}
        for node in found:  # grows while it is walked
            for child in index.get(node.id, []):
                if child.id not in ids:
                    ids.add(child.id)
                    found.append(child)
        return found

    def delete(self, message: Message) -> list[Message]:
        """Remove `message` and everything below it from the tree; returns what went.

        When it was on the current path, the path goes on through a remaining alternative
        (another reply to the same question, another version of the edited message), if any.
        """
        removed = self.subtree(message)
        ids = {m.id for m in removed}
        on_path = any(m.id in ids for m in self.messages)
        if on_path:  # first off the path, or `_reconcile` would take them back
            self.messages[:] = self.messages[
                : next(i for i, m in enumerate(self.messages) if m.id in ids)
            ]
        for node in removed:
            self._nodes.pop(node.id, None)
        self._last_child = {
            k: v for k, v in self._last_child.items() if v not in ids and k not in ids
        }
        if on_path:
            path = self.path_to(message.parent_id)
            siblings = self.children(message.parent_id)
            if siblings:
                remembered = self._last_child.get(message.parent_id or "")
                chosen = next((c for c in siblings if c.id == remembered), siblings[-1])
                path.append(chosen)
                path.extend(self._descend(chosen))
            self._set_path(path)
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
            "messages": [m.to_dict() for m in self.all_messages()],
            "current": self.messages[-1].id if self.messages else None,
            "branches": {k: v for k, v in self._last_child.items() if k in self._nodes or not k},
            **({"summaries": [s.to_dict() for s in self.summaries]} if self.summaries else {}),
            **({"demo": True} if self.demo else {}),
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
        from tui_chat.core.context.summary import summaries_from  # it builds on this module

        session = cls(
            id=session_id,
            settings=settings,
            title=one_line(_text(data.get("title")), TITLE_LENGTH) or NEW_SESSION_TITLE,
            title_is_custom=bool(data.get("title_is_custom", False)),
            created_at=_number(data.get("created_at")) or 0.0,
            updated_at=_number(data.get("updated_at")) or 0.0,
            messages=None if is_tree else messages,
        )
        if is_tree:
            session._load_tree(messages, data.get("current"), data.get("branches"))
        session.summaries = summaries_from(data.get("summaries"))
        session.demo = data.get("demo") is True
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

    def _load_tree(self, messages: list[Message], current: Any, branches: Any) -> None:
        """Take in the messages of a version 2 file and make `current` the current leaf.
        A parent that is not in the file makes its child start a branch from the start."""
        for message in messages:
            self._register(message)
        for message in self._nodes.values():
            if message.parent_id is not None and message.parent_id not in self._nodes:
                message.parent_id = None
        # A hand-edited file may hold a cycle: cut it where the walk comes back. Each
        # message is walked once (`sound`: known to lead to the start).
        sound: set[str] = set()
        for message in self._nodes.values():
            walk: list[Message] = []
            on_walk: set[str] = set()
            node: Message | None = message
            while node is not None and node.id not in sound:
                walk.append(node)
                on_walk.add(node.id)
                parent_id = node.parent_id
                if parent_id is None:
                    break
                if parent_id in on_walk:
                    node.parent_id = None
                    break
                node = self._nodes[parent_id]
            sound.update(on_walk)
        if isinstance(branches, dict):
            self._last_child = {
                k: v
                for k, v in branches.items()
                if isinstance(k, str) and isinstance(v, str) and v in self._nodes
            }
        leaf = self._nodes.get(current) if isinstance(current, str) else None
        if leaf is not None:
            self._set_path(self.path_to(leaf.id))
        elif self._nodes:
            roots = self.children(None)
            remembered = self._last_child.get("")
            start = next((r for r in roots if r.id == remembered), roots[-1] if roots else None)
            if start is not None:
                self.switch_to(start.id)


def make_title(first_message: str) -> str:
    """A session title from the first user message: its first non-empty line, shortened."""
    for line in first_message.splitlines():
        title = one_line(line, TITLE_LENGTH)
        if title:
            return title
    return NEW_SESSION_TITLE


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _attachments(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [strip_control(v) for v in value if isinstance(v, str) and v.strip()]


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
