"""Image attachments: checks, content parts, and what reaches the server through the real
provider (openai SDK over HTTP to the local SSE server)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.attachments import (
    MAX_IMAGE_BYTES,
    AttachmentError,
    check_reference,
    display_name,
    message_payload,
)
from tui_chat.core.session import Message, Session
from tui_chat.providers.events import ChatRequest, TextDelta
from tui_chat.providers.openai_compat import NO_RETRY, OpenAICompatibleProvider

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def image(tmp_path: Path, name: str = "cat.png", data: bytes = PNG) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_plain_message_payload_is_text() -> None:
    assert message_payload(Message(role="user", content="hi")) == {"role": "user", "content": "hi"}


def test_payload_with_file_and_url(tmp_path: Path) -> None:
    path = image(tmp_path)
    url = "https://example.com/pics/dog.jpg?size=2"
    payload = message_payload(
        Message(role="user", content="What is this?", attachments=[str(path), url])
    )
    assert payload["role"] == "user"
    text, local, remote = payload["content"]
    assert text == {"type": "text", "text": "What is this?"}
    assert local["type"] == "image_url"
    prefix = "data:image/png;base64,"
    assert local["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(local["image_url"]["url"][len(prefix) :]) == PNG
    assert remote == {"type": "image_url", "image_url": {"url": url}}
    assert display_name(url) == "dog.jpg" and display_name(str(path)) == "cat.png"


def test_vanished_file_is_a_clear_error(tmp_path: Path) -> None:
    path = image(tmp_path)
    message = Message(role="user", content="q", attachments=[str(path)])
    path.unlink()
    with pytest.raises(AttachmentError, match=r"cat\.png: no such file"):
        message_payload(message)
    assert message_payload(message, missing="note")["content"] == [
        {"type": "text", "text": "q"},
        {"type": "text", "text": "[image not available: cat.png]"},
    ]


def test_check_reference_rejects_bad_files(tmp_path: Path) -> None:
    assert check_reference(str(image(tmp_path))) == str(tmp_path / "cat.png")
    assert check_reference("cat.png", base=tmp_path) == str(tmp_path / "cat.png")
    assert check_reference(f"'{tmp_path / 'cat.png'}'") == str(tmp_path / "cat.png")
    assert check_reference("https://x.org/a.png") == "https://x.org/a.png"
    with pytest.raises(AttachmentError, match="not an image file"):
        check_reference(str(image(tmp_path, "notes.txt", b"hello")))
    with pytest.raises(AttachmentError, match="contents are not"):
        check_reference(str(image(tmp_path, "fake.png", b"hello")))
    with pytest.raises(AttachmentError, match="no such file"):
        check_reference(str(tmp_path / "missing.png"))
    with pytest.raises(AttachmentError, match="data: URL"):
        check_reference("data:image/png;base64,AAAA")
    with pytest.raises(AttachmentError, match="Only http"):
        check_reference("ftp://x.org/a.png")
    big = tmp_path / "big.png"
    with big.open("wb") as f:
        f.write(PNG)
        f.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(AttachmentError, match="MB"):
        check_reference(str(big))


def test_session_file_keeps_only_the_path(tmp_path: Path) -> None:
    path = image(tmp_path)
    session = Session()
    session.add(Message(role="user", content="see", attachments=[str(path)]))
    text = json.dumps(session.to_dict())
    assert str(path) in text
    assert base64.b64encode(PNG).decode() not in text


async def test_image_reaches_server_as_image_url_part(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    path = image(tmp_path, "photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16)
    session = Session(provider="t", model="test-model")
    session.add(Message(role="user", content="Describe it", attachments=[str(path)]))
    messages = [message_payload(m) for m in session.messages]
    provider = OpenAICompatibleProvider(
        ProviderConfig(
            name="t",
            base_url=server.base_url,
            api_key_env=None,
            timeout=5.0,
            models=("test-model",),
        ),
        api_key="sk-test",
        retry=NO_RETRY,
    )
    server.enqueue(Script(content=["A photo."]))
    try:
        events = [e async for e in provider.stream(ChatRequest("test-model", messages))]
    finally:
        await provider.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "A photo."
    sent = server.requests[-1]["json"]["messages"]
    assert sent[0]["role"] == "user"
    text, picture = sent[0]["content"]
    assert text == {"type": "text", "text": "Describe it"}
    assert picture["type"] == "image_url"
    assert picture["image_url"]["url"].startswith("data:image/jpeg;base64,")
