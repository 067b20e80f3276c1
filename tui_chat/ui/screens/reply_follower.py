"""Following the streaming reply of the shown session, for the chat screen: the frame
timer that moves what arrived to the reply's widget, the thinking pane and the status line.

How often streamed text is moved to the screen: often enough to look live, rarely enough
that a fast provider does not make the app re-render for every token. One frame at a
time: the next is scheduled once the last is on screen, after a gap that grows with what
the frame cost (see FRAME_SHARE) and after a key (see INPUT_QUIET_SECONDS).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import Worker

from tui_chat.core.session import Message
from tui_chat.core.tool_turns import rounds_reasoning
from tui_chat.services.live_reply import LiveReply
from tui_chat.ui.messages import ReplyEnded
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.status import StatusLine
from tui_chat.ui.widgets.thinking import ThinkingPane

if TYPE_CHECKING:
    from tui_chat.ui.screens.chat import ChatScreen

FRAME_SECONDS = 1 / 15
"""The stream's frame rate while the user reads. At 20 a second, a reply at 100 tok/s cost
1.17x the CPU of a plain-text Textual app drawing 20 frames a second; at 15 0.99x, and the
screen still stands still less than the plain app's (longest freeze 0.11 s against 0.15 s)."""
FRAME_SHARE = 0.75
"""When frames get slow (a big reply at full speed, a big terminal), they are spaced out so
that drawing the stream takes at most this share of the time. With 0.5, a 10k-token reply
stood still up to 0.42 s at a time (1.9x the plain-text client), with 0.75 0.26 s (1.2x)."""
TYPING_FRAME_SECONDS = 1 / 20
TYPING_FRAME_SHARE = 0.5
"""Frames while the user types (a key within TYPING_SECONDS, since the reply began: not the
Enter that sent it). A key that comes during a frame waits for it, so frames are smaller
and leave more time between them: keys typed into a 1,000 tok/s stream took 74 ms (median)
to show with a share of 0.75, 32 ms with 0.5; 47-54 ms at 15 frames a second, 36-37 ms at
20."""
TYPING_SECONDS = 2.0
STATUS_SECONDS = 0.25
"""A stream's figures on the status line (time, speed) change on every frame; shown at most
this often they still look live, and a reply at 100 tok/s costs 3-9 % less CPU."""
UNPAINTED_SECONDS = 0.5
"""A frame's successor is scheduled once it is painted; if that never comes (see `_frame`),
it comes this long after the frame instead."""
INPUT_QUIET_SECONDS = 0.08
"""After a key press, the next frame of a stream waits this long, so the key is drawn at
once rather than behind a frame."""


