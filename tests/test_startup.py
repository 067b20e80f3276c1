"""Start-up: the garbage collector pause, the warm-up after the first screen, and the footer
that is rebuilt only when the keys it shows change."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer
from textual.widget import Widget

from tui_chat.services import gc_pacing as startup
from tui_chat.ui import warmup
from tui_chat.ui.render.footer import ChatFooter


@pytest.fixture
def gc_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    startup.resume_gc()
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_gc_is_paused_until_resumed(gc_restored: None) -> None:
    gc.enable()
    startup.pause_gc()
    assert not gc.isenabled()
    assert startup.gc_paused()
    startup.pause_gc()  # again: still paused, one resume is enough
    startup.resume_gc()
    assert gc.isenabled()
    assert not startup.gc_paused()
    startup.resume_gc()  # again: nothing happens
    assert gc.isenabled()


def test_the_gil_changes_hands_sooner_while_paused(gc_restored: None) -> None:
    before = sys.getswitchinterval()
    startup.pause_gc()
    assert sys.getswitchinterval() == min(startup.START_SWITCH_INTERVAL, before)
    startup.pause_gc()  # again: the interval to go back to is still the first one
    startup.resume_gc()
    assert sys.getswitchinterval() == before


def test_resume_leaves_a_collector_it_did_not_stop_alone(gc_restored: None) -> None:
    gc.disable()  # someone else turned it off: pause_gc must not take that over
    startup.pause_gc()
    startup.resume_gc()
    assert not gc.isenabled()


def test_warm_up_swallows_errors_runs_each_step_once_and_reports_done() -> None:
    calls: list[str] = []

    def fine() -> None:
        calls.append("fine")

    def broken() -> None:
        calls.append("broken")
        raise ImportError("no such module")

    done = threading.Event()
    thread = warmup.start((broken, fine), on_done=done.set)
    assert thread.daemon  # quitting never waits for it
    assert done.wait(10)
    assert calls == ["broken", "fine"]
    # A second app in the same process: nothing to warm again, done all the same.
    again = threading.Event()
    warmup.start((broken, fine), on_done=again.set)
    assert again.wait(10)
    assert calls == ["broken", "fine"]


def test_warm_up_stops_when_told_and_still_reports_done() -> None:
    calls: list[str] = []
    busy = threading.Event()

    def first() -> None:
        calls.append("first")
        busy.set()  # e.g. a reply started streaming meanwhile

    def second() -> None:
        calls.append("second")

    done = threading.Event()
    warmup.start((first, second), on_done=done.set, keep_going=lambda: not busy.is_set())
    assert done.wait(10)
    assert calls == ["first"]


def test_warm_up_steps_run_without_errors() -> None:
    """Each real step works in this environment (a failing one would be swallowed in the
    app, and the first message would quietly be slow again)."""
    for step in warmup.STEPS:
        step()


def footer_keys(app: object) -> list[Widget]:
    return list(app.screen.query_one(ChatFooter).query("FooterKey"))  # type: ignore[attr-defined]


async def test_footer_is_rebuilt_only_when_its_keys_change(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(140, 40)) as pilot:
        footer = app.screen.query_one(ChatFooter)

        def settled() -> bool:
            """The footer has checked the last change of bindings, and shows its keys."""
            return (
                not footer._check_pending
                and footer._shown == footer._keys_to_show()
                and all(key.is_mounted for key in footer_keys(app))
            )

        await wait_until(pilot, lambda: len(footer_keys(app)) > 0 and settled())
        before = footer_keys(app)
        shown = [(k.key, k.description) for k in before]
        assert ("ctrl+n", "New") in shown and ("ctrl+q", "Quit") in shown
        # Focus moves (each one tells the footer that bindings were updated): same keys,
        # so the same widgets.
        await pilot.press("ctrl+s")
        await wait_until(pilot, settled)
        app.screen.prompt.focus()
        await wait_until(pilot, settled)
        assert footer_keys(app) == before
        # A key that changes (the keymap) is shown at once.
        app.set_keymap({"session.new": "f11"})
        await wait_until(pilot, lambda: footer_keys(app) != before)
        shown = [(k.key, k.description) for k in footer_keys(app)]
        assert ("f11", "New") in shown
        assert ("ctrl+n", "New") not in shown


async def test_first_message_after_start_reaches_the_server(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    """Sending at once, while the warm-up may still be importing the SDK, just works."""
    app = make_app(tmp_path, server)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "hello")
        await wait_for_replies(pilot, app)
        assert len(server.requests) == 1
        assert "Hello world" in "".join(
            str(m.content) for m in app.screen.session.messages if m.role == "assistant"
        )
