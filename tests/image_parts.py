"""Test helpers for images in the conversation: a small deterministic PNG, and a session
holding an `/image` turn (its file in the temporary data dir), as the job would leave it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app_harness import make_app, write_config
from sse_server import FakeOpenAIServer

from tui_chat.config.images_config import ImagesConfig
from tui_chat.core.images import GeneratedImage, ImageRequest, image_relative_path
from tui_chat.core.session import Message, Session
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.core.store.session_store import SessionStore
from tui_chat.services.terminal_graphics import detect_graphics
from tui_chat.ui.app import TuiChatApp

T0 = 1_735_700_000.0


def png_bytes(width: int = 96, height: int = 32) -> bytes:
    """A PNG of four colour quarters and a diagonal: the same bytes on every run."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height))
    quarters = [(220, 40, 40), (40, 180, 60), (40, 80, 220), (240, 200, 40)]
    for y in range(height):
        for x in range(width):
            quarter = (x >= width // 2) + 2 * (y >= height // 2)
            image.putpixel((x, y), (255, 255, 255) if x == y else quarters[quarter])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def images_app(tmp_path: Path, server: FakeOpenAIServer, display: str) -> TuiChatApp:
    """The app on the fake server with `[images] display` set, and the graphics the CLI
    would have detected for it off a terminal (the config has it, not the file: parsing
    `[images]` is the config's part)."""
    write_config(tmp_path / "config" / "config.toml", server.base_url)
    app = make_app(tmp_path, server)
    app.config = replace(app.config, images=ImagesConfig(display=display))
    app.graphics = detect_graphics(display, {}, None, None)
    return app


def seed_image_session(
    tmp_path: Path, *, write_file: bool = True, attachments: list[str] | None = None
) -> tuple[Session, GeneratedImage]:
    """A session whose one turn is `/image` (its reply holding one image) and, with
    `attachments`, a question before it that attached them."""
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    session = Session(provider="local", model="test-model", created_at=T0, title="Images")
    if attachments:
        session.add(
            Message(role="user", content="What is on it?", attachments=attachments, created_at=T0)
        )
        session.add(
            Message(
                role="assistant",
                content="Four squares.",
                created_at=T0 + 1,
                model="test-model",
                provider="local",
                finish_reason="stop",
            )
        )
    request = ImageRequest("four squares", size="1024x1024", count=2, seed=7)
    session.add(
        Message(role="user", content="four squares", image_request=request, created_at=T0 + 2)
    )
    image = GeneratedImage(
        id="img1",
        file=image_relative_path(session.id, "img1"),
        model="cogview-4",
        prompt="four squares",
        size="1024x1024",
        seed=7,
        revised_prompt="Four coloured squares and a white diagonal",
    )
    reply = Message(
        role="assistant",
        content="",
        created_at=T0 + 3,
        model="cogview-4",
        provider="local",
        images=[image],
    )
    session.add(reply)
    session.updated_at = T0 + 3
    if write_file:
        ImageFiles(data).write(session.id, "img1", png_bytes(), "image/png")
    store.save(session)
    store.close()
    return session, image
