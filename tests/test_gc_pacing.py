"""Full garbage collections are paced: never automatic while the app runs, never while a
reply streams or settles, run when idle; the survivors are frozen; valves bound memory."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from app_harness import make_app

from tui_chat.services.gc_pacing import (
    BUSY_SECONDS,
    DEEP_OBJECTS,
    IDLE_SECONDS,
    MAX_SECONDS,
    NEVER,
    RSS_GROWTH_BYTES,
    CollectionPacer,
    read_rss,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Rss:
    """A fake resident-memory reader."""

    def __init__(self) -> None:
        self.bytes = 100 * 1024 * 1024

    def __call__(self) -> int:
        return self.bytes


def started() -> tuple[CollectionPacer, Clock, Rss]:
    clock, rss = Clock(), Rss()
    pacer = CollectionPacer(clock, rss)
    pacer.start()
    return pacer, clock, rss


def test_pacer_collects_when_idle_and_gives_collection_back() -> None:
    before = gc.get_threshold()
    pacer, clock, _ = started()
    try:
        assert gc.get_threshold()[2] == NEVER
        assert not pacer.tick(streaming=False)  # nothing happened yet
        pacer.note_activity()
        clock.now += IDLE_SECONDS / 2
        assert not pacer.tick(streaming=False)  # the user is still busy
        clock.now += IDLE_SECONDS
        assert pacer.tick(streaming=False)
        assert not pacer.tick(streaming=False)  # once per quiet spell
        clock.now += MAX_SECONDS
        assert pacer.tick(streaming=False)  # idle, nothing happened: still every two minutes
        assert pacer.collections == 2
        assert pacer.forced == 0
    finally:
        pacer.stop()
    assert gc.get_threshold() == before
    pacer.stop()  # twice is harmless
    assert gc.get_threshold() == before


def test_idle_collection_freezes_the_survivors() -> None:
    pacer, clock, _ = started()
    try:
        survivors = [[n] for n in range(1000)]
        frozen = gc.get_freeze_count()
        pacer.note_activity()
        clock.now += IDLE_SECONDS
        assert pacer.tick(streaming=False)
        assert gc.get_freeze_count() >= frozen + len(survivors)
    finally:
        pacer.stop()
    assert gc.get_freeze_count() == 0  # stop gives everything back


def test_no_collection_while_streaming_or_settling_or_typing() -> None:
    pacer, clock, _ = started()
    try:
        for _ in range(int(BUSY_SECONDS / 10) - 1):  # frames for almost two minutes
            pacer.note_activity()
            clock.now += 10
            assert not pacer.tick(streaming=True)
        clock.now += IDLE_SECONDS
        assert not pacer.tick(streaming=True)  # the reply ended and is settling: still not
        for _ in range(5):  # keys right after it settled
            clock.now += IDLE_SECONDS / 2
            pacer.note_activity()
            assert not pacer.tick(streaming=False)
        clock.now += IDLE_SECONDS
        assert pacer.tick(streaming=False)  # the first idle moment
        assert pacer.collections == 1
    finally:
        pacer.stop()


def test_busy_without_an_idle_moment_collects_anyway() -> None:
    pacer, clock, _ = started()
    try:
        clock.now += IDLE_SECONDS
        assert not pacer.tick(streaming=False)  # idle, nothing to collect, but idle seen
        for _ in range(int(BUSY_SECONDS) - 1):
            pacer.note_activity()
            clock.now += 1
            assert not pacer.tick(streaming=True)
        clock.now += 1
        assert pacer.tick(streaming=True)  # two minutes busy: collected anyway
        assert pacer.forced == 1
        clock.now += 1
        assert not pacer.tick(streaming=True)  # and not again for two minutes
        clock.now += BUSY_SECONDS
        assert pacer.tick(streaming=True)
        assert pacer.forced == 2
    finally:
        pacer.stop()


def test_memory_growth_collects_anyway() -> None:
    pacer, clock, rss = started()
    try:
        pacer.note_activity()
        clock.now += 1
        rss.bytes += RSS_GROWTH_BYTES
        assert not pacer.tick(streaming=True)  # grown by exactly the limit: not yet
        rss.bytes += 1
        assert pacer.tick(streaming=True)
        assert pacer.forced == 1
        clock.now += 1
        assert not pacer.tick(streaming=True)  # measured again from the collection
        rss.bytes += RSS_GROWTH_BYTES + 1
        assert pacer.tick(streaming=True)
        assert pacer.forced == 2
    finally:
        pacer.stop()


def test_deep_collection_once_the_frozen_generation_grew(monkeypatch: pytest.MonkeyPatch) -> None:

    frozen = [gc.get_freeze_count()]
    monkeypatch.setattr(gc, "get_freeze_count", lambda: frozen[0])
    pacer, clock, _ = started()
    try:
        pacer.note_activity()
        clock.now += IDLE_SECONDS
        frozen[0] += DEEP_OBJECTS
        assert pacer.tick(streaming=False)
        assert pacer.deep_collections == 0  # grown by exactly the limit: a plain one
        pacer.note_activity()
        clock.now += IDLE_SECONDS
        frozen[0] += 1
        assert not pacer.tick(streaming=True)  # never deep while a reply streams
        assert pacer.tick(streaming=False)
        assert pacer.deep_collections == 1
        pacer.note_activity()
        clock.now += IDLE_SECONDS
        frozen[0] += 1
        assert pacer.tick(streaming=False)
        assert pacer.deep_collections == 1  # measured again from the deep one
    finally:
        pacer.stop()


def test_reads_the_resident_memory() -> None:
    assert read_rss() > 1024 * 1024


async def test_app_owns_full_collections_while_it_runs(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = make_app(tmp_path, None)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.gc_pacer.started
        assert gc.get_threshold()[2] == NEVER
        assert not app._reply_settling()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
