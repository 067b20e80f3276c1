"""The session sidebar: a virtual list (Line API) that stays fast with many thousands of rows.

Pinned sessions come first (marked ★), then the newest. Letter keys act on the row under the
cursor through the screen's session actions (see `tui_chat.ui.widgets.session_commands`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_chat.core.store.session_store import SessionSummary
from tui_chat.core.timefmt import relative_time
from tui_chat.ui.text_fit import ellipsize

ROW_HEIGHT = 2
PIN_MARK = "★ "


class SessionList(ScrollView, can_focus=True):
    """Sessions, pinned then newest first: title on one line, model and age on the next."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("r", "screen.rename_session", "Rename", id="sidebar.rename", show=False),
        Binding("d,delete", "screen.delete_session", "Delete", id="sidebar.delete", show=False),
        Binding("c", "screen.duplicate_session", "Duplicate", id="sidebar.duplicate", show=False),
        Binding("p", "screen.pin_session", "Pin / unpin", id="sidebar.pin", show=False),
        Binding("e", "screen.export_session('md')", "Export", id="sidebar.export", show=False),
        Binding("slash", "screen.search_sessions", "Search", id="sidebar.search", show=False),
    ]
    COMPONENT_CLASSES = {
        "session-list--title",
        "session-list--detail",
        "session-list--cursor",
        "session-list--current",
        "session-list--live",
        "session-list--pinned",
    }

    cursor: reactive[int] = reactive(0, init=False)
    count: var[int] = var(0, init=False)
    """How many sessions are listed (the sidebar's title watches it)."""

    @dataclass
    class Selected(Message):
        """The user chose a session to open."""

        session_id: str

    class Changed(Message):
        """Sessions were listed, changed or taken off (search results may show old titles)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._items: list[SessionSummary] = []
        self._positions: dict[str, int] = {}
        self.current_id: str | None = None
        self.live_ids: set[str] = set()
        self.pinned_ids: set[str] = set()
        self._removed: set[str] = set()
        """Deleted while a late update (a reply ending) could still add them back."""
        self._now = time.time()
        self._cache: dict[tuple[int, int, int], Strip] = {}

    # -- data ------------------------------------------------------------------------------

    @property
    def items(self) -> list[SessionSummary]:
        return self._items

    def summary(self, session_id: str) -> SessionSummary | None:
        """The listed summary of a session (None when it is not listed)."""
        index = self._positions.get(session_id)
        return self._items[index] if index is not None else None

    @property
    def cursor_id(self) -> str | None:
        """The id of the session under the cursor."""
        if 0 <= self.cursor < len(self._items):
            return self._items[self.cursor].id
        return None

    # Every change of the rows goes through `_rows_changed`, which puts the cursor back on
    # the session it was on (read before the change), or, when that session is gone, on the
    # row that took its place: an index kept across a change of the rows is a stale index.

    def set_items(self, items: list[SessionSummary]) -> None:
        under_cursor = self.cursor_id
        self.pinned_ids = {item.id for item in items if item.pinned}
        self._items = sorted(items, key=SessionSummary.sort_key)
        self._rows_changed(under_cursor)

    def upsert(self, summary: SessionSummary) -> None:
        """Add or update one session, keeping pinned first, then newest first."""
        if summary.id in self._removed:
            return
        summary = replace(summary, pinned=summary.id in self.pinned_ids)
        under_cursor = self.cursor_id
        index = self._positions.get(summary.id)
        if index is not None:
            old = self._items[index]
            if old.sort_key() == summary.sort_key() or (
                index == 0 and summary.sort_key() <= old.sort_key()
            ):
                self._items[index] = summary
                self._refresh_data()
                self.post_message(self.Changed())
                return
            del self._items[index]
        key = summary.sort_key()
        position = 0
        while position < len(self._items) and self._items[position].sort_key() < key:
            position += 1
        self._items.insert(position, summary)
        # A current session listed only now (a copy, opened before its row came) gets the
        # cursor, as `set_current` gives it to a listed one.
        newly_current = index is None and summary.id == self.current_id
        self._rows_changed(summary.id if newly_current else under_cursor)

    def _rows_changed(self, under_cursor: str | None) -> None:
        """The rows were added, removed or moved: index them, and keep the cursor on
        `under_cursor` when it is still listed, else on a row that exists."""
        self._reindex()
        index = self._positions.get(under_cursor or "")
        # `cursor` validates (clamps to the rows) on every assignment, the same value too.
        self.cursor = index if index is not None else self.cursor
        self.post_message(self.Changed())

    def remove_session(self, session_id: str) -> None:
        """Take a session off the list; later updates of it are ignored until `restore`.
        The cursor stays on its session; on the removed one, it moves to the next row (or
        the last, when the removed row was last)."""
        self._removed.add(session_id)
        index = self._positions.get(session_id)
        if index is not None:
            under_cursor = self.cursor_id
            del self._items[index]
            self._rows_changed(None if under_cursor == session_id else under_cursor)

    def restore(self, summary: SessionSummary) -> None:
        """List a session again (restored from the trash)."""
        self._removed.discard(summary.id)
        if summary.pinned:
            self.pinned_ids.add(summary.id)
        self.upsert(summary)

    def merge(self, summaries: list[SessionSummary], gone: list[str]) -> None:
        """Sessions as their files now say, after another process wrote or removed them:
        listed (even if deleted here before) or updated, pinned as the file says, or taken
        off (an update from this app lists them again). One sort for a whole batch."""
        under_cursor = self.cursor_id
        fresh = {summary.id: summary for summary in summaries}
        for summary in summaries:
            self._removed.discard(summary.id)
            if summary.pinned:
                self.pinned_ids.add(summary.id)
            else:
                self.pinned_ids.discard(summary.id)
        self.pinned_ids.difference_update(gone)
        dropped = fresh.keys() | set(gone)
        kept = [item for item in self._items if item.id not in dropped]
        self._items = sorted([*kept, *fresh.values()], key=SessionSummary.sort_key)
        self._rows_changed(under_cursor)

    def set_pinned(self, session_id: str, pinned: bool) -> None:
        """Pin or unpin a listed session: its row moves, and the cursor follows it."""
        if pinned:
            self.pinned_ids.add(session_id)
        else:
            self.pinned_ids.discard(session_id)
        index = self._positions.get(session_id)
        if index is not None:
            self.upsert(self._items[index])  # takes `pinned` from pinned_ids
            self.cursor = self._positions.get(session_id, self.cursor)

    def set_current(self, session_id: str | None) -> None:
        self.current_id = session_id
        index = self._positions.get(session_id or "")
        if index is not None:
            self.cursor = index
        self._refresh_data()

    def set_live(self, live_ids: set[str]) -> None:
        self.live_ids = set(live_ids)
        self._refresh_data()

    def tick(self) -> None:
        """Refresh relative times."""
        self._refresh_data()

    def _reindex(self) -> None:
        self._positions = {item.id: index for index, item in enumerate(self._items)}
        self.count = len(self._items)
        self.virtual_size = Size(self.size.width, len(self._items) * ROW_HEIGHT)
        self._refresh_data()

    def _refresh_data(self) -> None:
        self._now = time.time()
        self._cache.clear()
        self.refresh()

    # -- rendering -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._items) * ROW_HEIGHT)
        self._cache.clear()

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        row = scroll_y + y
        index, line = divmod(row, ROW_HEIGHT)
        width = self.scrollable_content_region.width
        if index >= len(self._items):
            return Strip.blank(width, self.rich_style)
        key = (index, line, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row_line(index, line, width)
            self._cache[key] = strip
        return strip

    def _render_row_line(self, index: int, line: int, width: int) -> Strip:
        item = self._items[index]
        base = self.rich_style
        if index == self.cursor and self.has_focus:
            base += self.get_component_rich_style("session-list--cursor")
        elif item.id == self.current_id:
            base += self.get_component_rich_style("session-list--current")
        if line == 0:
            marker = "● " if item.id in self.live_ids else "  "
            marker_style = base + self.get_component_rich_style("session-list--live")
            title_style = base + self.get_component_rich_style("session-list--title")
            segments = [Segment(marker, marker_style)]
            if item.pinned:
                pin_style = base + self.get_component_rich_style("session-list--pinned")
                segments.append(Segment(PIN_MARK, pin_style))
            room = width - sum(segment.cell_length for segment in segments)
            segments.append(Segment(ellipsize(item.title, room), title_style))
        else:
            detail = (
                f"  {item.model or item.provider} · {relative_time(item.updated_at, self._now)}"
            )
            detail_style = base + self.get_component_rich_style("session-list--detail")
            segments = [Segment(ellipsize(detail, width), detail_style)]
        # Cut with `…` above, never half a character; the crop only pads (and cuts the
        # marks when the list is narrower than them).
        strip = Strip(segments).crop_extend(0, width, base)
        return strip.simplify()

    # -- interaction -----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._cache.clear()
        self.refresh()
        self._scroll_to_cursor()

    def on_focus(self) -> None:
        self._refresh_data()

    def on_blur(self) -> None:
        self._refresh_data()

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._items) - 1)) if self._items else 0

    def _scroll_to_cursor(self) -> None:
        top = self.cursor * ROW_HEIGHT
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif top + ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height // ROW_HEIGHT)

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height // ROW_HEIGHT)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._items) - 1

    def action_select(self) -> None:
        if self._items:
            self.post_message(self.Selected(self._items[self.cursor].id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (self.scroll_offset.y + offset.y) // ROW_HEIGHT
        if 0 <= index < len(self._items):
            self.cursor = index
            self.post_message(self.Selected(self._items[index].id))
