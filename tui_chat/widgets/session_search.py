"""The search box above the session list, and the list of results it shows instead."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui_chat.search_index import SearchHit
from tui_chat.timefmt import relative_time


class SessionSearchInput(Input):
    """Typing searches every session (titles and messages); Esc clears, Down goes to the
    results."""

    BINDINGS = [
        Binding("escape", "clear_search", "Clear search", id="search.clear", show=False),
        Binding("down", "to_results", "Results", id="search.results", show=False),
    ]

    def action_clear_search(self) -> None:
        self.screen.run_action("clear_session_search")

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

    def show_hits(self, hits: list[SearchHit], now: float, limit_note: str = "") -> None:
        self.hits = list(hits)
        options: list[Option] = []
        for index, hit in enumerate(hits):
            head = Content.styled(hit.title, "bold")
            age = relative_time(hit.updated_at, now)
            detail = hit.snippet if hit.snippet else f"title · {age}"
            prompt = Content.assemble(head, "\n", Content.styled(detail, "dim"))
            options.append(Option(prompt, id=str(index)))
        self.clear_options()
        self.add_options(options)
        if options:
            self.highlighted = 0
        self.border_subtitle = limit_note

    def hit_for(self, option: Option) -> SearchHit | None:
        try:
            return self.hits[int(option.id or "")]
        except (ValueError, IndexError):
            return None
