"""Watching a streaming client's tmux pane: when the reply's parts and its end show, how long
the screen froze meanwhile, letters typed into tui-chat's prompt, and when it all settled.

Split from ``stream_bench.py`` (which starts the clients and the server and makes the tables)
so that each file stays readable; everything here only reads ``tmux capture-pane`` and the
test server's send times (:class:`Sends`).

Poll periods. A capture costs the tmux server and the bench ~2 ms of CPU each, on a machine
whose cores the client also needs, so the pane is read every BULK_POLL (15 ms, plus the
capture) while the reply streams, and faster only where a figure needs it:

- once the server has written the end marker (the watcher wakes at once, on an Event), every
  TIGHT_POLL (5 ms) for a while, then slower again as the wait grows: the period is a tenth of
  the time since the marker was written, between TIGHT_POLL and BULK_POLL. So *last
  byte→visible* is late by at most ~7 ms (5 ms + a capture) when it is under 50 ms, and by
  at most a tenth of itself (capped at ~17 ms) above that;
- while a typed letter has not shown yet, every KEY_POLL (5 ms).

*Longest freeze* is a difference of two poll times, each late by up to one period after the
change it stands for, so it is within ±17 ms (one bulk period plus a capture) of the real
interval; changes closer together than a period count as one, which never makes the longest
gap longer. Probe words are timed like the marker but at the bulk period: ~8 ms late on average.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import benchlib as bl
from longreply import END_MARKER, PROBE_RE

BULK_POLL = 0.015
"""Seconds between captures while the reply streams."""
TIGHT_POLL = 0.005
"""Shortest period: just after the end marker was written, and while a letter is awaited."""
KEY_POLL = TIGHT_POLL
KEY_WAIT = 5.0
"""After the end marker showed, how long to wait for typed letters still missing."""
SETTLE_QUIET = 1.0
"""Settled: the screen has not changed and the client has been idle for this long."""
IDLE_CPU = 0.1
"""Idle: the client uses less than this share of one core (sampled every CPU_WINDOW)."""
CPU_WINDOW = 0.2
SETTLE_MAX = 60.0


@dataclass
class Sends:
    """When the test server wrote the parts of the reply (monotonic seconds; its handler
    thread fills this in, the watcher reads it)."""

    stream_at: float | None = None
    """The streamed response began (before its headers)."""
    marker_at: float | None = None
    """The chunk holding the end marker was written to the socket."""
    marker_written: threading.Event = field(default_factory=threading.Event)
    probes: dict[str, float] = field(default_factory=dict)
    """Probe word -> when the chunk carrying it was written."""


@dataclass
class Watch:
    """What :func:`follow` saw; times are monotonic seconds of the polls that saw them."""

    marker_at: float
    probes: dict[str, float]
    """Probe word -> first seen on screen."""
    content_at: float
    """The first poll, after the stream began, whose watched part differed from before."""
    longest_freeze: float
    """Longest time between two polls that saw the watched part change, from `content_at`
    to `marker_at` (both count as changes)."""


_TOP, _BOTTOM, _SIDE = "╭┌┏╔", "╰└┗╚", "│┃║▕▏"


def _last_box(lines: list[str]) -> tuple[int, int] | None:
    """(top line, bottom line) of the last box drawn on the screen, if any."""
    bottom = next(
        (i for i in range(len(lines) - 1, -1, -1) if any(c in lines[i] for c in _BOTTOM)), None
    )
    if bottom is None:
        return None
    top = next((i for i in range(bottom - 1, -1, -1) if any(c in lines[i] for c in _TOP)), None)
    return None if top is None else (top, bottom)


def prompt_text(screen: str) -> str:
    """The text inside the last box drawn on the screen (tui-chat's prompt), stripped."""
    lines = screen.splitlines()
    box = _last_box(lines)
    if box is None:
        return ""
    text = "\n".join(lines[box[0] + 1 : box[1]])
    for char in _SIDE:
        text = text.replace(char, " ")
    return text.strip()


def above_prompt(screen: str) -> str:
    """tui-chat's screen without the prompt box and what is below it (its status line with
    the spinner and the live figures, the footer): the lines that only the reply changes.
    The prompt is the last box on the screen; without one, the whole screen."""
    lines = screen.splitlines()
    box = _last_box(lines)
    return screen if box is None else "\n".join(lines[: box[0]])


def whole(screen: str) -> str:
    return screen


class Typist:
    """Types letters into tui-chat's prompt, `interval` apart, and notes when each shows.

    A letter counts as shown once the prompt box (the last box on the screen) starts with
    every letter typed up to it. Letters are sent on schedule whether or not the previous
    one has shown yet.
    """

    def __init__(self, tmux: bl.Tmux, name: str, letters: str, interval: float) -> None:
        self.tmux, self.name = tmux, name
        self.letters, self.interval = letters, interval
        self.sent: list[float] = []
        self.shown: list[float | None] = []

    @property
    def waiting(self) -> bool:
        """A typed letter has not shown yet."""
        return None in self.shown

    def type_due(self, now: float) -> None:
        """Type the next letter if it is due."""
        if len(self.sent) < len(self.letters) and (
            not self.sent or now >= self.sent[0] + len(self.sent) * self.interval
        ):
            letter = self.letters[len(self.sent)]
            self.sent.append(time.monotonic())
            self.shown.append(None)
            self.tmux.send_keys(self.name, "-l", letter)

    def look(self, screen: str, now: float) -> None:
        """Note the letters the prompt shows on `screen` (captured at `now`)."""
        if not self.waiting:
            return
        text = prompt_text(screen)
        for i, shown in enumerate(self.shown):
            if shown is None and text.startswith(self.letters[: i + 1]):
                self.shown[i] = now

    def latencies_ms(self) -> list[float]:
        return [(s - t) * 1000 for t, s in zip(self.sent, self.shown, strict=True) if s is not None]


def _pause(sends: Sends, typist: Typist | None, now: float) -> None:
    """Sleep until the next capture is due (see the module's docstring)."""
    if typist is not None and typist.waiting:
        time.sleep(KEY_POLL)
    elif sends.marker_at is None:
        sends.marker_written.wait(BULK_POLL)
    else:
        time.sleep(min(BULK_POLL, max(TIGHT_POLL, (now - sends.marker_at) / 10)))


def follow(
    pane: bl.Pane, sends: Sends, typist: Typist | None, watched: Callable[[str], str] = whole
) -> Watch:
    """Poll the pane until the end marker shows. Probes are looked for with the screen's
    lines joined, so a word the terminal wrapped (the print baseline) still counts. Only
    `watched(screen)` counts as a change of the screen for the longest freeze.

    With a `typist`, letters are typed from the moment the first probe shows until the
    marker does; the polling then goes on (at most KEY_WAIT) until the typed letters show.
    Raises like :func:`benchlib.wait_screen`.
    """
    assert pane.pid is not None
    tmux, name = pane.tmux, pane.name
    probes: dict[str, float] = {}
    marker_at: float | None = None
    before: str | None = None
    """The watched part at the last poll before the stream began."""
    content_at = changed_at = freeze = 0.0
    last = ""
    while True:
        screen = tmux.capture(name)
        now = time.monotonic()
        # Read after the capture: None means the capture predates the stream.
        started = sends.stream_at is not None
        pane.screen = screen
        part = watched(screen)
        for probe in PROBE_RE.findall(screen.replace("\n", "")):
            probes.setdefault(probe, now)
        if typist is not None:
            typist.look(screen, now)
        if marker_at is None:
            if not started or before is None:
                before = part
            elif not content_at:
                if part != before:
                    content_at = changed_at = now
            elif part != last:
                freeze, changed_at = max(freeze, now - changed_at), now
            if END_MARKER in screen:
                marker_at = now
                if not content_at:
                    content_at = changed_at = now
                freeze = max(freeze, now - changed_at)
        last = part
        if marker_at is not None and (
            typist is None or not typist.waiting or now > marker_at + KEY_WAIT
        ):
            return Watch(marker_at, probes, content_at, freeze)
        if not bl.is_alive(pane.pid):
            raise RuntimeError("the client exited:\n" + screen.rstrip())
        if now > pane.deadline:
            raise bl.Timeout(screen)
        if typist is not None and marker_at is None and probes:
            typist.type_due(now)
        _pause(sends, typist, now)


def settle(
    tmux: bl.Tmux, name: str, pids: list[int], screen: str, since: float, deadline: float
) -> tuple[str, float, bool]:
    """Wait until the pane stopped changing and the client went idle.

    Returns the final screen, the time it settled, and whether the marker left the screen:
    whether two captures in a row lacked it. One capture can land in the middle of a frame:
    tmux 3.3a neither announces nor honours synchronized output (mode 2026), so it applies a
    client's frame as it reads it, a few KB at a time. When a reply ends, tui-chat drops its
    runway and the view scrolls the reply down by up to a quarter screen in one frame; a
    capture taken after tmux has rewritten the marker's old row but not yet its new one
    showed no marker, though no frame the client drew lacked it.
    """
    last_change = busy_at = window_start = since
    window_cpu = bl.cpu_seconds(pids)
    marker_left = False
    missing = 0  # captures in a row without the marker
    limit = min(deadline, since + SETTLE_MAX)
    while True:
        time.sleep(bl.POLL_SECONDS)
        current = tmux.capture(name)
        now = time.monotonic()
        if current != screen:
            screen, last_change = current, now
        missing = 0 if END_MARKER in current else missing + 1
        marker_left = marker_left or missing >= 2
        if now - window_start >= CPU_WINDOW:
            cpu = bl.cpu_seconds(pids)
            if cpu - window_cpu > IDLE_CPU * (now - window_start):
                busy_at = now
            window_start, window_cpu = now, cpu
        settled = max(last_change, busy_at)
        if now - settled >= SETTLE_QUIET or now >= limit:
            return screen, settled, marker_left
