"""The streaming bench's settle watch (bench/stream_watch.py): a capture torn in the middle of
a frame (tmux applies a frame as it reads it) does not count as the end marker leaving the
screen; two captures in a row without it do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import stream_watch
from longreply import END_MARKER

WITH = f"the reply ... {END_MARKER}\n\n> prompt"
TORN = "the reply ... (rows above the marker's new row)\n\n> prompt"


class FakeTmux:
    """Hands out scripted captures, then the last one for ever."""

    def __init__(self, screens: list[str]) -> None:
        self.screens = screens

    def capture(self, name: str) -> str:
        return self.screens.pop(0) if len(self.screens) > 1 else self.screens[0]


class FakeClock:
    """`time` for stream_watch: each sleep moves the clock on, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(stream_watch, "time", fake)
    return fake


def settle(screens: list[str]) -> tuple[str, bool]:
    screen, _settled, marker_left = stream_watch.settle(
        FakeTmux(screens), "pane", [], WITH, 0.0, 30.0
    )
    return screen, marker_left


def test_one_torn_capture_is_not_the_marker_leaving(clock: FakeClock) -> None:
    assert settle([WITH, TORN, WITH]) == (WITH, False)


def test_two_captures_without_the_marker_are(clock: FakeClock) -> None:
    assert settle([WITH, TORN, TORN, WITH]) == (WITH, True)


def test_a_screen_that_stays_without_the_marker(clock: FakeClock) -> None:
    assert settle([WITH, TORN]) == (TORN, True)
