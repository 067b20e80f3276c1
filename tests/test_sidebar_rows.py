"""Pilot tests of the sidebar's row operations on the last row (issue 14, item 1): pinning
the last session crashed the app (the cursor pointed one past the end of the list), taking
the text in the prompt with it. Every operation that moves, adds or removes rows keeps the
cursor on a row that exists, on the session it was on when that session is still listed."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app_harness import make_app, wait_until
from session_parts import save_titled
from textual.widgets import Input, OptionList

from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.session_dialogs import RenameScreen, TrashScreen
from tui_chat.ui.widgets.session_list import SessionList

SIZE = (80, 24)
TYPED = "words typed before touching the sidebar"


def three_sessions(tmp_path: Path) -> None:
    now = time.time()
    save_titled(tmp_path, "aaaaaaaaaaaa", "Alpha talk", now - 30)  # the oldest: the last row
    save_titled(tmp_path, "bbbbbbbbbbbb", "Beta talk", now - 20)
    save_titled(tmp_path, "cccccccccccc", "Gamma talk", now - 10)


def session_data(tmp_path: Path, session_id: str) -> dict:
    path = tmp_path / "data" / "sessions" / f"{session_id}.json"
    return json.loads(path.read_text("utf-8"))


def titles(app) -> list[str]:
    return [item.title for item in app.screen.query_one(SessionList).items]


def assert_cursor_on(app, session_id: str) -> None:
    sidebar = app.screen.query_one(SessionList)
    assert 0 <= sidebar.cursor < len(sidebar.items)
    assert sidebar.cursor_id == session_id
    assert sidebar.items[sidebar.cursor].id == session_id


async def test_pinning_the_last_session_keeps_the_app_and_the_prompt(
    tmp_path: Path, server
) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        prompt = app.screen.prompt
        prompt.insert(TYPED)
        await pilot.press("ctrl+s", "end")
        assert_cursor_on(app, "aaaaaaaaaaaa")
        await pilot.press("p")
        await wait_until(pilot, lambda: titles(app)[0] == "Alpha talk")
        assert titles(app) == ["Alpha talk", "Gamma talk", "Beta talk"]
        assert_cursor_on(app, "aaaaaaaaaaaa")  # the cursor followed the row
        sidebar = app.screen.query_one(SessionList)
        assert "★ Alpha talk" in sidebar.render_line(0).text
        assert session_data(tmp_path, "aaaaaaaaaaaa")["pinned"] is True

        # Unpinned, it goes back to the end, and the cursor with it.
        await pilot.press("p")
        await wait_until(pilot, lambda: titles(app)[-1] == "Alpha talk")
        assert_cursor_on(app, "aaaaaaaaaaaa")
        assert "pinned" not in session_data(tmp_path, "aaaaaaaaaaaa")
        # Pin it again from the last row, then the key on the next last row.
        await pilot.press("p")
        await wait_until(pilot, lambda: titles(app)[0] == "Alpha talk")
        await pilot.press("end", "p")
        # Pinned ones are newest first too: Beta is newer than Alpha.
        await wait_until(pilot, lambda: titles(app) == ["Beta talk", "Alpha talk", "Gamma talk"])
        assert_cursor_on(app, "bbbbbbbbbbbb")
        assert "★ Beta talk" in sidebar.render_line(0).text
        assert "★ Alpha talk" in sidebar.render_line(2).text

        assert app.is_running
        assert prompt.text == TYPED  # nothing typed was lost
        prompt.focus()
        await pilot.press("!")
        assert prompt.text == TYPED + "!"
    assert session_data(tmp_path, "bbbbbbbbbbbb")["pinned"] is True


async def test_rename_duplicate_delete_restore_on_the_last_row(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        prompt = app.screen.prompt
        prompt.insert(TYPED)
        sidebar = app.screen.query_one(SessionList)

        # Rename the last row: it becomes the newest, first; the cursor stays on it.
        await pilot.press("ctrl+s", "end", "r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        app.screen.query_one(Input).value = "Alpha renamed"
        await pilot.press("enter")
        await wait_until(pilot, lambda: titles(app)[0] == "Alpha renamed")
        assert_cursor_on(app, "aaaaaaaaaaaa")
        assert session_data(tmp_path, "aaaaaaaaaaaa")["title"] == "Alpha renamed"

        # Duplicate the last row (Beta now): the copy opens.
        await pilot.press("end")
        assert_cursor_on(app, "bbbbbbbbbbbb")
        await pilot.press("c")
        await wait_until(pilot, lambda: "Beta talk (copy)" in titles(app))
        copy_id = app.screen.session.id
        assert copy_id not in ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc")
        assert_cursor_on(app, copy_id)

        # Delete the last row: the cursor moves to the row that is now last.
        sidebar.focus()
        await pilot.press("end")
        assert_cursor_on(app, "bbbbbbbbbbbb")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: "Beta talk" not in titles(app))
        last = sidebar.items[-1].id
        assert_cursor_on(app, last)
        assert not (tmp_path / "data" / "sessions" / "bbbbbbbbbbbb.json").exists()
        # And the new last row again, down to one row.
        for _ in range(len(sidebar.items) - 1):
            await pilot.press("end", "d")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            count = len(sidebar.items)
            await pilot.press("y")
            await wait_until(pilot, lambda count=count: len(sidebar.items) == count - 1)
            assert_cursor_on(app, sidebar.items[-1].id)

        # Restore one from the trash: listed again, the cursor on a row that exists.
        await pilot.press("shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        assert app.screen.query_one(OptionList).option_count == 3
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(sidebar.items) == 2)
        assert 0 <= sidebar.cursor < 2
        sidebar.focus()
        await pilot.press("end", "p")
        await wait_until(pilot, lambda: sidebar.items[0].pinned)

        assert app.is_running
        assert prompt.text == TYPED
