"""A long session opens with just its newest messages; older ones come as the user scrolls up."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, screen_text, wait_until

from tui_chat.session import Message, Session
from tui_chat.store import SessionStore
from tui_chat.widgets.messages import MessageView


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
