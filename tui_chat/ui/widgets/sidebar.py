"""The session sidebar: its title, the search box and its results, and the session list.

`Sidebar` owns what the sidebar shows: the listing at start, the title with its count, the
search over all sessions, the sessions other processes write or remove (the folder watch),
and the row of a session after each announced change (`show_change`, called by the chat
screen's one SessionChanged handler). The session keys are the chat screen's, so they work
with focus in the prompt; their one-line actions call `Sidebar.commands`
(tui_chat.ui.widgets.session_commands) or the search methods here.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.worker import Worker

from tui_chat.core.store.session_store import SessionLoadError, SessionSummary
from tui_chat.core.store.watch import FolderChanges, SessionFolderWatcher
from tui_chat.services.changes import SessionChange
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import (
    SearchResults,
    SessionSearchInput,
    results_title,
)
from tui_chat.ui.widgets.sidebar_place import PlacedSidebar
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.core.search import SearchHit
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.chat import ChatScreen
    from tui_chat.ui.widgets.session_commands import SessionCommands

CHECK_LATER_SESSIONS = 1000
"""With this many sessions in the index, the start shows the index's head at once and
reads and checks the whole list in a thread (see SessionStore.index_head)."""
SEARCH_DEBOUNCE = 0.15
"""Seconds after the last key before the search box searches."""
BACKGROUND_START_DELAY = 3.0
"""Start-up work (search index, trash) waits this long, so it never competes with the first
screens; searching before then starts the index at once."""
SESSIONS_POLL_SECONDS = 2.0
"""How often the sessions folder is checked for files written by others (one stat)."""
REFRESH_DELAY = 0.15
"""Displayed results are searched again this long after the last change of the list."""
TICK_SECONDS = 30
"""How often the rows' relative times ("5 min ago") are brought up to date."""


