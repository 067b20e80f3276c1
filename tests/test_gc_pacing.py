"""Full garbage collections are paced: never automatic while the app runs, run when idle."""

from __future__ import annotations

import gc
from pathlib import Path

from app_harness import make_app

from tui_chat.services.gc_pacing import (
    IDLE_SECONDS,
    MAX_SECONDS,
    NEVER,
    STREAMING_SECONDS,
    CollectionPacer,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_collects_when_idle_and_gives_collection_back() -> None:
    before = gc.get_threshold()
    clock = Clock()
    pacer = CollectionPacer(clock)
    pacer.start()
    try:
        assert gc.get_threshold()[2] == NEVER
        assert not pacer.tick(streaming=False)  # nothing happened yet
        pacer.note_activity()
        clock.now += IDLE_SECONDS / 2
        assert not pacer.tick(streaming=False)  # the user is still busy
        clock.now += IDLE_SECONDS
        assert pacer.tick(streaming=False)
        assert not pacer.tick(streaming=False)  # once per quiet spell
        pacer.note_activity()
        clock.now += IDLE_SECONDS * 2
        assert not pacer.tick(streaming=True)  # a stream is running: only every 30 s
        clock.now += STREAMING_SECONDS
        assert pacer.tick(streaming=True)
        clock.now += MAX_SECONDS
        pacer.note_activity()
        assert pacer.tick(streaming=False)  # busy for two minutes: collected anyway
        assert pacer.collections == 3
    finally:
        pacer.stop()
    assert gc.get_threshold() == before
    pacer.stop()  # twice is harmless
    assert gc.get_threshold() == before


async def test_app_owns_full_collections_while_it_runs(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = make_app(tmp_path, None)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.gc_pacer.started
        assert gc.get_threshold()[2] == NEVER
    assert gc.get_threshold() == before
