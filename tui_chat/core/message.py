"""One turn of a conversation (`Message`) and the token counts of a reply (`Usage`).

Both round-trip through plain dicts. A session file is input like any other: `from_dict`
takes what it can from a hand-edited or hostile file and cleans the text it keeps.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.images import GeneratedImage, ImageRequest, ImageTask
from tui_chat.core.sanitize import single_line, strip_control
from tui_chat.core.tool_turns import ToolRound, rounds_from_json

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
    tool_rounds: list[ToolRound] = field(default_factory=list)
    """The requests of this turn that ended in tool calls, in order (assistant only):
    `content` and `reasoning` above are the final answer's (tui_chat.core.tool_turns)."""
    image_request: ImageRequest | None = None
    """Set on the user message of an `/image` turn (its `content` is the prompt). Such a
    turn, question and reply, is never sent to the chat model (tui_chat.core.images)."""
    images: list[GeneratedImage] = field(default_factory=list)
    """The images an `/image` reply produced (assistant only)."""
    image_task: ImageTask | None = None
    """A provider task this `/image` reply is still waiting on (assistant only)."""

    @property
    def is_image_turn(self) -> bool:
        """Part of an `/image` turn: its request, or a reply holding images or a task."""
        return self.image_request is not None or bool(self.images) or self.image_task is not None

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
        if self.image_request is not None:
            data["image_request"] = self.image_request.to_dict()
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
            if self.tool_rounds:
                data["tool_rounds"] = [r.to_dict() for r in self.tool_rounds]
            if self.images:
                data["images"] = [image.to_dict() for image in self.images]
            if self.image_task is not None:
                data["image_task"] = self.image_task.to_dict()
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
            content=strip_control(text_field(data.get("content"))),
            created_at=number_field(data.get("created_at")) or 0.0,
            id=text_field(data.get("id")) or new_id(),
            reasoning=strip_control(text_field(data.get("reasoning"))),
            usage=Usage.from_dict(data.get("usage")),
            model=single_line(text_field(data.get("model"))) or None,
            provider=single_line(text_field(data.get("provider"))) or None,
            finish_reason=single_line(text_field(data.get("finish_reason"))) or None,
            status=status,
            error=strip_control(text_field(data.get("error"))) or None,
            first_token_seconds=number_field(data.get("first_token_seconds")),
            duration_seconds=number_field(data.get("duration_seconds")),
            json_mode=data.get("json_mode") is True,
            parent_id=text_field(data.get("parent_id")) or None,
            attachments=attachments_field(data.get("attachments")),
            tool_rounds=rounds_from_json(data.get("tool_rounds")) if role == "assistant" else [],
            image_request=ImageRequest.from_dict(data.get("image_request"))
            if role == "user"
            else None,
            images=images_field(data.get("images")) if role == "assistant" else [],
            image_task=ImageTask.from_dict(data.get("image_task"))
            if role == "assistant"
            else None,
        )


def text_field(value: Any) -> str:
    """A text field of a session file; "" for anything that is not text."""
    return value if isinstance(value, str) else ""


def attachments_field(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [strip_control(v) for v in value if isinstance(v, str) and v.strip()]


def images_field(value: Any) -> list[GeneratedImage]:
    if not isinstance(value, list):
        return []
    images = (GeneratedImage.from_dict(item) for item in value)
    return [image for image in images if image is not None]


def number_field(value: Any) -> float | None:
    """A number field of a session file; None for anything else (a bool is no number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
