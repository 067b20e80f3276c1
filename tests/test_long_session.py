"""A long session shows a window of its messages: the newest at first, a page more as the
user scrolls to either end, and a window around an old message that find or search jumps to."""

from __future__ import annotations

import json
from pathlib import Path

from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from textual.widgets import Button

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.ui.widgets.message_window import MAX_SHOWN
from tui_chat.ui.widgets.messages import MessageView


def save_long_session(tmp_path: Path, count: int) -> Session:
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    session = Session(provider="demo", model="demo")
    for n in range(count):
        if n % 2 == 0:
            session.add(Message(role="user", content=f"question {n}"))
        else:
            session.add(Message(role="assistant", content=f"Answer {n}.\n\n- one\n- two"))
    session.messages[-1].content += "\n\nTHE END"
    store.save(session)
    store.close()
    return session


def shown_ids(view: MessageView) -> list[str]:
    return [w.message.id for w in view.query(".message")]  # type: ignore[attr-defined]


async def test_long_session_opens_with_a_few_screens_then_loads_upwards(tmp_path: Path) -> None:
    session = save_long_session(tmp_path, 600)
    app = make_app(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.screen.query_one(MessageView)
        await wait_until(pilot, lambda: "THE END" in screen_text(app))
        first_ids = shown_ids(view)
        # The newest messages, in order, and far fewer than the session has.
        assert first_ids == [m.id for m in session.messages[-len(first_ids) :]]
        assert 2 <= len(first_ids) < 40
        assert view.earlier_count == 600 - len(first_ids)
        assert "earlier messages" in str(view.query_one("#earlier").label)

        # Scrolling to the top mounts the previous page above, and what was first on
        # screen stays where it was.
        first = next(w for w in view.query(".message") if w.message.id == first_ids[0])  # type: ignore[attr-defined]
        height = view.virtual_size.height
        view.scroll_home(animate=False, immediate=True)
        await wait_until(pilot, lambda: view.earlier_count < 600 - len(first_ids))
        more = shown_ids(view)
        assert more[-len(first_ids) :] == first_ids
        assert more == [m.id for m in session.messages[-len(more) :]]
        # Once the page above is laid out, the first message is still on screen, not
        # pushed down by it.
        await wait_until(
            pilot,
            lambda: view.virtual_size.height > height
            and view.region.y <= first.region.y < view.region.bottom,
        )

        await view.show_all()
        await pilot.pause()
        assert shown_ids(view) == [m.id for m in session.messages]
        assert view.earlier_count == 0
        assert not view.query("#earlier")


NEEDLE = "zebrafish"


def save_huge_session(tmp_path: Path, count: int) -> Session:
    """A `count`-message session (the oldest message holds NEEDLE) and a newer short one,
    which the app opens at start."""
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    # A model with a known context window of a million tokens: the whole session fits.
    session = Session(provider="local", model="gpt-4.1", id="hugehugehuge")
    for n in range(count):
        role = "user" if n % 2 == 0 else "assistant"
        text = f"question {n}" if role == "user" else f"Answer {n}.\n\n- one\n- two"
        session.messages.append(Message(role=role, content=text, id=f"m{n}"))
    session.messages[0].content = f"the first question, about the {NEEDLE}"
    session.title, session.title_is_custom = "Huge", True
    session.updated_at = session.created_at = 1_000_000
    store.save(session)
    short = Session(provider="local", model="test-model", id="shortshortsh")
    short.add(Message(role="user", content="hi"))
    short.add(Message(role="assistant", content="hello"))
    store.save(short)
    store.close()
    return session


def on_screen(view: MessageView, message_id: str) -> bool:
    widget = view.message_widget(message_id)
    return widget is not None and view.region.contains_region(widget.region)


async def test_jumps_to_the_first_of_5000_messages_mount_a_window(tmp_path: Path, server) -> None:
    """A search hit and find both jump to the first message of a 5,000-message session by
    mounting a window around it, not every message above it (that took minutes)."""
    from tui_chat.ui.widgets.find_bar import FindBar
    from tui_chat.ui.widgets.prompt import PromptInput
    from tui_chat.ui.widgets.session_search import SearchResults

    save_huge_session(tmp_path, 5000)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.session.id == "shortshortsh")
        await wait_until(pilot, app.store.search.ready.is_set)
        view = app.screen.query_one(MessageView)
        prompt = app.screen.query_one(PromptInput)

        # A search hit in the oldest message.
        await pilot.press("alt+s", *NEEDLE)
        results = app.screen.query_one(SearchResults)
        await wait_until(pilot, lambda: results.display and results.option_count > 0)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.session.id == "hugehugehuge")
        await wait_until(pilot, lambda: on_screen(view, "m0"))
        assert len(view.message_widgets()) < 200
        assert view.first_shown == 0 and view.later_count > 4000
        assert "later messages" in str(view.query_one("#later", Button).label)
        # Keys are answered: Esc clears the search, typing reaches the prompt.
        await pilot.press("escape")
        prompt.focus()
        await pilot.press(*"hello")
        assert prompt.text == "hello"

        # Sending brings the view back to the newest messages; the reply streams at the end.
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        assert [w.message.content for w in view.message_widgets()[-2:]] == [
            "hello",
            "Hello world",
        ]
        assert view.reaches_end and not view.query("#later")
        assert len(view.message_widgets()) < 200
        assert "Hello world" in screen_text(app)

        # Find jumps to the first message too, from the newest ones.
        await pilot.press("ctrl+f", *NEEDLE)
        bar = app.screen.query_one(FindBar)
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "1/1")
        await wait_until(pilot, lambda: on_screen(view, "m0"))
        assert view.message_widget("m0").has_class("-find-current")
        assert len(view.message_widgets()) < 200
        await pilot.press("escape")
        assert not bar.display and prompt.has_focus
        await pilot.press(*"ok")
        assert prompt.text == "ok"
    assert server.requests[-1]["json"]["messages"][-1]["content"] == "hello"
    saved = json.loads((tmp_path / "data" / "sessions" / "hugehugehuge.json").read_text("utf-8"))
    assert len(saved["messages"]) == 5002 and saved["messages"][0]["content"].endswith(NEEDLE)


