"""The command palette's "search: …" entries: matches from the session search index, each
opening its session at the matching message (through the sidebar, which owns the search)."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content

from tui_chat.core.search import first_per_session
from tui_chat.ui.widgets.sidebar import Sidebar

PALETTE_HITS = 8


class SessionSearchProvider(Provider):
    """Command palette: "search: …" entries, from the session search index."""

    def _sidebar(self) -> Sidebar | None:
        found = self.screen.query(Sidebar)
        return found.first() if found else None

    async def startup(self) -> None:
        sidebar = self._sidebar()
        if sidebar is not None:
            sidebar.start_search_index()

    async def search(self, query: str) -> Hits:
        sidebar = self._sidebar()
        text = query.strip()
        explicit = text.casefold().startswith("search:")
        if explicit:
            text = text[len("search:") :].strip()
        if sidebar is None or len(text) < 2:
            return
        index = sidebar.app.store.search
        if not index.ready.is_set():
            return
        hits = first_per_session(await asyncio.to_thread(index.search, text, PALETTE_HITS))
        for rank, hit in enumerate(hits):
            where = hit.snippet or "in the title"
            display = Content.assemble(("search: ", "dim"), (hit.title, "bold"), f" — {where}")
            yield Hit(
                (0.9 if explicit else 0.3) - rank * 0.01,
                display,
                partial(sidebar.open_search_hit, hit),
                text=f"search: {hit.title} {where}",
                help="Open the session at the matching message",
            )
