"""How a streaming reply's frames are paced (reply_follower.frame_gap): 15 frames a second
while the user reads, up to 3/4 of the time when frames get slow; 20 a second and at most
half the time while the user types into the stream; never a frame right after a key."""

from __future__ import annotations

import pytest

from tui_chat.ui.screens.reply_follower import (
    FRAME_SECONDS,
    INPUT_QUIET_SECONDS,
    TYPING_FRAME_SECONDS,
    TYPING_SECONDS,
    frame_gap,
)

FOLLOWED = 100.0
"""When the reply began to be followed."""
NOW = 110.0
NO_KEY = 0.0


def test_cheap_frames_come_at_the_reading_rate() -> None:
    assert frame_gap(0.01, NOW, NO_KEY, FOLLOWED) == pytest.approx(FRAME_SECONDS - 0.01)
    assert round(1 / FRAME_SECONDS) == 15


def test_slow_frames_take_three_quarters_of_the_time_while_reading() -> None:
    assert frame_gap(0.3, NOW, NO_KEY, FOLLOWED) == pytest.approx(0.1)


def test_the_enter_that_sent_the_message_is_not_typing() -> None:
    enter_at = FOLLOWED - 0.2  # the reply began right after it
    assert frame_gap(0.3, FOLLOWED + 0.5, enter_at, FOLLOWED) == pytest.approx(0.1)


def test_while_typing_frames_are_smaller_and_further_apart() -> None:
    key_at = NOW - 0.5
    assert frame_gap(0.3, NOW, key_at, FOLLOWED) == pytest.approx(0.3)  # half the time
    assert frame_gap(0.01, NOW, key_at, FOLLOWED) == pytest.approx(TYPING_FRAME_SECONDS - 0.01)


def test_typing_ends_after_a_pause() -> None:
    key_at = NOW - TYPING_SECONDS - 0.1
    assert frame_gap(0.3, NOW, key_at, FOLLOWED) == pytest.approx(0.1)


def test_a_key_is_drawn_before_the_next_frame() -> None:
    key_at = NOW - 0.01
    gap = frame_gap(0.001, NOW, key_at, FOLLOWED)
    assert gap == pytest.approx(INPUT_QUIET_SECONDS - 0.01)


def test_a_complete_answer_is_drawn_at_once_but_after_a_key() -> None:
    assert frame_gap(0.3, NOW, NO_KEY, FOLLOWED, at_once=True) == 0
    key_at = NOW - 0.01
    gap = frame_gap(0.3, NOW, key_at, FOLLOWED, at_once=True)
    assert gap == pytest.approx(INPUT_QUIET_SECONDS - 0.01)