class Sidebar(PlacedSidebar):
    """The `#sidebar` of the chat screen (see the module docstring)."""

    app: TuiChatApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._commands: SessionCommands | None = None
        self._head_count: int | None = None
        """The index's count, shown until the checked list replaces the index's head."""
        self._search_timer: Timer | None = None
        self._search_started = False
        self._results_timer: Timer | None = None
        self._folder_watcher: SessionFolderWatcher | None = None
        self._folder_scanning = False
        self._results: SearchResults | None = None  # mounted on first use (`results`)

    @property
    def commands(self) -> SessionCommands:
        """Rename, delete, restore, duplicate, pin and export, with their dialogs (made, and
        their module imported, when a session key is first used)."""
        if self._commands is None:
            from tui_chat.ui.widgets.session_commands import SessionCommands

            self._commands = SessionCommands(self)
        return self._commands

    def compose(self) -> ComposeResult:
        yield Static("Sessions", id="sidebar-title")
        yield SessionSearchInput(placeholder="Search sessions…", id="session-search")
        yield SessionList(id="sessions")

    def on_mount(self) -> None:
        self.watch(self.sessions, "count", self._show_count, init=False)
        self.set_interval(TICK_SECONDS, self.sessions.tick)
        self.set_timer(BACKGROUND_START_DELAY, self._background_start)
        self._folder_watcher = SessionFolderWatcher(self.app.store)
        self.set_interval(SESSIONS_POLL_SECONDS, self._poll_sessions_folder, name="sessions watch")

    @property
    def chat(self) -> ChatScreen:
        return cast("ChatScreen", self.screen)

    @property
    def sessions(self) -> SessionList:
        return self.query_one(SessionList)

    @property
    def results(self) -> SearchResults:
        return self._mount_results()

    def _mount_results(self) -> SearchResults:
        """The search results, mounted when the search is first used: the first screen
        does without them (an option list costs a few ms of styling before it is drawn)."""
        if self._results is None:
            self._results = SearchResults(id="search-results")
            self.mount(self._results, before=self.sessions)
        return self._results

    def _results_shown(self) -> bool:
        return self._results is not None and self._results.display

    @property
    def search_box(self) -> SessionSearchInput:
        return self.query_one(SessionSearchInput)

    # -- listing -----------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def list_at_start(self) -> list[SessionSummary]:
        """List the sessions (with thousands, the index's head now and the checked list
        from a thread); the first rows, to open the newest."""
        store = self.app.store
        summaries, count = store.index_head()
        if count >= CHECK_LATER_SESSIONS:
            # Reading and checking thousands of sessions takes longer than starting: show
            # the first ones the index names now, the whole checked list once it is ready.
            self._head_count = count
            self.sessions.set_items(summaries)
            self._show_count()
            # Once the first screen is drawn: the thread holds the interpreter much of its
            # time, which slowed drawing it (10k sessions: the first screen 0.48 -> 0.35 s).
            check = dict(thread=True, name="check sessions", exit_on_error=False)
            self.call_after_refresh(self.run_worker, self._check_sessions, **check)
        else:
            summaries, problems = store.list_sessions()
            self._sessions_listed(summaries, problems)
        return summaries

    def _check_sessions(self) -> None:
        summaries, problems = self.app.store.list_sessions()
        self.app.call_from_thread(self._sessions_listed, summaries, problems)

    def _sessions_listed(
        self, summaries: list[SessionSummary], problems: list[SessionLoadError]
    ) -> None:
        self._head_count = None
        session = self.chat.session
        if session is not None and session.messages and all(s.id != session.id for s in summaries):
            # Sent to while the files were being checked (saved after the check).
            pinned = self.app.store.is_pinned(session.id)
            summaries = [*summaries, SessionSummary.of(session, pinned)]
        self.sessions.set_items(summaries)
        if session is not None:
            self.sessions.set_current(session.id)
        self._show_count()
        if problems:
            self._tell_unreadable(problems, "session file(s) could not be read")

    def _tell_unreadable(self, problems: list[SessionLoadError], what: str) -> None:
        shown = "\n".join(f"{p.path.name}: {p.problem}" for p in problems[:5])
        more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
        self.notify(
            f"{len(problems)} {what} and are not listed:\n{shown}{more}",
            title="Unreadable sessions",
            severity="warning",
            timeout=12,
        )

    def _show_count(self) -> None:
        """The title says how many sessions are listed (the search says what it found)."""
        if self._results_shown():
            return
        count = len(self.sessions.items) if self._head_count is None else self._head_count
        self._set_title(f"Sessions ({count})")

    def _set_title(self, text: str) -> None:
        self.query_one("#sidebar-title", Static).update(text)

    def show_change(self, change: SessionChange) -> None:
        """A session changed (SessionChanges announced it): its row as it is now."""
        if change.summary is not None:
            self.sessions.upsert(change.summary)

    @on(SessionList.Selected)
    async def _open_selected(self, event: SessionList.Selected) -> None:
        event.stop()
        if await self.chat.open_session(event.session_id):
            self.chat.prompt.focus()

    # -- which session -----------------------------------------------------------------------

    def target_id(self) -> str | None:
        """The session under the list's cursor when it has focus, else the open one."""
        sessions = self.sessions
        if sessions.has_focus and sessions.cursor_id is not None:
            return sessions.cursor_id
        session = self.chat.session
        return session.id if session is not None else None

    def title_of(self, session_id: str) -> str:
        session = self.chat.session
        if session is not None and session.id == session_id:
            return session.title
        listed = self.sessions.summary(session_id)
        return listed.title if listed is not None else session_id

    # -- start-up work -----------------------------------------------------------------------

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

    # -- search ------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.show(True)
        self.start_search_index()
        self._mount_results()  # before the search answers
        self.search_box.focus()

    def clear_search(self) -> None:
        self.search_box.value = ""
        self._show_results(None)
        self.chat.prompt.focus()

    @on(Input.Changed, "#session-search")
    def _search_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        if not event.value.strip():
            self._show_results(None)
            return
        self.start_search_index()
        self._mount_results()  # before the search answers (e.g. after a click)
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._search_now)

    @on(Input.Submitted, "#session-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.results
        if results.display and results.hits:
            results.focus()

    def _search_now(self) -> None:
        query = self.search_box.value
        if not query.strip():
            return
        index = self.app.store.search
        if not index.ready.is_set():
            self._set_title("Search: indexing sessions…")

        def work() -> None:
            index.ready.wait()
            hits = index.search(query)
            self.app.call_from_thread(self._show_hits, query, hits)

        self.run_worker(
            work, thread=True, exclusive=True, group="session-search", exit_on_error=False
        )

    def _show_hits(self, query: str, hits: list[SearchHit]) -> None:
        if self.search_box.value != query:
            return  # typed on meanwhile: a newer search follows
        self._show_results(hits)

    def _show_results(self, hits: list[SearchHit] | None) -> None:
        sessions = self.sessions
        if hits is None:
            if self._results is not None:
                self._results.display = False
            sessions.display = True
            self._show_count()
            return
        # The titles as listed now: a rename shows before the index has it (a streaming
        # session is saved with its reply).
        listed = [(hit, sessions.summary(hit.session_id)) for hit in hits]
        hits = [replace(hit, title=item.title) if item else hit for hit, item in listed]
        results = self.results
        results.show_hits(hits, time.time())
        results.display = True
        sessions.display = False
        self._set_title(results_title(hits, results.session_count))

    @on(OptionList.OptionSelected, "#search-results")
    async def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        hit = self.results.hit_for(event.option)
        if hit is not None:
            await self.open_search_hit(hit)

    async def open_search_hit(self, hit: SearchHit) -> None:
        """Open the session of a search result at its matching message, ready to type in
        (the results stay; Alt+S and Down go back to them)."""
        chat = self.chat
        if not await chat.open_session(hit.session_id):
            return
        chat.prompt.focus()
        if hit.message_id is None:
            return
        widget = await chat.view.reveal(hit.message_id)
        session = chat.session
        if widget is None and session is not None and session.get(hit.message_id) is not None:
            # The match is on another branch: make that branch the current path, as a
            # flip to it would, and show it there.
            session.switch_to(hit.message_id)
            await chat.show_session(session)
            widget = await chat.view.reveal(hit.message_id)
            if widget is not None:
                self.notify("Switched to the branch of the conversation with the match.")
        if widget is None:
            self.notify("The match is no longer in this conversation.", timeout=4)

    @on(SessionList.Changed)
    def _rows_changed(self, event: SessionList.Changed) -> None:
        """Sessions changed: displayed results are searched again (titles, new matches)."""
        event.stop()
        if self._results_timer is not None:
            self._results_timer.stop()
        self._results_timer = self.set_timer(REFRESH_DELAY, self._refresh_results)

    def _refresh_results(self) -> None:
        self._results_timer = None
        if self._results_shown() and self.search_box.value.strip():
            self._search_now()

    # -- sessions other processes write --------------------------------------------------
    # `tui-chat import`, a second tui-chat: the folder is polled like the config file.

    def _poll_sessions_folder(self) -> None:
        """Timer: a stat of the folder; a scan in a thread when it changed."""
        watcher = self._folder_watcher
        if watcher is None or self._folder_scanning or not watcher.due():
            return
        self._folder_scanning = True

        def scan() -> None:
            try:
                changes = watcher.scan()
            finally:
                self._folder_scanning = False
            if changes:
                self.app.call_from_thread(self.sessions_changed_on_disk, changes)

        self.run_worker(scan, thread=True, name="sessions watch", exit_on_error=False)

    def sessions_changed_on_disk(self, changes: FolderChanges) -> None:
        """List what another process wrote; take off what it removed. The open session
        and streaming ones are the app's own: its row shows what the app holds (its next
        save writes the file again); a streaming one stays listed, its file is back within
        seconds."""
        live = set(self.app.replies.live)
        shown = self.chat.session
        if shown is not None and any(s.id == shown.id for s in changes.summaries):
            self.run_worker(
                self.reload_if_open(shown.id), group="reload-open", exit_on_error=False
            )
        own = live | ({shown.id} if shown is not None else set())
        summaries = [summary for summary in changes.summaries if summary.id not in own]
        gone = [session_id for session_id in changes.removed if session_id not in live]
        if summaries or gone:
            self.sessions.merge(summaries, gone)
        if changes.problems:
            self._tell_unreadable(changes.problems, "new session file(s) could not be read")

    async def reload_if_open(self, session_id: str) -> None:
        """Another window wrote the open session (new turns, a rename): show the file as
        it is now, which holds this window's messages too (saves merge). Not while a reply
        streams into it or a save of it failed: it is reloaded after its next save."""
        chat, store = self.chat, self.app.store
        session = chat.session
        if session is None or session.id != session_id:
            return
        if session_id in self.app.replies.live or store.is_unsaved(session_id):
            return
        try:
            fresh = store.load(session_id)
        except SessionLoadError:
            return  # its next save writes what this window holds
        before = {m.id for m in session.all_messages()}
        added = [m for m in fresh.all_messages() if m.id not in before]
        await chat.show_session(fresh)
        self.app.changes.announce_only(fresh, "reloaded")  # the file is as shown: no write
        # Pinned or unpinned there: the file says so (the row kept this window's pin).
        pinned = store.is_pinned(session_id)
        if pinned != (session_id in self.sessions.pinned_ids):
            self.sessions.set_pinned(session_id, pinned)
        if added:
            self.notify(
                f"{len(added)} message(s) arrived from another window.", title=fresh.title
            )
