"""Pilot tests of the session search box and its results (issue 14, items 6 and 13): Esc in
the box clears the search; opening a result leaves the focus in the prompt; results show the
current titles; sessions that another process writes or removes (`tui-chat import`) reach
the sidebar and the search while the app runs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_harness import make_app, wait_until, write_config
from session_parts import save_session
from sse_server import Script
from textual.widgets import Input

import tui_chat
import tui_chat.ui.widgets.sidebar as sidebar_module
from tui_chat.ui.screens.session_dialogs import RenameScreen
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import SearchResults, SessionSearchInput

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _fast_folder_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidebar_module, "SESSIONS_POLL_SECONDS", 0.1)


def saved(tmp_path: Path, session_id: str, title: str, text: str, updated_at: float) -> None:
    """A session file written as the app (or another tui-chat) writes them."""
    ids = [f"{session_id}-u", f"{session_id}-a"]
    save_session(tmp_path, session_id, title, [text, "ok"], updated_at, ids)


def three_sessions(tmp_path: Path) -> None:
    now = time.time()
    saved(tmp_path, "aaaaaaaaaaaa", "Alpha talk", "we talk about apples", now - 30)
    saved(tmp_path, "bbbbbbbbbbbb", "Beta talk", "we talk about bananas", now - 20)
    saved(tmp_path, "cccccccccccc", "Gamma talk", "we talk about cherries", now - 10)


def titles(app) -> list[str]:
    return [item.title for item in app.screen.query_one(SessionList).items]


def result_titles(app) -> list[str]:
    """The sessions' title rows of the results (each followed by its matches' rows)."""
    results = app.screen.query_one(SearchResults)
    options = [results.get_option_at_index(i) for i in range(results.option_count)]
    return [str(option.prompt) for option in options if option.disabled]


def sidebar_title(app) -> str:
    return str(app.screen.query_one("#sidebar-title").render())


async def search(pilot, app, query: str, count: int) -> SearchResults:
    """Alt+S, type `query`, wait for results from `count` sessions on screen."""
    await pilot.press("alt+s", *query)
    results = app.screen.query_one(SearchResults)
    await wait_until(pilot, lambda: results.display and len(result_titles(app)) == count)
    return results


async def test_escape_in_the_search_box_clears_the_search(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        results = await search(pilot, app, "banana", 1)
        box = app.screen.query_one(SessionSearchInput)
        assert box.has_focus and box.value == "banana"
        assert not app.screen.query_one(SessionList).display
        await pilot.press("escape")
        await wait_until(pilot, lambda: box.value == "")
        assert not results.display
        assert app.screen.query_one(SessionList).display
        assert sidebar_title(app) == "Sessions (3)"
        assert app.screen.prompt.has_focus
        await pilot.press("h", "i")
        assert app.screen.prompt.text == "hi"


async def test_opening_a_result_leaves_the_focus_in_the_prompt(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.session.id == "cccccccccccc"
        results = await search(pilot, app, "bananas", 1)
        await pilot.press("down")
        assert results.has_focus
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.session.id == "bbbbbbbbbbbb")
        assert app.screen.prompt.has_focus
        await pilot.press(*"more about bananas")
        assert app.screen.prompt.text == "more about bananas"
        assert results.display  # the results stay, for the next one

        # Enter in the box goes to the results, Enter there opens one.
        app.screen.prompt.clear()
        await pilot.press("alt+s", "ctrl+a", "ctrl+k", *"apples")
        await wait_until(pilot, lambda: result_titles(app) == ["Alpha talk"])
        await pilot.press("enter")
        assert results.has_focus
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.session.id == "aaaaaaaaaaaa")
        assert app.screen.prompt.has_focus
        await pilot.press("o", "k")
        assert app.screen.prompt.text == "ok"


async def test_results_show_the_title_after_a_rename(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    config = write_config(tmp_path / "config" / "config.toml", server.base_url)
    # The held reply stays live until Esc, not until the read timeout.
    config.write_text(config.read_text("utf-8").replace("timeout = 5", "timeout = 120"), "utf-8")
    server.enqueue(Script(content=["Still ", "typing"], hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await search(pilot, app, "talk about", 3)
        assert result_titles(app) == ["Gamma talk", "Beta talk", "Alpha talk"]
        await pilot.press("down", "down", "enter")  # Beta
        await wait_until(pilot, lambda: app.screen.session.id == "bbbbbbbbbbbb")
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        app.screen.query_one(Input).value = "Bananas and more"
        await pilot.press("enter")
        # Renamed is newer: first, with its new title; the highlight stays on it.
        await wait_until(
            pilot, lambda: result_titles(app) == ["Bananas and more", "Gamma talk", "Alpha talk"]
        )
        results = app.screen.query_one(SearchResults)
        assert results.highlighted_hit.session_id == "bbbbbbbbbbbb"
        assert "Beta talk" not in "\n".join(result_titles(app))

        # Renamed while its reply streams (saved with the reply): the results say so too.
        app.screen.prompt.focus()
        app.screen.prompt.insert("and cherries?")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.replies.live))
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        app.screen.query_one(Input).value = "Streaming bananas"
        await pilot.press("enter")
        await wait_until(pilot, lambda: result_titles(app)[0] == "Streaming bananas")
        assert app.replies.is_streaming("bbbbbbbbbbbb")  # not saved yet: shown all the same
        await pilot.press("escape")  # stops the reply
        await wait_until(pilot, lambda: not app.replies.live)
    data = json.loads((tmp_path / "data" / "sessions" / "bbbbbbbbbbbb.json").read_text("utf-8"))
    assert data["title"] == "Streaming bananas"


def chatgpt_export(path: Path) -> Path:
    """One conversation, as a ChatGPT data export has it."""

    def node(node_id: str, parent: str | None, role: str | None, text: str, children: list):
        message = None
        if role is not None:
            message = {
                "id": node_id,
                "author": {"role": role},
                "create_time": time.time() - 5,
                "content": {"content_type": "text", "parts": [text]},
                "metadata": {},
            }
        return {"id": node_id, "message": message, "parent": parent, "children": children}

    conversation = {
        "title": "量子计算入门",
        "conversation_id": "conv-quantum",
        "create_time": time.time() - 60,
        "update_time": time.time() - 5,
        "current_node": "a1",
        "mapping": {
            "root": node("root", None, None, "", ["u1"]),
            "u1": node("u1", "root", "user", "什么是量子比特？", ["a1"]),
            "a1": node("a1", "u1", "assistant", "量子比特是量子信息的基本单位。", []),
        },
    }
    path.write_text(json.dumps([conversation]), encoding="utf-8")
    return path


async def test_sessions_written_by_another_process_appear_while_the_app_runs(
    tmp_path: Path, server
) -> None:
    three_sessions(tmp_path)
    source = chatgpt_export(tmp_path / "conversations.json")
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        results = await search(pilot, app, "量子比特", 0)
        await wait_until(pilot, lambda: "nothing found" in sidebar_title(app))

        # `tui-chat import` in another process, while the search is on screen.
        root = str(Path(tui_chat.__file__).parent.parent)
        env = {**os.environ, "PYTHONPATH": root}
        command = [
            sys.executable,
            "-m",
            "tui_chat",
            "--config",
            str(tmp_path / "config" / "config.toml"),
            "--data-dir",
            str(tmp_path / "data"),
            "import",
            str(source),
        ]
        done = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "1 imported" in done.stdout
        await wait_until(pilot, lambda: result_titles(app) == ["量子计算入门"])
        assert "in 1 session" in sidebar_title(app)
        assert "量子比特" in str(results.get_option_at_index(1).prompt)

        # Esc: the list, with the imported session in it.
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.query_one(SessionList).display)
        assert titles(app) == ["量子计算入门", "Gamma talk", "Beta talk", "Alpha talk"]
        assert sidebar_title(app) == "Sessions (4)"

        # Removed by another process: off the list; the cursor stays on its session.
        await pilot.press("ctrl+s", "end")
        sidebar = app.screen.query_one(SessionList)
        assert sidebar.cursor_id == "aaaaaaaaaaaa"
        (tmp_path / "data" / "sessions" / "bbbbbbbbbbbb.json").unlink()
        await wait_until(pilot, lambda: "Beta talk" not in titles(app))
        assert sidebar.cursor_id == "aaaaaaaaaaaa"
        assert sidebar_title(app) == "Sessions (3)"

        # Rewritten by another process (a rename elsewhere): the new title, in the search too.
        saved(tmp_path, "aaaaaaaaaaaa", "Apples elsewhere", "we talk about apples", time.time())
        await wait_until(pilot, lambda: titles(app)[0] == "Apples elsewhere")
        assert sidebar.cursor_id == "aaaaaaaaaaaa"
        app.screen.prompt.focus()
        await search(pilot, app, "elsewhere", 1)
        assert result_titles(app) == ["Apples elsewhere"]
        await pilot.press("ctrl+a", "ctrl+k", *"bananas")
        await wait_until(pilot, lambda: "nothing found" in sidebar_title(app))

        # The imported session opens from the list.
        await pilot.press("escape")
        assert titles(app) == ["Apples elsewhere", "量子计算入门", "Gamma talk"]
        await pilot.press("ctrl+s", "home", "down", "enter")
        await wait_until(pilot, lambda: app.screen.session.title == "量子计算入门")
        assert app.screen.prompt.has_focus
