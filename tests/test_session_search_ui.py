"""Pilot tests of the session search box and its results (issue 14, items 6 and 13): Esc in
the box clears the search; opening a result leaves the focus in the prompt."""

from __future__ import annotations

import time
from pathlib import Path

from app_harness import make_app, wait_until

from tui_chat.session import Message, Session
from tui_chat.store import SessionStore
from tui_chat.widgets.session_list import SessionList
from tui_chat.widgets.session_search import SearchResults, SessionSearchInput

SIZE = (80, 24)


def store_of(tmp_path: Path) -> SessionStore:
    data = tmp_path / "data"
    return SessionStore(data / "sessions", data / "session-index.json")


def saved(tmp_path: Path, session_id: str, title: str, text: str, updated_at: float) -> None:
    """A session file written as the app (or another tui-chat) writes them."""
    store = store_of(tmp_path)
    session = Session(provider="local", model="test-model", id=session_id)
    session.messages.append(Message(role="user", content=text, id=f"{session_id}-u"))
    session.messages.append(Message(role="assistant", content="ok", id=f"{session_id}-a"))
    session.title = title
    session.title_is_custom = True
    session.created_at = updated_at - 100
    session.updated_at = updated_at
    store.save(session)
    store.close()


def three_sessions(tmp_path: Path) -> None:
    now = time.time()
    saved(tmp_path, "aaaaaaaaaaaa", "Alpha talk", "we talk about apples", now - 30)
    saved(tmp_path, "bbbbbbbbbbbb", "Beta talk", "we talk about bananas", now - 20)
    saved(tmp_path, "cccccccccccc", "Gamma talk", "we talk about cherries", now - 10)


def titles(app) -> list[str]:
    return [item.title for item in app.screen.query_one(SessionList).items]


def result_titles(app) -> list[str]:
    results = app.screen.query_one(SearchResults)
    return [
        str(results.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(results.option_count)
    ]


def sidebar_title(app) -> str:
    return str(app.screen.query_one("#sidebar-title").render())


async def search(pilot, app, query: str, count: int) -> SearchResults:
    """Alt+S, type `query`, wait for `count` results on screen."""
    await pilot.press("alt+s", *query)
    results = app.screen.query_one(SearchResults)
    await wait_until(pilot, lambda: results.display and results.option_count == count)
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
