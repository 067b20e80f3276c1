"""Images attached to user messages: checking them, and the content parts a request sends.

A session file keeps only the path or URL of an attachment. Local files are read when a
request is built and sent as base64 `data:` URLs in OpenAI-style `image_url` content parts;
URLs are passed on as they are (the provider fetches them).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from tui_chat.core.session import Message

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Larger files are refused: most providers reject requests of that size anyway."""

# Extension -> MIME type of the image formats vision models commonly accept.
IMAGE_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}


class AttachmentError(Exception):
    """An attachment cannot be used; the message says why, in plain words."""


def is_url(reference: str) -> bool:
    return reference.lower().startswith(("http://", "https://"))


def display_name(reference: str) -> str:
    """The short name shown in `[image: name]` chips and on the message."""
    if is_url(reference):
        tail = reference.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return tail or reference
    return Path(reference).name or reference


def check_reference(reference: str, base: Path | None = None) -> str:
    """Validate what the user typed as an attachment; returns what the session keeps
    (an absolute path, or the URL). Raises AttachmentError with a clear reason."""
    text = reference.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # a path pasted with quotes
    if not text:
        raise AttachmentError("Give a path to an image file or an http(s) URL.")
    if text.lower().startswith("data:"):
        raise AttachmentError("Attach the image file instead of a data: URL.")
    if is_url(text):
        return text
    if "://" in text:
        raise AttachmentError(f"Only http(s) URLs can be attached: {text}")
    path = Path(os.path.expanduser(text))
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    path = path.resolve()
    read_image(path)  # the same checks as at send time
    return str(path)


def read_image(path: Path) -> tuple[str, bytes]:
    """(MIME type, bytes) of an image file; AttachmentError when it is missing, unreadable,
    too large or not an image."""
    name = path.name
    if not path.exists():
        raise AttachmentError(f"{name}: no such file ({path}).")
    if not path.is_file():
        raise AttachmentError(f"{name}: not a file.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot read it ({exc.strerror or exc}).") from exc
    if size > MAX_IMAGE_BYTES:
        raise AttachmentError(
            f"{name} is {size / 1024 / 1024:.1f} MB; images over "
            f"{MAX_IMAGE_BYTES // 1024 // 1024} MB are not sent."
        )
    mime = IMAGE_TYPES.get(path.suffix.lower())
    if mime is None:
        known = ", ".join(sorted(IMAGE_TYPES))
        raise AttachmentError(f"{name}: not an image file ({known}).")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot read it ({exc.strerror or exc}).") from exc
    sniffed = sniff_image(data)
    if sniffed is None:
        raise AttachmentError(
            f"{name}: the file's contents are not the {mime} image its name says."
        )
    return sniffed, data


def sniff_image(data: bytes) -> str | None:
    """The MIME type from an image's first bytes; None when it is not a known image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"BM"):
        return "image/bmp"
    return None


def image_url(reference: str) -> str:
    """What goes into an `image_url` part: the URL, or the file as a data URL."""
    if is_url(reference):
        return reference
    mime, data = read_image(Path(reference))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def message_payload(
    message: Message, missing: Literal["raise", "note"] = "raise"
) -> dict[str, Any]:
    """The request form of `message` (see `payload`)."""
    return payload(message.role, message.content, message.attachments, missing)


def payload(
    role: str,
    content: str,
    attachments: Sequence[str],
    missing: Literal["raise", "note"] = "raise",
) -> dict[str, Any]:
    """Role and content, where content is the text, or, when there are attachments, a list
    of a text part and `image_url` parts.

    Files are read now (at send time). A file that vanished or changed raises
    AttachmentError (saying which and why); with `missing="note"` it becomes a text part
    `[image not available: NAME]` instead, so an old message whose file is gone does not
    block the rest of the conversation.
    """
    if not attachments:
        return {"role": role, "content": content}
    parts: list[dict[str, Any]] = []
    if content:
        parts.append({"type": "text", "text": content})
    for reference in attachments:
        try:
            url = image_url(reference)
        except AttachmentError:
            if missing == "raise":
                raise
            note = f"[image not available: {display_name(reference)}]"
            parts.append({"type": "text", "text": note})
            continue
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return {"role": role, "content": parts}
