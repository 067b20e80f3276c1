"""Generated images in a session: what was asked (`ImageRequest`, on the user message of an
`/image` turn), what came back (`GeneratedImage`, on its reply), and a provider task still
running (`ImageTask`), so a restart can go on polling it.

An `/image` turn is an ordinary question/reply pair of the message tree, so branches,
delete, search and regenerate work on it like on any turn. It is never sent to the chat
model (core/context/request.py leaves such pairs out): a generated image reaches a model
only when the user attaches its file. The session file keeps metadata and a path relative
to the data directory (`images/<session id>/<image id>.png`), never the image's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from tui_chat.core.sanitize import single_line, strip_control

IMAGES_DIR = "images"
"""The folder under the data directory that holds one folder of images per session."""

MAX_IMAGE_COUNT = 4
"""Most images one `/image` asks for (providers cap it at 4 or fewer)."""


@dataclass(frozen=True)
class ImageRequest:
    """What `/image` asked for. `model` None: the provider's `image_model`; `size` None:
    the provider's default size; `seed` None: the provider picks one."""

    prompt: str
    size: str | None = None
    """"WIDTHxHEIGHT" as the user wrote it (each dialect converts it)."""
    count: int = 1
    seed: int | None = None
    model: str | None = None
    negative_prompt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"prompt": self.prompt, "count": self.count}
        for key in ("size", "seed", "model", "negative_prompt"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ImageRequest | None:
        if not isinstance(data, dict):
            return None
        prompt = data.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return None
        count = _int(data.get("count")) or 1
        return cls(
            prompt=strip_control(prompt),
            size=_line(data.get("size")),
            count=max(1, min(MAX_IMAGE_COUNT, count)),
            seed=_int(data.get("seed")),
            model=_line(data.get("model")),
            negative_prompt=strip_control(data["negative_prompt"])
            if isinstance(data.get("negative_prompt"), str)
            else None,
        )


@dataclass(frozen=True)
class GeneratedImage:
    """One image an `/image` turn produced, downloaded and written under the data dir."""

    id: str
    file: str
    """Relative to the data directory, with "/" separators: `images/<session>/<id>.png`."""
    model: str
    prompt: str
    """The prompt sent (the request's)."""
    size: str | None = None
    """"WIDTHxHEIGHT" as generated (read from the file when the provider does not say)."""
    seed: int | None = None
    revised_prompt: str | None = None
    """The prompt the provider actually used, when it rewrote it (OpenAI, DashScope)."""
    mime: str = "image/png"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "model": self.model,
            "prompt": self.prompt,
            "mime": self.mime,
        }
        for key in ("size", "seed", "revised_prompt"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: Any) -> GeneratedImage | None:
        """None for an entry that is not a safe, well-formed image record (a hostile file
        cannot point `file` outside the images folder)."""
        if not isinstance(data, dict):
            return None
        image_id = _line(data.get("id"))
        file = data.get("file")
        if not image_id or not isinstance(file, str) or not is_safe_image_path(file):
            return None
        revised = data.get("revised_prompt")
        return cls(
            id=image_id,
            file=file,
            model=_line(data.get("model")) or "",
            prompt=strip_control(data["prompt"]) if isinstance(data.get("prompt"), str) else "",
            size=_line(data.get("size")),
            seed=_int(data.get("seed")),
            revised_prompt=strip_control(revised) if isinstance(revised, str) else None,
            mime=_line(data.get("mime")) or "image/png",
        )


@dataclass(frozen=True)
class ImageTask:
    """A provider-side task being polled (ModelScope, DashScope's asynchronous API). Kept on
    the reply while it runs, so a restart polls the same task instead of paying twice."""

    task_id: str
    provider: str
    model: str
    started_at: float
    status: str = ""
    """The provider's last word on it ("PENDING", "RUNNING"), shown on the card."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "provider": self.provider,
            "model": self.model,
            "started_at": self.started_at,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ImageTask | None:
        if not isinstance(data, dict):
            return None
        task_id = _line(data.get("task_id"))
        provider = _line(data.get("provider"))
        started = data.get("started_at")
        if not task_id or not provider or not isinstance(started, int | float):
            return None
        return cls(
            task_id=task_id,
            provider=provider,
            model=_line(data.get("model")) or "",
            started_at=float(started),
            status=_line(data.get("status")) or "",
        )


def image_relative_path(session_id: str, image_id: str, extension: str = ".png") -> str:
    """Where an image of a session is kept, relative to the data directory."""
    return f"{IMAGES_DIR}/{session_id}/{image_id}{extension}"


def is_safe_image_path(file: str) -> bool:
    """A relative `images/<session>/<name>` path with no `..`, no absolute part, no
    backslash and no control character."""
    if not file or "\\" in file or strip_control(file) != file or "\n" in file:
        return False
    path = PurePosixPath(file)
    parts = path.parts
    return (
        not path.is_absolute()
        and len(parts) == 3
        and parts[0] == IMAGES_DIR
        and all(part not in ("", ".", "..") for part in parts)
    )


def _line(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return single_line(value).strip() or None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