async def test_scrolling_down_from_a_jump_pages_in_and_stays_bounded(tmp_path: Path) -> None:
    """From a window around an old message, scrolling to the bottom mounts the next page
    (unmounting the oldest past MAX_SHOWN), up to the newest message; scrolling up again
    brings back the earlier ones the same way."""
    session = save_long_session(tmp_path, 600)
    app = make_app(tmp_path, None)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.screen.query_one(MessageView)
        await wait_until(pilot, lambda: "THE END" in screen_text(app))
        assert await view.reveal(session.messages[2].id) is not None
        await pilot.pause()

        def window_is_the_path() -> None:
            ids = shown_ids(view)
            assert ids == [m.id for m in session.messages[view.first_shown : view.last_shown]]
            assert len(ids) <= MAX_SHOWN

        window_is_the_path()
        assert view.first_shown == 0 and not view.reaches_end
        later = view.later_count
        view.query_one("#later", Button).press()  # as a click does
        await wait_until(pilot, lambda: view.later_count < later)
        await pilot.pause()
        window_is_the_path()
        while not view.reaches_end:
            later = view.later_count
            view.scroll_end(animate=False, immediate=True)
            await wait_until(pilot, lambda: view.later_count < later)  # noqa: B023
            await pilot.pause()
            window_is_the_path()
        assert view.first_shown > 0 and shown_ids(view)[-1] == session.messages[-1].id
        assert not view.query("#later") and "earlier messages" in str(
            view.query_one("#earlier").label
        )
        await wait_until(pilot, lambda: "THE END" in screen_text(app))

        view.scroll_home(animate=False, immediate=True)
        first = view.first_shown
        await wait_until(pilot, lambda: view.first_shown < first)
        await pilot.pause()
        window_is_the_path()


async def test_a_streaming_reply_survives_a_jump_away_and_back(tmp_path: Path, server) -> None:
    """Find jumps away from a reply that is streaming (its widget is unmounted); back at the
    newest messages, a new widget shows the reply and is the one that streams and ends."""
    from sse_server import Script

    from tui_chat.ui.widgets.messages import AssistantMessage

    save_huge_session(tmp_path, 400)
    server.enqueue(Script(content=["part one, ", "part two"], hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.session.id == "shortshortsh")
        assert await app.screen.open_session("hugehugehuge")
        await type_and_send(pilot, "tell me")
        await wait_until(pilot, lambda: "part two" in screen_text(app))
        view = app.screen.query_one(MessageView)
        await pilot.press("ctrl+f", *NEEDLE)
        await wait_until(pilot, lambda: on_screen(view, "m0"))
        assert not any(w.is_streaming for w in view.query(AssistantMessage))
        await pilot.press("escape")

        await view.show_newest()

        def newest_streams() -> bool:
            # The window posts Changed once the widgets are mounted; the screen then hands
            # the live reply to the new widget: wait for that, not for the text alone.
            newest = view.message_widgets()[-1]
            return isinstance(newest, AssistantMessage) and newest.is_streaming

        await wait_until(pilot, lambda: "part one, part two" in screen_text(app))
        await wait_until(pilot, newest_streams)
        reply = view.message_widgets()[-1]
        assert isinstance(reply, AssistantMessage)
        await pilot.press("escape")  # stops the reply
        await wait_for_replies(pilot, app)
        assert not reply.is_streaming
        assert "■ Stopped" in screen_text(app)
