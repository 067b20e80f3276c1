"""The search box above the session list, and the list of results it shows instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui_chat.core.timefmt import relative_time
from tui_chat.ui.text_fit import ellipsize_content

if TYPE_CHECKING:
    from textual.command import Provider

    from tui_chat.core.search import SearchHit


def session_search_provider() -> type[Provider]:
    """The command palette's session search (the chat screen's COMMANDS), imported when
    the palette first opens: Textual takes a callable there for that."""
    from tui_chat.ui.widgets.session_palette import SessionSearchProvider

    return SessionSearchProvider


class SessionSearchInput(Input):
    """Typing searches every session (titles and messages); Esc clears, Down goes to the
    results."""

    BINDINGS = [
        Binding(
            "escape", "screen.clear_session_search", "Clear search", id="search.clear", show=False
        ),
        Binding("down", "to_results", "Results", id="search.results", show=False),
    ]

    def action_to_results(self) -> None:
        results = self.screen.query(SearchResults)
        if results and results.first().display and results.first().option_count:
            results.first().focus()


class SearchResults(OptionList):
    """Search results, grouped by session: the session's title (a row that cannot be
    chosen), then one row per match with the text around it, the match highlighted.
    Choosing a match opens its session at that message."""

    BINDINGS = [
        Binding("escape", "screen.clear_session_search", "Clear search", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False, compact=True)
        self.hits: list[SearchHit] = []
        self._now = 0.0
        self.hit_rows: list[int] = []
        """The option index of each hit."""

    def show_hits(self, hits: list[SearchHit], now: float) -> None:
        """Show `hits`; the highlighted result stays highlighted when it is among them (a
        search run again after sessions changed), else the first is."""
        before = self.highlighted_hit
        self.hits = list(hits)
        self._now = now
        self._render_hits()
        if self.hits:
            keys = [(h.session_id, h.message_id, h.snippet) for h in self.hits]
            where = (before.session_id, before.message_id, before.snippet) if before else None
            self.highlighted = self.hit_rows[keys.index(where) if where in keys else 0]

    @property
    def highlighted_hit(self) -> SearchHit | None:
        index = self.highlighted
        if index is None or index >= self.option_count:
            return None
        return self.hit_for(self.get_option_at_index(index))

    @property
    def session_count(self) -> int:
        return len({hit.session_id for hit in self.hits})

    def _render_hits(self) -> None:
        """A title row per session and a row per match, each cut to the width (the match
        kept in sight)."""
        # Hidden until the first results: then the sidebar's width is the one to fit.
        shown = self.scrollable_content_region.width
        if not shown and isinstance(self.parent, Widget):
            shown = self.parent.scrollable_content_region.width - 1  # the scrollbar
        # The option's padding; a hidden sidebar (narrow screen) has no width: cut when
        # it is shown (on_resize).
        width = max(8, shown - 2) if shown > 0 else 10_000
        options: list[Option] = []
        self.hit_rows = []
        session = None
        for index, hit in enumerate(self.hits):
            if hit.session_id != session:
                session = hit.session_id
                head = ellipsize_content(Content.styled(hit.title, "bold"), width, "bold")
                options.append(Option(head, disabled=True))
            if hit.message_id is None:
                detail = f"title · {relative_time(hit.updated_at, self._now)}"
                line = ellipsize_content(Content.styled(INDENT + detail, "dim"), width, "dim")
            else:
                line = hit_line(hit, width)
            self.hit_rows.append(len(options))
            options.append(Option(line, id=str(index)))
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        if highlighted is not None and highlighted < len(options):
            self.highlighted = highlighted

    def on_resize(self) -> None:
        if self.hits:
            self._render_hits()

    def hit_for(self, option: Option) -> SearchHit | None:
        try:
            return self.hits[int(option.id or "")]
        except (ValueError, IndexError):
            return None


def results_title(hits: list[SearchHit], sessions: int) -> str:
    """The sidebar's title over the results: `6 hits in 2 sessions` (the search box
    under it says what was searched; a sidebar is 28 cells wide)."""
    from tui_chat.core.search import MAX_RESULTS  # loaded by the search itself

    if not hits:
        return "Search: nothing found"
    more = "+" if sessions >= MAX_RESULTS else ""
    found = "1 hit" if len(hits) == 1 else f"{len(hits)} hits"
    where = "1 session" if sessions == 1 else f"{sessions}{more} sessions"
    return f"{found} in {where}"


INDENT = "  "
"""Before each match's row, under its session's title."""
MATCH_STYLE = "bold reverse"
AFTER_CELLS = 6
"""Cells of text kept after the match when the row must be cut before it."""


def hit_line(hit: SearchHit, width: int) -> Content:
    """A match's row: the snippet dim with the match highlighted, cut to `width` cells
    so that the match shows (text before it is cut from the left when needed)."""
    text, start, end = hit.snippet, hit.match_start, hit.match_end
    before, match, after = text[:start], text[start:end], text[end:]
    room = width - cell_len(INDENT) - cell_len(match) - min(AFTER_CELLS, cell_len(after))
    if cell_len(before) > max(room, 0):
        before = "…" + _last_cells(before, room - 1)
    line = Content.assemble((INDENT + before, "dim"), (match, MATCH_STYLE), (after, "dim"))
    return ellipsize_content(line, width, "dim")


def _last_cells(text: str, cells: int) -> str:
    """The end of `text` that fits in `cells` cells."""
    used, cut = 0, len(text)
    while cut > 0 and used + cell_len(text[cut - 1]) <= cells:
        cut -= 1
        used += cell_len(text[cut])
    return text[cut:]
