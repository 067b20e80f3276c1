"""Pilot tests of the attach dialog (Ctrl+O; issue 14, item 14): Esc closes it and keeps the
images it lists (it threw them away, unsaid); Done attaches what is typed and closes; the
dialog says which; a typed path that Esc leaves unattached is said."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, read_only_session, wait_for_replies, wait_until
from sse_server import Script
from textual.widgets import Input

from tui_chat.ui.render.probes import notifications
from tui_chat.ui.screens.message_modals import AttachScreen

SIZE = (80, 24)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def open_dialog(pilot, app) -> Input:
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, AttachScreen))
    return app.screen.query_one("#attach-input", Input)


async def test_escape_keeps_the_images_attached_in_the_dialog(tmp_path: Path, server) -> None:
    cat, dog = tmp_path / "cat.png", tmp_path / "dog.png"
    cat.write_bytes(PNG)
    dog.write_bytes(PNG)
    server.enqueue(Script(content=["Two pets."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.screen.prompt
        prompt.insert("What are these?")
        field = await open_dialog(pilot, app)
        hint = text_of(app, "#attach-hint")
        assert "Esc closes" in hint and "stay attached" in hint and "Done" in hint
        field.value = str(cat)
        await pilot.press("enter")
        assert "[image: cat.png]" in text_of(app, "#attach-list")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        assert "[image: cat.png]" in text_of(app, "#prompt-info")
        assert prompt.has_focus and prompt.text == "What are these?"

        # Done attaches what is typed, and closes.
        field = await open_dialog(pilot, app)
        assert "[image: cat.png]" in text_of(app, "#attach-list")
        field.value = str(dog)
        await pilot.click("#done")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        info = text_of(app, "#prompt-info")
        assert "[image: cat.png]" in info and "[image: dog.png]" in info

        # Esc with a path typed but not attached: closed, the others kept, the path said.
        field = await open_dialog(pilot, app)
        field.value = str(tmp_path / "bird.png")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        await wait_until(
            pilot, lambda: any("bird.png" in str(n.message) for n in notifications(app))
        )
        notice = next(n for n in notifications(app) if "bird.png" in str(n.message))
        assert "Not attached" in str(notice.message)
        info = text_of(app, "#prompt-info")
        assert "dog.png" in info and "bird.png" not in info

        prompt.focus()
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
    data = read_only_session(tmp_path)
    assert data["messages"][0]["attachments"] == [str(cat), str(dog)]
    sent = server.requests[-1]["json"]["messages"][-1]["content"]
    assert [part["type"] for part in sent] == ["text", "image_url", "image_url"]


async def test_remove_all_then_escape_removes_them(tmp_path: Path, server) -> None:
    cat = tmp_path / "cat.png"
    cat.write_bytes(PNG)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        field = await open_dialog(pilot, app)
        field.value = str(cat)
        await pilot.press("enter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        assert "[image: cat.png]" in text_of(app, "#prompt-info")
        await open_dialog(pilot, app)
        await pilot.click("#clear")
        assert "Nothing attached" in text_of(app, "#attach-list")
        await pilot.press("escape")  # closes with what the dialog shows: nothing
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        assert not app.screen.query_one("#prompt-info").display
