"""Session operations of the chat screen: rename, delete (to the trash) and restore,
duplicate, pin, export, search across sessions, automatic titles.

`SessionActions` is a mixin of `ChatScreen`. Keys of the screen act on the open session;
the sidebar's letter keys (and these keys while the sidebar has focus) act on the session
under its cursor. Textual merges BINDINGS only along DOMNode classes, so the screen's keys
are in SESSION_BINDINGS, which ChatScreen adds to its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static

from tui_chat.core.atomic import write_atomic
from tui_chat.core.export import default_path, render
from tui_chat.core.search import SearchHit
from tui_chat.core.session import Session
from tui_chat.core.store.session_store import SessionLoadError, SessionSummary
from tui_chat.core.store.trash import KEEP_DAYS, TrashError
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import SearchResults, SessionSearchInput

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.messages import ReplyEnded
    from tui_chat.ui.widgets.messages import MessageView
    from tui_chat.ui.widgets.prompt import PromptInput

SEARCH_DEBOUNCE = 0.15
"""Seconds after the last key before the search box searches."""
BACKGROUND_START_DELAY = 3.0
"""Start-up work (search index, trash) waits this long, so it never competes with the first
screens; searching before then starts the index at once."""
PALETTE_HITS = 8
STOP_WAIT_SECONDS = 3.0

SESSION_BINDINGS = [
    # F6/F7 are the prompt's (TextArea: select line / select all), so they are not used.
    Binding("f9", "rename_session", "Rename the session", id="session.rename", show=False),
    Binding(
        "shift+f9", "duplicate_session", "Duplicate the session", id="session.duplicate", show=False
    ),
    Binding("f10", "pin_session", "Pin or unpin the session", id="session.pin", show=False),
    Binding(
        "f8", "delete_session", "Delete the session (to the trash)", id="session.delete", show=False
    ),
    Binding(
        "shift+f8",
        "restore_session",
        "Restore a deleted session (trash)",
        id="session.restore",
        show=False,
    ),
    Binding(
        "f12",
        "export_session('md')",
        "Export the session as Markdown",
        id="session.export",
        show=False,
    ),
    Binding(
        "shift+f12",
        "export_session('json')",
        "Export the session as JSON",
        id="session.export_json",
        show=False,
    ),
    # priority: a terminal sends Alt+S with the letter, which the prompt would type.
    Binding(
        "alt+s",
        "search_sessions",
        "Search all sessions",
        id="session.search",
        show=False,
        priority=True,
    ),
]


class SessionSearchProvider(Provider):
    """Command palette: "search: …" entries, from the session search index."""

    async def startup(self) -> None:
        screen = self.screen
        if isinstance(screen, SessionActions):
            screen.start_search_index()

    async def search(self, query: str) -> Hits:
        screen = self.screen
        text = query.strip()
        explicit = text.casefold().startswith("search:")
        if explicit:
            text = text[len("search:") :].strip()
        if not isinstance(screen, SessionActions) or len(text) < 2:
            return
        index = screen.app.store.search
        if not index.ready.is_set():
            return
        hits = await asyncio.to_thread(index.search, text, PALETTE_HITS)
        for rank, hit in enumerate(hits):
            where = hit.snippet or "in the title"
            display = Content.assemble(("search: ", "dim"), (hit.title, "bold"), f" — {where}")
            yield Hit(
                (0.9 if explicit else 0.3) - rank * 0.01,
                display,
                partial(screen.open_search_hit, hit),
                text=f"search: {hit.title} {where}",
                help="Open the session at the matching message",
            )


class SessionActions:
    """Mixin for ChatScreen (see the module docstring)."""

    COMMANDS = {SessionSearchProvider}

    if TYPE_CHECKING:
        # What the mixin uses of ChatScreen / Screen.
        app: TuiChatApp
        session: Session | None
        sessions: SessionList
        view: MessageView
        prompt: PromptInput

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def set_timer(self, delay: float, callback: Any, **kwargs: Any) -> Timer: ...
        def run_worker(self, work: Any, **kwargs: Any) -> Any: ...
        async def open_session(self, session_id: str, quiet: bool = False) -> bool: ...
        async def show_session(self, session: Session) -> None: ...
        def _refresh_sidebar_title(self) -> None: ...
        def _refresh_status(self) -> None: ...

    _search_timer: Timer | None = None
    _search_started = False

    def on_mount(self) -> None:
        """Start-up work off the UI thread, once the first screen is drawn."""
        self.set_timer(BACKGROUND_START_DELAY, self._background_start)

    def _background_start(self) -> None:
        store = self.app.store
        self.run_worker(store.trash.purge, thread=True, exit_on_error=False, name="purge trash")
        self.start_search_index()

    def start_search_index(self) -> None:
        """Load (or build) the search index in a thread, once."""
        if self._search_started:
            return
        self._search_started = True
        self.run_worker(
            self.app.store.search.load, thread=True, exit_on_error=False, name="search index"
        )

    # -- which session -----------------------------------------------------------------------

    def _target_id(self) -> str | None:
        """The session under the sidebar's cursor when it has focus, else the open one."""
        sessions = self.sessions
        if sessions.has_focus and sessions.cursor_id is not None:
            return sessions.cursor_id
        return self.session.id if self.session is not None else None

    def _session_for(self, session_id: str) -> Session | None:
        """The object to change for `session_id`: the open one, a streaming one, or the
        saved file (None, with a message, when it cannot be read)."""
        if self.session is not None and self.session.id == session_id:
            return self.session
        live = self.app.replies.live.get(session_id)
        if live is not None:
            return live.session
        try:
            return self.app.store.load(session_id)
        except SessionLoadError as problem:
            self.notify(
                f"{problem.path}: {problem.problem}", title="Cannot read it", severity="error"
            )
            return None

    def _is_saved(self, session_id: str) -> bool:
        return self.app.store.path_for(session_id).exists()

    def _summary(self, session: Session) -> SessionSummary:
        return SessionSummary.of(session, session.id in self.sessions.pinned_ids)

    # -- rename ------------------------------------------------------------------------------

    def action_rename_session(self) -> None:
        from tui_chat.ui.screens.session_dialogs import RenameScreen

        target = self._target_id()
        session = self._session_for(target) if target else None
        if session is None:
            return

        def renamed(title: str | None) -> None:
            if not title or (title == session.title and session.title_is_custom):
                return
            session.rename(title)
            if self._save_quietly(session):
                self.sessions.upsert(self._summary(session))
            self._refresh_status()
            self.notify(f"Renamed to “{session.title}”.", timeout=3)

        self.app.push_screen(RenameScreen(session.title), renamed)

    def _save_quietly(self, session: Session) -> bool:
        """Save a changed session unless it is new and empty (saved with its first message)
        or streaming (its reply's own saves include the change). True when listed."""
        if self.app.replies.is_streaming(session.id):
            return True
        if not session.messages and not self._is_saved(session.id):
            return False
        try:
            self.app.store.save(session)
        except OSError as exc:
            self.notify(f"Could not save the session: {exc}", severity="error")
            return False
        return True

    # -- delete and restore ------------------------------------------------------------------

    def action_delete_session(self) -> None:
        from tui_chat.ui.screens.confirm import ConfirmScreen

        target = self._target_id()
        if target is None:
            return
        if not self._is_saved(target) and not self.app.replies.is_streaming(target):
            self.notify("This session is empty and not saved: there is nothing to delete.")
            return
        title = self._title_of(target)
        streaming = self.app.replies.is_streaming(target)
        question = (
            f"Delete “{title}”?\n\nIt goes to the trash, where it can be restored for "
            f"{KEEP_DAYS} days (Shift+F8)."
        )
        if streaming:
            question += "\n\nIts reply is still arriving: it will be stopped first."

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._delete(target)

        self.app.push_screen(
            ConfirmScreen(question, confirm_label="Delete", cancel_label="Keep"), answered
        )

    def _title_of(self, session_id: str) -> str:
        if self.session is not None and self.session.id == session_id:
            return self.session.title
        for item in self.sessions.items:
            if item.id == session_id:
                return item.title
        return session_id

    async def _delete(self, session_id: str) -> None:
        replies = self.app.replies
        if replies.is_streaming(session_id):
            replies.stop(session_id)
            deadline = time.monotonic() + STOP_WAIT_SECONDS
            while replies.is_streaming(session_id) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if replies.is_streaming(session_id):
                self.notify("The reply did not stop in time; nothing was deleted.")
                return
        items = self.sessions.items
        position = next((i for i, item in enumerate(items) if item.id == session_id), 0)
        title = self._title_of(session_id)
        try:
            await asyncio.to_thread(self.app.store.trash_session, session_id)
        except TrashError as problem:
            self.notify(str(problem), title="Not deleted", severity="error")
            return
        self.sessions.remove_session(session_id)
        self._refresh_sidebar_title()
        if self.session is not None and self.session.id == session_id:
            rest = self.sessions.items
            opened = False
            if rest:
                opened = await self.open_session(rest[min(position, len(rest) - 1)].id)
            if not opened:
                await self.show_session(self.app.new_session())
        self.notify(f"Moved “{title}” to the trash (Shift+F8 restores it).", timeout=5)

    async def action_restore_session(self) -> None:
        from tui_chat.ui.screens.session_dialogs import TrashScreen

        trashed = await asyncio.to_thread(self.app.store.trash.list)

        async def chosen(session_id: str | None) -> None:
            if session_id:
                await self._restore(session_id)

        self.app.push_screen(TrashScreen(trashed), chosen)

    async def _restore(self, session_id: str) -> None:
        try:
            summary = await asyncio.to_thread(self.app.store.restore_session, session_id)
        except TrashError as problem:
            self.notify(str(problem), title="Not restored", severity="error")
            return
        except SessionLoadError as problem:
            self.notify(
                f"{problem.path}: {problem.problem}",
                title="Restored, but unreadable",
                severity="warning",
            )
            return
        self.sessions.restore(summary)
        self._refresh_sidebar_title()
        await self.open_session(session_id)
        self.notify(f"Restored “{summary.title}”.", timeout=4)

    # -- duplicate, pin ----------------------------------------------------------------------

    async def action_duplicate_session(self) -> None:
        target = self._target_id()
        if target is None:
            return
        if self.app.replies.is_streaming(target):
            self.notify("Its reply is still arriving; duplicate it once it ends.")
            return
        session = self._session_for(target)
        if session is None:
            return
        if not session.messages:
            self.notify("This session is empty: there is nothing to duplicate.")
            return
        try:
            copy = await asyncio.to_thread(self.app.store.duplicate, session)
        except OSError as exc:
            self.notify(f"Could not save the copy: {exc}", severity="error")
            return
        self.sessions.upsert(SessionSummary.of(copy))
        self._refresh_sidebar_title()
        await self.open_session(copy.id)
        self.notify(f"Opened the copy “{copy.title}”.", timeout=4)

    async def action_pin_session(self) -> None:
        target = self._target_id()
        if target is None:
            return
        if not self._is_saved(target):
            self.notify("Send a message first: an empty session is not saved yet.")
            return
        pinned = target not in self.sessions.pinned_ids
        result = await asyncio.to_thread(self.app.store.set_pinned, target, pinned)
        if result is None:
            self.notify("Could not write the session file.", severity="error")
            return
        self.sessions.set_pinned(target, pinned)
        self.notify("Pinned to the top." if pinned else "Unpinned.", timeout=3)

    # -- export ------------------------------------------------------------------------------

    def action_export_session(self, fmt: str = "md") -> None:
        from tui_chat.ui.screens.session_dialogs import ExportScreen

        if fmt not in ("md", "json"):
            self.notify(f"Unknown export format '{fmt}' (md or json).", severity="error")
            return
        target = self._target_id()
        session = self._session_for(target) if target else None
        if session is None:
            return
        if not session.messages:
            self.notify("This session is empty: there is nothing to export.")
            return
        default = default_path(session, fmt)
        home = str(Path.home())
        shown = "~" + str(default)[len(home) :] if str(default).startswith(home) else str(default)

        async def chosen(text: str | None) -> None:
            if not text:
                return
            path = Path(text).expanduser()
            if path.is_dir():
                path = path / default.name
            if path.exists():
                from tui_chat.ui.screens.confirm import ConfirmScreen

                async def overwrite(yes: bool | None) -> None:
                    if yes:
                        await self._export(session, fmt, path)

                self.app.push_screen(
                    ConfirmScreen(
                        f"{path} exists.\n\nReplace it?",
                        confirm_label="Replace",
                        cancel_label="Cancel",
                    ),
                    overwrite,
                )
                return
            await self._export(session, fmt, path)

        self.app.push_screen(ExportScreen(shown, fmt), chosen)

    async def _export(self, session: Session, fmt: str, path: Path) -> None:
        live = self.app.replies.live.get(session.id)
        if live is not None:
            live.sync()  # what has arrived so far
        text = render(
            session, self.app.store.snapshot(session), fmt, True, self.app.config
        )
        try:
            await asyncio.to_thread(write_atomic, path, text)
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Exported to {path}", title="Export", timeout=6)

    # -- search ------------------------------------------------------------------------------

    def action_search_sessions(self) -> None:
        self.query_one("#sidebar").display = True
        self.start_search_index()
        self.query_one(SessionSearchInput).focus()

    def action_clear_session_search(self) -> None:
        box = self.query_one(SessionSearchInput)
        box.value = ""
        self._show_results(None)
        self.prompt.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if not isinstance(event.input, SessionSearchInput):
            return
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        if not event.value.strip():
            self._show_results(None)
            return
        self.start_search_index()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._search_now)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SessionSearchInput):
            event.stop()
            results = self.query_one(SearchResults)
            if results.display and results.hits:
                results.focus()

    def _search_now(self) -> None:
        query = self.query_one(SessionSearchInput).value
        if not query.strip():
            return
        index = self.app.store.search
        if not index.ready.is_set():
            self._set_search_title("Search: indexing sessions…")

        def work() -> None:
            index.ready.wait()
            hits = index.search(query)
            self.app.call_from_thread(self._show_hits, query, hits)

        self.run_worker(
            work, thread=True, exclusive=True, group="session-search", exit_on_error=False
        )

    def _show_hits(self, query: str, hits: list[SearchHit]) -> None:
        if self.query_one(SessionSearchInput).value != query:
            return  # typed on meanwhile: a newer search follows
        self._show_results(hits)

    def _show_results(self, hits: list[SearchHit] | None) -> None:
        results = self.query_one(SearchResults)
        sessions = self.sessions
        if hits is None:
            results.display = False
            sessions.display = True
            self._refresh_sidebar_title()
            return
        # The titles as listed now: a rename shows before the index has it (a streaming
        # session is saved with its reply).
        listed = [(hit, self.sessions.summary(hit.session_id)) for hit in hits]
        hits = [replace(hit, title=item.title) if item else hit for hit, item in listed]
        results.show_hits(hits, time.time())
        results.display = True
        sessions.display = False
        count = f"{len(hits)}+" if len(hits) >= 200 else str(len(hits))
        self._set_search_title(f"Search: {count} found" if hits else "Search: nothing found")

    def _set_search_title(self, text: str) -> None:
        self.query_one("#sidebar-title", Static).update(text)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if not isinstance(event.option_list, SearchResults):
            return
        event.stop()
        hit = event.option_list.hit_for(event.option)
        if hit is not None:
            await self.open_search_hit(hit)

    async def open_search_hit(self, hit: SearchHit) -> None:
        """Open the session of a search result at its matching message, ready to type in
        (the results stay; Alt+S and Down go back to them)."""
        if not await self.open_session(hit.session_id):
            return
        self.prompt.focus()
        if hit.message_id is None:
            return
        widget = await self.view.reveal(hit.message_id)
        session = self.session
        if widget is None and session is not None and session.get(hit.message_id) is not None:
            # The match is on another branch: make that branch the current path, as a
            # flip to it would, and show it there.
            session.switch_to(hit.message_id)
            await self.show_session(session)
            widget = await self.view.reveal(hit.message_id)
            if widget is not None:
                self.notify("Switched to the branch of the conversation with the match.")
        if widget is None:
            self.notify("The match is no longer in this conversation.", timeout=4)

    # -- automatic titles --------------------------------------------------------------------

    def auto_title_after(self, event: ReplyEnded) -> None:
        """A reply ended: give its session a title when the config asks for it."""
        if self.app.config.defaults.auto_title:
            self.run_worker(
                self._auto_title(event.session_id), group="auto-title", exit_on_error=False
            )

    async def _settled_session(self, session_id: str) -> Session | None:
        live = self.app.replies.live.get(session_id)
        if live is not None:
            return live.session
        if self.session is not None and self.session.id == session_id:
            return self.session
        store = self.app.store
        try:
            await asyncio.to_thread(store.wait_for_writes)
            return await asyncio.to_thread(store.load, session_id)
        except SessionLoadError:
            return None

    async def _auto_title(self, session_id: str) -> None:
        from tui_chat.core.titles import suggest_title, wants_title

        session = await self._settled_session(session_id)
        if session is None or not wants_title(session):
            return
        before = session.title
        if session.demo:
            return
        try:  # a key command runs in a thread (it ran for the reply already, as a rule)
            resolved = await self.app.registry.resolve_async(session.provider)
            title = await suggest_title(resolved.provider, session.model, session)
        except Exception:  # a title is a nicety: failing is quiet
            return
        target = await self._settled_session(session_id)
        if not title or target is None or target.title_is_custom or target.title != before:
            return
        target.title = title
        if not self.app.replies.is_streaming(session_id):
            try:
                await self.app.store.save_async(target)
            except OSError:
                return
        self.sessions.upsert(self._summary(target))
