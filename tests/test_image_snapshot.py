"""SVG snapshot of a generated image drawn with half-block cells (a small PNG the test
writes, the same bytes each run), its caption and the `/image` question's label."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_harness import wait_until
from image_parts import images_app, seed_image_session
from sse_server import FakeOpenAIServer

from tui_chat.ui.widgets.image_view import ImageView


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def image_app(tmp_path: Path):
    with FakeOpenAIServer() as server:
        seed_image_session(tmp_path)
        yield images_app(tmp_path, server, "halfblock")


def test_half_block_image(snap_compare, image_app) -> None:
    async def drawn(pilot) -> None:
        await wait_until(
            pilot, lambda: any(v.picture is not None for v in pilot.app.screen.query(ImageView))
        )
        await pilot.pause()

    assert snap_compare(image_app, terminal_size=(100, 34), run_before=drawn)
