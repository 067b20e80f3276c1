"""Keeping the sidebar and the search results current: sessions that another process wrote
or removed (`tui-chat import`, a second tui-chat) show up within a poll, and displayed
search results are searched again when sessions change (a rename shows its new title).

`SessionFolderActions` is a mixin of `ChatScreen`, after `SessionActions` (whose search it
runs again). The folder is polled like the config file (see `tui_chat.core.store.watch`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui_chat.core.store.session_store import SessionLoadError, SessionSummary
from tui_chat.core.store.watch import FolderChanges, SessionFolderWatcher
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import SearchResults, SessionSearchInput

if TYPE_CHECKING:
    from textual.timer import Timer, TimerCallback

    from tui_chat.core.session import Session
    from tui_chat.ui.app import TuiChatApp

SESSIONS_POLL_SECONDS = 2.0
"""How often the sessions folder is checked for files written by others (one stat)."""
REFRESH_DELAY = 0.15
"""Displayed results are searched again this long after the last change of the sidebar."""


class SessionFolderActions:
    """Mixin for ChatScreen (see the module docstring)."""

    if TYPE_CHECKING:
        app: TuiChatApp
        session: Session | None
        sessions: SessionList

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def set_timer(self, delay: float, callback: Any, **kwargs: Any) -> Timer: ...
        def set_interval(
            self,
            interval: float,
            callback: TimerCallback | None = None,
            *,
            name: str | None = None,
            repeat: int = 0,
            pause: bool = False,
        ) -> Timer: ...
        def run_worker(self, work: Any, **kwargs: Any) -> Any: ...
        async def show_session(self, session: Session) -> None: ...
        def _summary(self, session: Session) -> SessionSummary: ...
        def _search_now(self) -> None: ...
        def _refresh_sidebar_title(self, count: int | None = None) -> None: ...

    _folder_watcher: SessionFolderWatcher | None = None
    _folder_scanning = False
    _results_timer: Timer | None = None

    async def on_mount(self) -> None:  # async like ChatScreen's (mypy checks both)
        self._folder_watcher = SessionFolderWatcher(self.app.store)
        self.set_interval(SESSIONS_POLL_SECONDS, self._poll_sessions_folder, name="sessions watch")

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
        if self.session is not None and any(s.id == self.session.id for s in changes.summaries):
            self.run_worker(
                self.reload_if_open(self.session.id), group="reload-open", exit_on_error=False
            )
        own = live | ({self.session.id} if self.session is not None else set())
        summaries = [summary for summary in changes.summaries if summary.id not in own]
        gone = [session_id for session_id in changes.removed if session_id not in live]
        if summaries or gone:
            self.sessions.merge(summaries, gone)
            if not self.query_one(SearchResults).display:
                self._refresh_sidebar_title()
        if changes.problems:
            shown = "\n".join(f"{p.path.name}: {p.problem}" for p in changes.problems[:5])
            more = f"\n… and {len(changes.problems) - 5} more" if len(changes.problems) > 5 else ""
            self.notify(
                f"{len(changes.problems)} new session file(s) could not be read and are not "
                f"listed:\n{shown}{more}",
                title="Unreadable sessions",
                severity="warning",
                timeout=12,
            )

    async def reload_if_open(self, session_id: str) -> None:
        """Another window wrote the open session (new turns, a rename): show the file as
        it is now, which holds this window's messages too (saves merge). Not while a reply
        streams into it or a save of it failed: it is reloaded after its next save."""
        session = self.session
        if session is None or session.id != session_id:
            return
        if session_id in self.app.replies.live or self.app.store.is_unsaved(session_id):
            return
        try:
            fresh = self.app.store.load(session_id)
        except SessionLoadError:
            return  # its next save writes what this window holds
        before = {m.id for m in session.all_messages()}
        added = [m for m in fresh.all_messages() if m.id not in before]
        await self.show_session(fresh)
        self.sessions.upsert(self._summary(fresh))
        # Pinned or unpinned there: the file says so (the row kept this window's pin).
        pinned = self.app.store.is_pinned(session_id)
        if pinned != (session_id in self.sessions.pinned_ids):
            self.sessions.set_pinned(session_id, pinned)
        if added:
            self.notify(
                f"{len(added)} message(s) arrived from another window.", title=fresh.title
            )

    def on_session_list_changed(self, event: SessionList.Changed) -> None:
        """Sessions changed: displayed results are searched again (titles, new matches)."""
        event.stop()
        if self._results_timer is not None:
            self._results_timer.stop()
        self._results_timer = self.set_timer(REFRESH_DELAY, self._refresh_results)

    def _refresh_results(self) -> None:
        self._results_timer = None
        box = self.query_one(SessionSearchInput)
        if self.query_one(SearchResults).display and box.value.strip():
            self._search_now()
