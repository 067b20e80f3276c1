"""A window on a long conversation: only a contiguous range of its messages is mounted.

Mounting every message of a long session takes minutes and gigabytes: a jump to the first
message of a 5,000-message session mounted all of them (at 100 % CPU, keys unanswered). So
the view holds the messages [first_shown, last_shown) of the current path, with a
"▲ N earlier messages" button above them and a "▼ N later messages" button below when the
range stops short of the end. A page is mounted when the user scrolls to either end (or
clicks a button); a jump to a message outside the range replaces the range by one around it;
and the range never grows past MAX_SHOWN messages (the far side is unmounted). A session
opens on its newest messages, and anything appended at the end (a message sent, a reply
arriving) first brings the window back there, so streaming always happens at the end.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.cells import cell_len
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Button
from textual.worker import Worker

from tui_chat.core.session import Message, Session
from tui_chat.ui.render.folding import Fold, FollowingScroll
from tui_chat.ui.widgets.huge_text import shown_part
from tui_chat.ui.worker_errors import pass_failure_to_app

# A long session opens with just enough of its newest messages to fill the view this many
# times over (rendering thousands of widgets first would keep the screen blank for seconds);
# older ones are mounted a page at a time when the user scrolls up to them.
FIRST_SCREENS = 2
EARLIER_SCREENS = 3
MAX_PAGE = 40
MAX_SHOWN = 160
"""At most this many messages stay mounted: paging further unmounts the far side."""


def estimated_rows(message: Message, width: int) -> int:
    """Rows a message will take at `width` cells, roughly (for paging, not for layout)."""
    rows = 3  # border or meta line, and the margin
    text = shown_part(message.content) or message.content  # a huge one is shown in part
    for line in text.splitlines() or [""]:
        rows += 1 + cell_len(line) // width
    return rows


class MessageWindow(FollowingScroll):
    """The paging part of the message view (see the module docstring). Subclasses say how a
    message is shown (`make_widget`)."""

    @dataclass
    class Changed(TextualMessage):
        """Messages were mounted or unmounted by paging or a jump (not by `add_message`):
        what holds on to a message widget (the streaming reply's) looks it up again."""

        replaced: bool
        """The whole range was replaced (a jump, or back to the newest messages)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._session: Session | None = None
        self._first_shown = 0
        self._last_shown = 0
        """End of the range when it does not reach the end of the path (see `_to_end`)."""
        self._to_end = True
        """The range reaches the end of the path, however long that grows."""
        self._window_lock = asyncio.Lock()
        """Held while the range changes (a scroll and a jump may ask at once)."""
        self._pending: Session | None = None
        """Shown with `after_paint`, its messages not mounted yet (see `show_pending`)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def make_widget(self, message: Message) -> Widget:
        raise NotImplementedError

    def shown_widgets(self) -> list[Widget]:
        """The mounted message widgets, in order."""
        return [c for c in self.children if isinstance(getattr(c, "message", None), Message)]

    # -- the range -------------------------------------------------------------------------

    @property
    def first_shown(self) -> int:
        """Index in the session's messages of the first one mounted."""
        return self._first_shown

    @property
    def last_shown(self) -> int:
        """Index in the session's messages just after the last one mounted."""
        if self._session is None:
            return 0
        return len(self._session.messages) if self._to_end else self._last_shown

    @property
    def reaches_end(self) -> bool:
        return self._to_end

    @property
    def earlier_count(self) -> int:
        """How many older messages of the session are not mounted."""
        return self._first_shown

    @property
    def later_count(self) -> int:
        """How many newer messages of the session are not mounted."""
        if self._session is None:
            return 0
        return len(self._session.messages) - self.last_shown

    def _page_start(self, end: int, screens: int) -> int:
        """Where a page of messages ending before `end` starts: enough estimated rows to
        fill the view `screens` times, at least one user/reply pair, at most MAX_PAGE."""
        assert self._session is not None
        messages = self._session.messages
        width, wanted = self._page_size(screens)
        rows, start = 0, end
        while start > 0 and end - start < MAX_PAGE and (rows < wanted or end - start < 2):
            start -= 1
            rows += estimated_rows(messages[start], width)
        return start

    def _page_end(self, start: int, screens: int) -> int:
        """Where a page of messages starting at `start` ends (as `_page_start`, downwards)."""
        assert self._session is not None
        messages = self._session.messages
        width, wanted = self._page_size(screens)
        rows, end = 0, start
        while end < len(messages) and end - start < MAX_PAGE and (rows < wanted or end - start < 2):
            rows += estimated_rows(messages[end], width)
            end += 1
        return end

    def _page_size(self, screens: int) -> tuple[int, int]:
        """(width in cells, rows wanted) of a page that fills the view `screens` times."""
        size = self.size if self.size.area else self.app.size
        return max(20, size.width - 6), max(10, size.height) * screens

    def _earlier_button(self) -> Button:
        return Button(
            f"▲ {self._first_shown} earlier messages (scroll up or click)",
            id="earlier",
            classes="earlier",
            compact=True,
        )

    def _later_button(self) -> Button:
        return Button(
            f"▼ {self.later_count} later messages (scroll down or click)",
            id="later",
            classes="later",
            compact=True,
        )

    # -- replacing the range -----------------------------------------------------------------

    async def show_session(self, session: Session, *, after_paint: bool = False) -> None:
        """Replace what is shown with `session`: its newest messages, as many as fill the
        view a couple of times; older ones come when the user scrolls up to them.

        With `after_paint` (the app's first screen) nothing is mounted until `show_pending`
        is called, once the screen has been drawn: the first message widget loads the
        Markdown stack (markdown-it, Pygments: about 40 ms) and the prompt should not wait
        for it. Meanwhile the window holds the session at its end, empty, so a message sent
        in that frame is appended as usual and then shown again with the rest."""
        self._pending = session if after_paint else None
        if after_paint:
            async with self._window_lock:
                self._session = session
                self._first_shown = self._last_shown = len(session.messages)
                self._to_end = True
                await self.remove_children()
            return
        async with self._window_lock:
            self._session = session
            end = len(session.messages)
            await self._replace(self._page_start(end, FIRST_SCREENS), end)
            self.anchor()

    async def show_pending(self) -> bool:
        """Mount the messages `show_session(after_paint=True)` left out, unless another
        session has been shown since. False when there were none."""
        session, self._pending = self._pending, None
        if session is None or session is not self._session:
            return False
        await self.show_session(session)
        return True

    async def show_newest(self) -> None:
        """Bring the window back to the newest messages, if it is elsewhere."""
        if self._session is not None and not self._to_end:
            await self.show_session(self._session)

    async def show_around(self, index: int) -> bool:
        """Make the message at `index` of the path mounted: unless it is already, the range
        becomes a page above it, it, and a couple of screens below it. False when there is
        no such message."""
        async with self._window_lock:
            session = self._session
            if session is None or not 0 <= index < len(session.messages):
                return False
            if self._first_shown <= index < self.last_shown:
                return True
            self.release_anchor()
            self.anchor(False)  # else scrolling to its bottom would follow pages down
            await self._replace(self._page_start(index, 1), self._page_end(index, FIRST_SCREENS))
            return True

    async def _replace(self, start: int, end: int) -> None:
        """Mount the messages [start, end) of the path in place of everything shown."""
        assert self._session is not None
        messages = self._session.messages
        self._first_shown, self._last_shown = start, end
        self._to_end = end >= len(messages)
        self.unfold_all()
        # At the top while the lock is held: the scroll watcher then pages nothing.
        self.scroll_to(y=0, animate=False, immediate=True)
        await self.remove_children()
        widgets = [self.make_widget(m) for m in messages[start:end]]
        if start:
            widgets.insert(0, self._earlier_button())
        if not self._to_end:
            widgets.append(self._later_button())
        with self.app.batch_update():
            await self.mount_all(widgets)
        self.post_message(self.Changed(replaced=True))

    # -- paging --------------------------------------------------------------------------------

    async def show_earlier(self, pages: int = 1, trim: bool = True) -> None:
        """Mount the previous page(s) of messages above the shown ones, keeping what the
        user is reading where it is on the screen (and, with `trim`, unmounting the newest
        ones past MAX_SHOWN)."""
        async with self._window_lock:
            if self._session is None or not self._first_shown:
                return
            start = self._first_shown
            for _ in range(pages):
                start = self._page_start(start, EARLIER_SCREENS)
            older = [self.make_widget(m) for m in self._session.messages[start : self._first_shown]]
            self._first_shown = start
            self.unfold_all()
            first = next((c for c in self.children if not isinstance(c, Fold | Button)), None)
            # Where the first shown message is relative to the top of the view, to keep it.
            offset = first.virtual_region.y - self.scroll_y if first is not None else 0
            if start:
                older.insert(0, self._earlier_button())
            with self.app.batch_update():
                await self.query("#earlier").remove()
                if first is None:
                    await self.mount_all(older)
                else:
                    await self.mount_all(older, before=first)
                if trim:
                    await self._trim_end()
            if first is not None:
                self.call_after_refresh(self._keep_place, first, offset)
            self.post_message(self.Changed(replaced=False))

    async def show_later(self) -> None:
        """Mount the next page of messages below the shown ones (unmounting the oldest ones
        past MAX_SHOWN, keeping what the user is reading where it is)."""
        async with self._window_lock:
            session = self._session
            if session is None or self._to_end:
                return
            start = self._last_shown
            end = self._page_end(start, EARLIER_SCREENS)
            newer = [self.make_widget(m) for m in session.messages[start:end]]
            self._last_shown = end
            self._to_end = end >= len(session.messages)
            if self._to_end:
                # Back at the end: scrolling to the bottom follows the end again.
                self.follow_from_end()
            else:
                newer.append(self._later_button())
            with self.app.batch_update():
                await self.query("#later").remove()
                await self.mount_all(newer)
                await self._trim_start()
            self.post_message(self.Changed(replaced=False))

    async def _trim_end(self) -> None:
        """Unmount the newest shown messages past MAX_SHOWN."""
        assert self._session is not None
        shown = self.shown_widgets()
        if len(shown) <= MAX_SHOWN:
            return
        self._last_shown = self._first_shown + MAX_SHOWN
        self._to_end = False
        self.anchor(False)
        await self.query("#later").remove()
        await self.remove_children(shown[MAX_SHOWN:])
        await self.mount(self._later_button())

    async def _trim_start(self) -> None:
        """Unmount the oldest shown messages past MAX_SHOWN, keeping the first message that
        stays where it is on the screen."""
        shown = self.shown_widgets()
        extra = len(shown) - MAX_SHOWN
        if extra <= 0:
            return
        self.unfold_all()
        keep = shown[extra]
        offset = keep.virtual_region.y - self.scroll_y
        self._first_shown += extra
        await self.query("#earlier").remove()
        await self.remove_children(shown[:extra])
        await self.mount(self._earlier_button(), before=keep)
        self.call_after_refresh(self._keep_place, keep, offset)

    def _keep_place(self, widget: Widget, offset: float) -> None:
        self.scroll_to(y=widget.virtual_region.y - offset, animate=False, immediate=True)

    async def show_all(self) -> None:
        """Mount every message of the session, a page at a time (nothing in the app needs
        this: a jump mounts a window around its target)."""
        if self._session is not None:
            await self.show_session(self._session)
        while self._first_shown:
            await self.show_earlier(pages=1, trim=False)
            await asyncio.sleep(0)  # a page at a time: keys are answered in between

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._window_lock.locked():
            return
        if new <= 0 < old and self._first_shown:
            self.run_worker(
                self.show_earlier(), exclusive=True, group="earlier", exit_on_error=False
            )
        elif not self._to_end and old < new and new >= self.max_scroll_y:
            self.run_worker(
                self.show_later(), exclusive=True, group="later", exit_on_error=False
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id not in ("earlier", "later"):
            return
        event.stop()
        if self._window_lock.locked():
            return  # a page is being mounted: cancelling it would leave the range half done
        if event.button.id == "earlier":
            self.run_worker(
                self.show_earlier(), exclusive=True, group="earlier", exit_on_error=False
            )
        else:
            self.run_worker(
                self.show_later(), exclusive=True, group="later", exit_on_error=False
            )

    # -- the path changed ------------------------------------------------------------------

    async def sync_path(self, session: Session) -> None:
        """After a tree operation (flip, edit, delete, regenerate): unmount the shown
        messages from where they leave the current path and mount the path after them, up
        to where the range ended (to the end when it reached the end)."""
        path = session.messages
        start = self._first_shown
        if self._session is not session or start > len(path):
            await self.show_session(session)
            return
        async with self._window_lock:
            shown = self.shown_widgets()
            keep = 0
            while (
                keep < len(shown)
                and start + keep < len(path)
                and getattr(shown[keep], "message", None) is path[start + keep]
            ):
                keep += 1
            end = len(path) if self._to_end else max(self._last_shown, start + keep)
            end = min(len(path), end, start + max(keep, MAX_SHOWN))
            for widget in shown[keep:]:
                await widget.remove()
            await self.query("#later").remove()
            self._last_shown, self._to_end = end, end >= len(path)
            if not self._to_end:
                self.anchor(False)
            if path[start + keep : end]:
                await self.mount_all([self.make_widget(m) for m in path[start + keep : end]])
            if not self._to_end:
                await self.mount(self._later_button())