def keep_rows(view_height: int) -> int:
    """Rows of a big streamed batch to mount: one screen and a quarter (at least 6 rows)
    more. With two screens, as before, a frame at full speed mounted more blocks than it
    showed: the longest freeze of a 10k-token reply went from 0.52 s to 0.42 s."""
    return view_height + max(6, view_height // 4)


def frame_gap(
    cost: float, now: float, key_at: float, followed_at: float, *, at_once: bool = False
) -> float:
    """Seconds from the end of a frame that took `cost` to the next, `now` being its end:
    the pace for reading, or for typing if a key came since the reply began (`followed_at`)
    and within TYPING_SECONDS; none `at_once` (an answer is complete). Never sooner than
    INPUT_QUIET_SECONDS after a key."""
    if at_once:
        gap = 0.0
    else:
        typing = key_at > followed_at and now - key_at < TYPING_SECONDS
        every, share = (
            (TYPING_FRAME_SECONDS, TYPING_FRAME_SHARE) if typing else (FRAME_SECONDS, FRAME_SHARE)
        )
        gap = max(every - cost, cost * (1 - share) / share)
    return max(gap, key_at + INPUT_QUIET_SECONDS - now)  # the key is drawn first


Ended = Callable[[LiveReply, Message | None], None]
"""Told when the followed reply has ended (with its message, when it was shown)."""


class ReplyFollower:
    """The streaming reply `chat` shows, and the frame timer that writes it."""

    def __init__(self, chat: ChatScreen, ended: Ended) -> None:
        self.chat = chat
        self.ended = ended
        self.timer: Timer | None = None
        """The next frame of the stream, while one is due."""
        self.live: LiveReply | None = None
        """The streaming reply of the shown session, if any."""
        self.followed_at = 0.0
        """When `live` began to be followed (time.monotonic())."""
        self.status_at = 0.0
        """When a frame last wrote the live figures to the status line."""
        self.widget: AssistantMessage | None = None
        self.following: LiveReply | None = None
        """A reply `follow` is setting up: it handles the reply's end itself."""
        self.rounds_seen = 0
        """How many tool rounds of the followed reply the thinking pane has moved past."""
        self.round_reasoning = 0
        """Characters of the current round's reasoning written to the thinking pane."""
        self.ending: Ending | None = None
        """The reply that ended, while its finish is still to run (see `_end`)."""
        self.answers: Worker[None] | None = None
        """Waits for the followed reply's answer to be complete (see `_answer_frames`)."""
        self.draw_soon = False
        """An answer completed while a frame was drawn: the next frame comes at once."""
        self.drawing = False
        """A frame is writing to the widgets (`_frame`)."""

    @property
    def view(self) -> MessageView:
        return self.chat.query_one(MessageView)

    @property
    def thinking(self) -> ThinkingPane:
        return self.chat.query_one(ThinkingPane)

    @property
    def status(self) -> StatusLine:
        return self.chat.query_one(StatusLine)

    def forget(self) -> None:
        """Another session is shown: its reply (if any) is followed anew."""
        self.live = self.widget = None
        self._stop_answers()

    async def follow(self, live: LiveReply) -> None:
        """Follow a streaming reply: show what arrived so far, then new parts reach the
        widgets on the frame timer. Counts are taken before each await, so parts that
        arrive meanwhile are written by the next flush, never skipped.

        A quick reply can end before it is followed: an action run by a key binding
        (Ctrl+R) runs outside the screen's message loop, so `reply_ended` may come while
        the reply's widget is being mounted, or while this sets up. It is ended here then,
        once followed (it stayed "streaming" forever before)."""
        await self.finish_ending()
        self.following = live
        try:
            await self._set_up(live)
        finally:
            self.following = None
        if self.live is live and self.chat.app.replies.live.get(live.session.id) is not live:
            await self._end(live)

    async def _set_up(self, live: LiveReply) -> None:
        self.pause()
        widget = self.view.reply_widget(live.message.id)
        self.live, self.widget = live, widget
        self.followed_at = time.monotonic()
        if widget is not None:
            await self._show_tools(live, widget)
            shown = widget.parts_shown = len(live.text_parts)
            await widget.show_text("".join(live.text_parts[:shown]))
            widget.start_stream()
        await self.thinking.show(live.message, live=True)
        shown = self.thinking.parts_shown = len(live.reasoning_parts)
        self.rounds_seen = len(live.message.tool_rounds)
        earlier = rounds_reasoning(live.message.tool_rounds, "")
        current = "".join(live.reasoning_parts[:shown])
        self.round_reasoning = len(current)
        await self.thinking.write(earlier + "\n\n" + current if earlier else current)
        if live.text_parts:
            self.thinking.mark_answer_started()
        self.view.anchor()
        self.status.show(live.session, live.provider_label, live.is_demo, live.figures())
        self.resume()
        self._stop_answers()
        # A callable, not a coroutine: one cancelled before it starts is never made.
        self.answers = self.chat.run_worker(
            partial(self._answer_frames, live), group="reply-answers", exit_on_error=False
        )

    async def _answer_frames(self, live: LiveReply) -> None:
        """A frame as soon as the server says a round's answer has all arrived, not at the
        next frame slot: the usage and the end of the stream may come later (and the
        reply's end, which draws at once too, waits for them)."""
        while self.live is live:
            await live.answered.wait()
            live.answered.clear()
            if self.live is live and self.timer is not None:
                self.draw_soon = True
                if not self.drawing:
                    self._schedule_frame(self._gap(0.0))

    def _stop_answers(self) -> None:
        if self.answers is not None:
            self.answers.cancel()
            self.answers = None

    async def window_changed(self) -> None:
        """Paging or a jump (un)mounted messages (see MessageWindow): the streaming reply's
        widget may be gone, or new and then brought up to date to stream on."""
        live = self.live
        widget = self.view.reply_widget(live.message.id) if live is not None else None
        if live is None or widget is self.widget:
            return
        self.widget = widget
        if widget is not None:
            await self._show_tools(live, widget)
            shown = widget.parts_shown = len(live.text_parts)
            await widget.show_text("".join(live.text_parts[:shown]))
            widget.start_stream()

    # -- the frame timer -------------------------------------------------------------------

    def resume(self) -> None:
        if self.timer is None:
            self._schedule_frame(FRAME_SECONDS)

    def pause(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def _schedule_frame(self, delay: float) -> None:
        self.pause()
        # A Textual timer needs a delay above 0 ("at once" is the next turn of the loop).
        delay = max(delay, 0.001)
        self.timer = self.chat.set_timer(delay, self._frame, name="stream frame")

    async def _frame(self) -> None:
        started = time.monotonic()
        self.chat.app.gc_pacer.note_activity()
        self.drawing = True
        try:
            await self._pump()
        finally:
            self.drawing = False
        if self.timer is not None and self.live is not None:
            # The next frame once this one is painted. Textual hands a refresh callback to
            # the screen that is current when it is handled: a modal pushed meanwhile (a
            # tool's approval) takes it, and it is lost if the modal goes first. The frames
            # then stopped; this timer keeps them coming (`_frame_shown` replaces it).
            self.timer = self.chat.set_timer(UNPAINTED_SECONDS, self._frame, name="stream frame")
            self.chat.call_after_refresh(self._frame_shown, started, self.timer)

    def _frame_shown(self, started: float, timer: Timer) -> None:
        if timer is not self.timer or self.drawing:
            return  # paused or rescheduled meanwhile, or the fallback frame is drawing
        self._schedule_frame(self._gap(time.monotonic() - started))

    def _gap(self, cost: float) -> float:
        """The gap after a frame that took `cost` (see `frame_gap`); none after an answer
        completed (see `_answer_frames`), which this takes."""
        at_once, self.draw_soon = self.draw_soon, False
        key_at = self.chat.app.input_clock.key_at
        return frame_gap(cost, time.monotonic(), key_at, self.followed_at, at_once=at_once)

    async def _pump(self) -> None:
        """Move what arrived since the last frame to the screen."""
        live = self.live
        if live is None or self.chat.session is not live.session:
            self.pause()
            return
        widget = self.widget
        await self._flush(live, widget)
        self.view.fold_offscreen(self.view, *(widget.body.foldable() if widget is not None else []))
        self.thinking.fold_offscreen()
        now = time.monotonic()
        if now - self.status_at >= STATUS_SECONDS:
            self.status_at = now
            self.status.show(live.session, live.provider_label, live.is_demo, live.figures())

    async def _flush(self, live: LiveReply, widget: AssistantMessage | None) -> None:
        """Write the parts of `live` that are not on screen yet (to its `widget`)."""
        await self._flush_tools(live, widget)
        count = len(live.text_parts)
        if widget is not None and count > widget.parts_shown:
            text = "".join(live.text_parts[widget.parts_shown : count])
            widget.parts_shown = count
            # While the view follows, only the last screen of a big batch (and a margin for
            # estimates that run long) is mounted at once (see StreamingMarkdown.keep_rows):
            # at full speed every frame mounts that much anew, so it is the frame's cost.
            keep = keep_rows(self.view.size.height) if self.view.is_following else 0
            await widget.write(text, keep_rows=keep)
            self.thinking.mark_answer_started()
        thinking = self.thinking
        count = len(live.reasoning_parts)
        if count > thinking.parts_shown:
            text = "".join(live.reasoning_parts[thinking.parts_shown : count])
            thinking.parts_shown = count
            self.round_reasoning += len(text)
            await thinking.write(text)

    async def _flush_tools(self, live: LiveReply, widget: AssistantMessage | None) -> None:
        """The turn's tool calls changed (`tools_version`): a round that ended took the
        text and reasoning streamed so far with it (the parts restart empty), so the body
        streams afresh and the thinking pane gets the rest of that round's reasoning."""
        rounds = live.message.tool_rounds
        while self.rounds_seen < len(rounds):
            reasoning = rounds[self.rounds_seen].reasoning
            rest = reasoning[self.round_reasoning :]
            self.rounds_seen += 1
            self.round_reasoning = 0
            self.thinking.parts_shown = 0
            if reasoning.strip():
                await self.thinking.write(rest + "\n\n")
        if widget is not None and widget.rounds.version != live.tools_version:
            await self._show_tools(live, widget)

    async def _show_tools(self, live: LiveReply, widget: AssistantMessage) -> None:
        rounds = live.message.tool_rounds
        widget.rounds.version = live.tools_version
        if widget.rounds_shown < len(rounds):
            widget.rounds_shown = len(rounds)
            await widget.restart_body()
        await widget.rounds.show_rounds(rounds, live.streaming_calls)

    # -- the end ---------------------------------------------------------------------------

    async def reply_ended(self, event: ReplyEnded) -> None:
        """A reply ended: when it is the one followed, its widgets stop streaming."""
        following = self.following
        if following is not None and following.message.id == event.message_id:
            return  # ended while being followed: `follow` ends it
        live = self.live
        if live is None or live.message.id != event.message_id:
            return  # a reply of a session that is not shown (or not followed yet)
        await self._end(live)

    async def _end(self, live: LiveReply) -> None:
        """The followed reply has ended: its last words are written at once and drawn;
        the rest (the check against a full parse, code highlighted whole, the reasoning's
        full render, laying out what streaming folded away) runs after that paint, in a
        worker, so the last words never wait for it. Claimed first (`live` cleared, the
        ending noted before any await), so it is ended once and `finish_ending` sees it."""
        widget = self.widget
        self.live = self.widget = None
        self.pause()
        self._stop_answers()
        ending = self.ending = Ending(live, widget)
        await self._flush(live, widget)
        if self.chat.session is live.session:
            self.chat.refresh_lines()  # the status line at rest, drawn with the last words
        self.chat.run_worker(self._finish(ending), group="reply-finish", exit_on_error=False)
        self.chat.call_after_refresh(ending.drawn.set)

    @property
    def is_finishing(self) -> bool:
        """Whether an ended reply's last words are drawn but its finish has not run."""
        return self.ending is not None

    async def finish_ending(self) -> None:
        """Finish an ended reply now, without waiting for a paint or a quiet moment:
        before another reply is followed or another session shown (their widgets and
        the thinking pane are about to change)."""
        ending = self.ending
        if ending is not None:
            ending.hurry()
            await ending.done.wait()

    async def _finish(self, ending: Ending) -> None:
        live, widget = ending.live, ending.widget
        try:
            await ending.drawn.wait()
            if widget is not None:
                await widget.finish()
            if widget is None or not widget.settling:  # else once it has settled
                # Folding is for streaming; at rest every message is laid out. That is one
                # big layout for a long reply, so not while the user is typing.
                await self.chat.app.input_clock.quiet(ending.hurried.is_set)
                self.view.unfold_all()
            if self.chat.session is live.session and live.session.summaries:
                await self.chat.context_guard.show_summary(live.session)
            await self.thinking.finish()
            self.ended(live, widget.message if widget else None)
        finally:
            if self.ending is ending:
                self.ending = None
            ending.done.set()


class Ending:
    """A followed reply that has ended, between its last words and its finish."""

    def __init__(self, live: LiveReply, widget: AssistantMessage | None) -> None:
        self.live = live
        self.widget = widget
        self.drawn = asyncio.Event()
        """Set once the last words have been painted (or the finish is hurried)."""
        self.hurried = asyncio.Event()
        self.done = asyncio.Event()

    def hurry(self) -> None:
        self.hurried.set()
        self.drawn.set()
