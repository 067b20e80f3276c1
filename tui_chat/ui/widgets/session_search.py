"""The search box above the session list, and the list of results it shows instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui_chat.core.search import SearchHit
from tui_chat.core.timefmt import relative_time

if TYPE_CHECKING:
    from textual.command import Provider


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
    """Search results: a session's title, and the text around the match."""

    BINDINGS = [
        Binding("escape", "screen.clear_session_search", "Clear search", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False, compact=True)
        self.hits: list[SearchHit] = []
        self._now = 0.0

    def show_hits(self, hits: list[SearchHit], now: float) -> None:
        """Show `hits`; the highlighted result stays highlighted when it is among them (a
        search run again after sessions changed), else the first is."""
        before = self.highlighted_hit
        self.hits = list(hits)
        self._now = now
        self._render_hits()
        if self.hits:
            keys = [(hit.session_id, hit.message_id) for hit in self.hits]
            where = (before.session_id, before.message_id) if before is not None else None
            self.highlighted = keys.index(where) if where in keys else 0

    @property
    def highlighted_hit(self) -> SearchHit | None:
        index = self.highlighted
        return self.hits[index] if index is not None and index < len(self.hits) else None

    def _render_hits(self) -> None:
        """Two lines per result, each cut to the width (a narrow sidebar shows the start
        of the snippet, where the match is)."""
        # Hidden until the first results: then the sidebar's width is the one to fit.
        shown = self.scrollable_content_region.width
        if not shown and isinstance(self.parent, Widget):
            shown = self.parent.scrollable_content_region.width - 1  # the scrollbar
        # The option's padding; a hidden sidebar (narrow screen) has no width: cut when
        # it is shown (on_resize).
        width = max(8, shown - 2) if shown > 0 else 10_000
        options: list[Option] = []
        for index, hit in enumerate(self.hits):
            head = Content.styled(hit.title, "bold").truncate(width, ellipsis=True)
            detail = hit.snippet or f"title · {relative_time(hit.updated_at, self._now)}"
            line = Content.styled(detail, "dim").truncate(width, ellipsis=True)
            options.append(Option(Content.assemble(head, "\n", line), id=str(index)))
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
