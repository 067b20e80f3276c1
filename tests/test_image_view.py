"""Images in the conversation (Pilot): a generated image from the session file, its
missing file, Enter to the system viewer (or where the file is), attachment thumbnails,
`display = "off"`, the `/image` question's label and the progress API of the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import notices, wait_until
from image_parts import images_app, png_bytes, seed_image_session
from sse_server import FakeOpenAIServer

from tui_chat.core.images import GeneratedImage, image_relative_path
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.services.terminal_graphics import TerminalGraphics
from tui_chat.ui.widgets.image_reply import AttachmentThumbnails, ImageReply, progress_line
from tui_chat.ui.widgets.image_view import ImageView
from tui_chat.ui.widgets.messages import AssistantMessage, UserMessage

SIZE = (100, 40)


def app_for(tmp_path: Path, server: FakeOpenAIServer, display: str = "halfblock"):
    return images_app(tmp_path, server, display)


def views(app) -> list[ImageView]:
    return list(app.screen.query(ImageView))


def line_of(view: ImageView) -> str:
    return str(view.query_one(".image-line").render())


async def test_a_generated_image_is_drawn_with_half_blocks(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        seed_image_session(tmp_path)
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: any(v.picture is not None for v in views(app)))
            await pilot.pause()
            (view,) = views(app)
            assert type(view.picture).__name__ == "HalfcellImage"
            assert view.picture.is_attached
            columns, rows = view.cells
            assert columns == view.content_region.width  # as wide as the conversation
            assert 0 < rows <= int(app.screen.size.height * 0.6)
            assert view.picture.size.height == rows
            caption = str(view.query_one(".image-caption").render())
            assert "cogview-4 · 1024x1024 · seed 7" in caption
            assert "revised prompt: Four coloured squares" in caption
            reply = app.screen.query_one(AssistantMessage)
            assert reply.images.display and not reply.images.progress.display
            assert not reply.query_one(".note").display  # no "no answer" warning
            label = str(app.screen.query(UserMessage)[-1].text.render())
            assert label.splitlines()[0] == "/image · 1024x1024 · ×2 · seed 7"


async def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        _, image = seed_image_session(tmp_path, write_file=False)
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(
                pilot, lambda: bool(views(app)) and "missing" in line_of(views(app)[0])
            )
            assert line_of(views(app)[0]) == f"image file missing: {image.file}"
            assert views(app)[0].picture is None


async def test_a_file_that_is_not_an_image_is_one_line(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        _, image = seed_image_session(tmp_path)
        (tmp_path / "data" / image.file).write_bytes(b"\x89PNG\r\n\x1a\n not really")
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(
                pilot, lambda: bool(views(app)) and "unreadable" in line_of(views(app)[0])
            )
            assert line_of(views(app)[0]) == f"[image: {image.file}] (unreadable)"


async def test_display_off_shows_a_line(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        _, image = seed_image_session(tmp_path)
        app = app_for(tmp_path, server, display="off")
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: bool(views(app)) and line_of(views(app)[0]) != "")
            assert line_of(views(app)[0]) == f"[image: {image.file}]"
            await pilot.pause()
            assert views(app)[0].picture is None


def fake_viewer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `xdg-open` first on PATH that writes its argument to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "opened.txt"
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    return record


async def test_enter_opens_the_image_in_the_viewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = fake_viewer(tmp_path, monkeypatch)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr("sys.platform", "linux")
    with FakeOpenAIServer() as server:
        _, image = seed_image_session(tmp_path)
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: any(v.picture is not None for v in views(app)))
            views(app)[0].focus()
            await pilot.press("enter")
            await wait_until(pilot, record.exists)
            await wait_until(pilot, lambda: record.read_text(encoding="utf-8") != "")
            expected = (tmp_path / "data" / image.file).resolve()
            assert record.read_text(encoding="utf-8") == str(expected)
            assert not [n for n in notices(app) if "viewer" in n]


async def test_without_a_viewer_a_notice_says_where_the_file_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = fake_viewer(tmp_path, monkeypatch)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with FakeOpenAIServer() as server:
        _, image = seed_image_session(tmp_path)
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: bool(views(app)))
            views(app)[0].focus()
            await pilot.press("enter")
            expected = (tmp_path / "data" / image.file).resolve()
            await wait_until(pilot, lambda: any(str(expected) in n for n in notices(app)))
            assert not record.exists()


async def test_attachments_show_as_thumbnails(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(64, 64))
    url = "https://example.com/cat.jpg"
    with FakeOpenAIServer() as server:
        seed_image_session(tmp_path, attachments=[str(photo), url])
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: len(app.screen.query(UserMessage)) == 2)
            question = app.screen.query(UserMessage)[0]
            (thumbnails,) = question.query(AttachmentThumbnails)
            await wait_until(
                pilot, lambda: all(v.picture is not None for v in thumbnails.query(ImageView))
            )
            (thumb,) = thumbnails.query(ImageView)
            assert thumb.file == photo and thumb.cells[1] <= 8
            assert "[image: photo.png]  [image: cat.jpg]" in str(question.text.render())


async def test_the_job_runner_api_progress_then_images(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        session, _ = seed_image_session(tmp_path)
        app = app_for(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: bool(app.screen.query(AssistantMessage)))
            reply = app.screen.query_one(AssistantMessage)
            message = reply.message
            message.status = "streaming"
            line = progress_line(
                count=2, model="cogview-4", size="1024x1024", seconds=12.4,
                status="RUNNING", polls=3,
            )
            assert line == (
                "◌ Generating 2 images · cogview-4 · 1024x1024 · 12 s · RUNNING (poll 3)"
                " · Esc stops"
            )
            reply.show_image_progress(line)
            images: ImageReply = reply.images
            assert images.progress.display and str(images.progress.render()) == line
            data = tmp_path / "data"
            ImageFiles(data).write(session.id, "img2", png_bytes(32, 32), "image/png")
            message.images.append(
                GeneratedImage("img2", image_relative_path(session.id, "img2"), "m", "p")
            )
            reply.refresh_images()
            reply.refresh_images()  # each image is shown once
            await wait_until(pilot, lambda: len(views(app)) == 2)
            message.status = "complete"
            reply.refresh_note()
            assert not images.progress.display
            reply.show_image_progress("late")  # after the end: stays hidden
            assert not images.progress.display


async def test_inside_tmux_the_advice_is_given_once(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        seed_image_session(tmp_path, attachments=[str(tmp_path / "data" / "none.png")])
        app = app_for(tmp_path, server)
        app.graphics = TerminalGraphics("halfblock", tmux=True, better_outside=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: any(v.picture is not None for v in views(app)))
            reply = app.screen.query(AssistantMessage)[-1]
            data = tmp_path / "data"
            session_id = reply.message.images[0].file.split("/")[1]
            ImageFiles(data).write(session_id, "img2", png_bytes(32, 32), "image/png")
            reply.message.images.append(
                GeneratedImage("img2", image_relative_path(session_id, "img2"), "m", "p")
            )
            reply.refresh_images()
            await wait_until(pilot, lambda: sum(v.picture is not None for v in views(app)) == 2)
            advice = [n for n in notices(app) if "tmux" in n]
            assert len(advice) == 1 and "set -g allow-passthrough on" in advice[0]
