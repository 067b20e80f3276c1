"""A session with a huge message (a pasted log of megabytes): it is listed without parsing
its messages, and shown in part with a "show all" that pages the whole text."""

from __future__ import annotations

import json
import threading
import tracemalloc
from pathlib import Path

from app_harness import make_app, screen_text, wait_until

from tui_chat.core.session import Message, Session
from tui_chat.core.store.peek import PEEK_MIN_BYTES
from tui_chat.core.store.session_store import SessionStore, SessionSummary
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.message_modals import SelectTextScreen
from tui_chat.ui.widgets.huge_text import PART_CHARS, TextPager
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView, UserMessage

STARTUP_WORKERS = ("search index", "purge trash", "check sessions")

LOG_LINE = "2025-01-01 12:00:00 INFO a line of a long pasted log, 0123456789 abcdef\n"


def new_store(tmp_path: Path) -> SessionStore:
    data = tmp_path / "data"
    return SessionStore(data / "sessions", data / "session-index.json")


def huge_log(size: int, last_line: str) -> str:
    return LOG_LINE * (size // len(LOG_LINE)) + last_line


def save_huge_session(tmp_path: Path, size: int = 3_000_000) -> Session:
    """A session whose newest messages are a huge pasted log and a huge reply, with an
    edited (forked) question before them and the store's `pinned` key."""
    store = new_store(tmp_path)
    session = Session(provider="local", model="test-model", id="hugelogshuge")
    session.title, session.title_is_custom = "Log 日志 review", True
    first = session.add(Message(role="user", content="first question"))
    session.add(Message(role="assistant", content="first answer"))
    session.fork(first, "first question, edited")
    session.add(Message(role="assistant", content="edited answer"))
    session.add(Message(role="user", content="Look at this:\n" + huge_log(size, "LAST LOG LINE")))
    session.add(
        Message(role="assistant", content="## Findings\n\n" + huge_log(size, "END OF REPLY"))
    )
    store.set_meta(session.id, pinned=True)
    store.save(session)
    store.close()
    return session


def test_a_big_file_is_listed_without_parsing_its_messages(tmp_path: Path) -> None:
    session = save_huge_session(tmp_path)
    path = tmp_path / "data" / "sessions" / "hugelogshuge.json"
    size = path.stat().st_size
    assert size > PEEK_MIN_BYTES
    (tmp_path / "data" / "session-index.json").unlink()  # no index: every file is read

    store = new_store(tmp_path)
    tracemalloc.start()
    try:
        summaries, problems = store.list_sessions()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problems == []
    assert summaries == [SessionSummary.of(session, pinned=True)]
    assert summaries[0].message_count == 4  # the current path, not every branch
    # Parsing the file takes about three times its size; the summary fields a fraction.
    assert peak < size / 4
    assert store.is_pinned("hugelogshuge")
    assert store.load("hugelogshuge").messages[-1].content.endswith("END OF REPLY")


def test_a_big_file_not_laid_out_as_the_app_writes_is_parsed_or_reported(
    tmp_path: Path,
) -> None:
    """A hand-made big file (compact JSON) is parsed whole; a broken one is reported."""
    session = save_huge_session(tmp_path)
    sessions = tmp_path / "data" / "sessions"
    data = json.loads((sessions / "hugelogshuge.json").read_text("utf-8"))
    data["id"] = "compactcompa"
    (sessions / "compactcompa.json").write_text(json.dumps(data), "utf-8")
    text = (sessions / "hugelogshuge.json").read_text("utf-8")
    cut = text.index('"id"', len(text) // 2)
    (sessions / "brokenbroken.json").write_text(text[:cut] + text[cut + 3 :], "utf-8")

    summaries, problems = new_store(tmp_path).list_sessions()
    expected = SessionSummary.of(session, pinned=True)
    assert sorted(summaries, key=lambda s: s.id) == [
        SessionSummary(**{**expected.__dict__, "id": "compactcompa"}),
        expected,
    ]
    assert [p.path.name for p in problems] == ["brokenbroken.json"]
    assert "not valid JSON" in problems[0].problem


async def test_a_huge_message_shows_its_start_and_show_all_pages_it(tmp_path: Path) -> None:
    session = save_huge_session(tmp_path)
    app = make_app(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "Findings" in screen_text(app))
        view = app.screen.query_one(MessageView)
        user = view.message_widget(session.messages[-2].id)
        reply = view.message_widget(session.messages[-1].id)
        assert isinstance(user, UserMessage) and isinstance(reply, AssistantMessage)
        # Only the start is laid out: the rest of the megabytes never reach a widget.
        assert len(str(user.text.render())) < PART_CHARS + 200
        assert len(reply.body.source) <= PART_CHARS
        assert "LAST LOG LINE" not in str(user.text.render())
        assert "END OF REPLY" not in reply.body.source
        text = screen_text(app)
        assert "show all (3.0 MB)" in text

        # "show all" under the reply opens the whole reply, paged.
        line = reply.query_one(".show-all")
        view.scroll_to_widget(line, animate=False)
        await pilot.pause()
        await pilot.click(line, offset=(30, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, SelectTextScreen))
        pager = app.screen.query_one(TextPager)
        assert pager.has_focus
        await pilot.press("end")
        await wait_until(pilot, lambda: pager.scroll_y > 0)
        await pilot.pause()
        shown = [pager.row_text(int(pager.scroll_y) + y) for y in range(pager.size.height)]
        assert "END OF REPLY" in shown
        await pilot.press("y")
        assert app.clipboard == session.messages[-1].content
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SelectTextScreen))

        # The huge question: Alt+V (select text) pages it too, where a TextArea would wrap
        # all of it first.
        user.focus()
        await wait_until(pilot, lambda: user.has_class("-selected"))
        await pilot.press("alt+v")
        await wait_until(pilot, lambda: isinstance(app.screen, SelectTextScreen))
        pager = app.screen.query_one(TextPager)
        assert pager.row_text(0) == "Look at this:"
        assert pager.row_count >= 3_000_000 // len(LOG_LINE)


def background_work(app: TuiChatApp) -> list[str]:
    """The app's start-up work still running in other threads: its thread workers and the
    warm-up thread."""
    running = [w.name for w in app.workers if w.name in STARTUP_WORKERS and not w.is_finished]
    warming = [t.name for t in threading.enumerate() if t.name == "tui-chat warm-up"]
    return running + warming


async def test_find_counts_millions_of_occurrences_without_an_object_each(
    tmp_path: Path,
) -> None:
    """A common letter occurs a million times in a pasted log: find counts them per message
    (one object per occurrence took seconds and hundreds of MB on each key)."""
    from tui_chat.ui.widgets.find_bar import FindBar

    session = save_huge_session(tmp_path, size=6_000_000)
    expected = sum(m.content.lower().count("a") for m in session.messages)
    assert expected > 500_000
    app = make_app(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "Findings" in screen_text(app))
        await pilot.press("ctrl+f")
        bar = app.screen.query_one(FindBar)  # mounted by Ctrl+F
        # tracemalloc counts every thread: let the start-up work in the background (the
        # search index reading this 6 MB session, the warm-up) end before measuring find.
        search_ready = app.store.search.ready
        await wait_until(pilot, lambda: search_ready.is_set() and not background_work(app))
        tracemalloc.start()
        try:
            bar.input.value = "A"
            await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) != "")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert str(bar.query_one("#find-count").render()) == f"{expected}/{expected}"
        assert peak < 20_000_000
        await pilot.press("enter")  # wraps to the first occurrence, far above
        await wait_until(
            pilot, lambda: str(bar.query_one("#find-count").render()) == "1/" + str(expected)
        )
        current = app.screen.query_one(".-find-current")
        assert current.message.content == "edited answer"
        await pilot.press("shift+enter")
        await wait_until(
            pilot, lambda: str(bar.query_one("#find-count").render()).startswith(f"{expected}/")
        )
