"""What the user does to whole sessions: rename, duplicate, pin, delete to the trash and
restore, export, and the automatic title after the first reply.

No Textual here. Each operation changes a session through the store and hands the change
to `SessionChanges` (a save and one announcement; `announce_only` for what the store wrote
itself, such as a copy); the UI refreshes from the announcement. An operation that is not
done raises `Refused` with the words to show; which session it acts on (the open one, the
one under the sidebar's cursor) is the caller's choice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Protocol

from tui_chat.config.model import Config
from tui_chat.core.atomic import write_atomic
from tui_chat.core.session import Session
from tui_chat.core.store.session_store import SessionLoadError, SessionStore, SessionSummary
from tui_chat.core.store.trash import KEEP_DAYS, TrashedSession, TrashError
from tui_chat.providers import ProviderRegistry
from tui_chat.services.changes import SessionChanges

STOP_WAIT_SECONDS = 3.0
"""How long a delete waits for the session's streaming reply to stop."""
EXPORT_FORMATS = ("md", "json")

Severity = Literal["information", "warning", "error"]


class Refused(Exception):
    """An operation that was not done, and why, in words for the user."""

    def __init__(self, said: str, *, title: str = "", severity: Severity = "information") -> None:
        super().__init__(said)
        self.said = said
        self.title = title
        self.severity: Severity = severity


class StreamingReply(Protocol):
    """What this needs of a reply that is streaming (the UI's LiveReply)."""

    @property
    def session(self) -> Session: ...

    def sync(self) -> None: ...


class Replies(Protocol):
    """What this needs of the reply manager."""

    @property
    def live(self) -> Mapping[str, StreamingReply]: ...

    def is_streaming(self, session_id: str) -> bool: ...

    def stop(self, session_id: str) -> bool: ...


class SessionService:
    """Rename, duplicate, pin, trash, restore, export and auto-title sessions."""

    def __init__(
        self,
        store: SessionStore,
        changes: SessionChanges,
        replies: Replies,
        registry: ProviderRegistry,
        config: Callable[[], Config],
    ) -> None:
        self.store = store
        self.changes = changes
        self.replies = replies
        self.registry = registry
        self.config = config
        """The config in force (it is replaced when the file is reloaded)."""

    # -- which session -----------------------------------------------------------------------

    def is_saved(self, session_id: str) -> bool:
        return self.store.path_for(session_id).exists()

    def session_for(self, session_id: str, shown: Session | None) -> Session:
        """The object to change for `session_id`: the `shown` one, a streaming one, or the
        saved file (Refused when it cannot be read)."""
        if shown is not None and shown.id == session_id:
            return shown
        live = self.replies.live.get(session_id)
        if live is not None:
            return live.session
        try:
            return self.store.load(session_id)
        except SessionLoadError as problem:
            raise Refused(
                f"{problem.path}: {problem.problem}", title="Cannot read it", severity="error"
            ) from problem

    # -- rename ------------------------------------------------------------------------------

    async def rename(self, session: Session, title: str) -> bool:
        """Give `session` the title the user typed; False when there is nothing to do."""
        if not title or (title == session.title and session.title_is_custom):
            return False
        session.rename(title)
        await self._save_changed(session, "renamed")
        return True

    async def _save_changed(self, session: Session, what: str) -> None:
        """Save a changed session, unless it is new and empty (saved with its first
        message) or streaming (its reply's own saves include the change): then the change
        is only announced."""
        streaming = self.replies.is_streaming(session.id)
        if streaming or (not session.messages and not self.is_saved(session.id)):
            self.changes.announce_only(session, what)
        else:
            await self.changes.commit(session, what)

    # -- delete and restore ------------------------------------------------------------------

    def delete_question(self, session_id: str, title: str) -> str:
        """The question before a delete (Refused when there is nothing to delete)."""
        streaming = self.replies.is_streaming(session_id)
        if not streaming and not self.is_saved(session_id):
            raise Refused("This session is empty and not saved: there is nothing to delete.")
        question = (
            f"Delete “{title}”?\n\nIt goes to the trash, where it can be restored for "
            f"{KEEP_DAYS} days (Shift+F8)."
        )
        if streaming:
            question += "\n\nIts reply is still arriving: it will be stopped first."
        return question

    async def stop_reply(self, session_id: str) -> None:
        """Stop the session's streaming reply before it is deleted, waiting for it."""
        replies = self.replies
        if not replies.is_streaming(session_id):
            return
        replies.stop(session_id)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while replies.is_streaming(session_id) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if replies.is_streaming(session_id):
            raise Refused("The reply did not stop in time; nothing was deleted.")

    async def trash(self, session_id: str) -> None:
        """Move the session's file to the trash (after pending saves of it)."""
        try:
            await asyncio.to_thread(self.store.trash_session, session_id)
        except TrashError as problem:
            raise Refused(str(problem), title="Not deleted", severity="error") from problem

    async def trashed(self) -> list[TrashedSession]:
        return await asyncio.to_thread(self.store.trash.list)

    async def restore(self, session_id: str) -> SessionSummary:
        """Move a session back from the trash; its row as the file says."""
        try:
            return await asyncio.to_thread(self.store.restore_session, session_id)
        except TrashError as problem:
            raise Refused(str(problem), title="Not restored", severity="error") from problem
        except SessionLoadError as problem:
            raise Refused(
                f"{problem.path}: {problem.problem}",
                title="Restored, but unreadable",
                severity="warning",
            ) from problem

    # -- duplicate, pin ----------------------------------------------------------------------

    async def duplicate(self, session_id: str, shown: Session | None) -> Session:
        """A saved copy of the session, titled "… (copy)"."""
        if self.replies.is_streaming(session_id):
            raise Refused("Its reply is still arriving; duplicate it once it ends.")
        session = self.session_for(session_id, shown)
        if not session.messages:
            raise Refused("This session is empty: there is nothing to duplicate.")
        try:
            copy = await asyncio.to_thread(self.store.duplicate, session)
        except OSError as exc:
            raise Refused(f"Could not save the copy: {exc}", severity="error") from exc
        self.changes.announce_only(copy, "duplicated")  # the store wrote it
        return copy

    async def set_pinned(self, session_id: str, pinned: bool) -> None:
        """Pin or unpin a saved session: the store writes the key into its file."""
        if not self.is_saved(session_id):
            raise Refused("Send a message first: an empty session is not saved yet.")
        result = await asyncio.to_thread(self.store.set_pinned, session_id, pinned)
        if result is None:
            raise Refused("Could not write the session file.", severity="error")

    # -- export ------------------------------------------------------------------------------

    def check_export_format(self, fmt: str) -> None:
        if fmt not in EXPORT_FORMATS:
            raise Refused(f"Unknown export format '{fmt}' (md or json).", severity="error")

    def export_path(self, session: Session, fmt: str) -> Path:
        """Where an export goes unless the user says otherwise (Refused when there is
        nothing to export)."""
        if not session.messages:
            raise Refused("This session is empty: there is nothing to export.")
        from tui_chat.core.export import default_path  # imported when first used

        return default_path(session, fmt)

    async def export(self, session: Session, fmt: str, path: Path) -> None:
        """Write the session to `path`, with what has arrived so far of a streaming reply."""
        live = self.replies.live.get(session.id)
        if live is not None:
            live.sync()
        from tui_chat.core.export import render

        data_dir = self.store.images.data_dir  # generated images are linked from there
        text = render(session, self.store.snapshot(session), fmt, True, self.config(), data_dir)
        try:
            await asyncio.to_thread(write_atomic, path, text)
        except OSError as exc:
            raise Refused(
                f"Could not write {path}: {exc.strerror or exc}", severity="error"
            ) from exc

    # -- automatic titles --------------------------------------------------------------------

    @property
    def auto_title_on(self) -> bool:
        return self.config().defaults.auto_title

    async def auto_title(self, session_id: str, shown: Callable[[], Session | None]) -> None:
        """A reply of the session ended: ask its provider for a title when it still has the
        automatic one. Quiet on failure: a title is a nicety."""
        from tui_chat.core.titles import suggest_title, wants_title

        session = await self._settled_session(session_id, shown)
        if session is None or not wants_title(session) or session.demo:
            return
        before = session.title
        try:  # a key command runs in a thread (it ran for the reply already, as a rule)
            resolved = await self.registry.resolve_async(session.provider)
            title = await suggest_title(resolved.provider, session.model, session)
        except Exception:  # a title is a nicety: failing is quiet
            return
        target = await self._settled_session(session_id, shown)
        if not title or target is None or target.title_is_custom or target.title != before:
            return
        target.title = title
        if self.replies.is_streaming(session_id):
            self.changes.announce_only(target, "titled")  # saved with its reply
        else:
            await self.changes.commit(target, "titled")

    async def _settled_session(
        self, session_id: str, shown: Callable[[], Session | None]
    ) -> Session | None:
        """The session as it is now: streaming, shown, or as saved once pending writes
        are done (None when it cannot be read)."""
        live = self.replies.live.get(session_id)
        if live is not None:
            return live.session
        open_session = shown()
        if open_session is not None and open_session.id == session_id:
            return open_session
        try:
            await asyncio.to_thread(self.store.wait_for_writes)
            return await asyncio.to_thread(self.store.load, session_id)
        except SessionLoadError:
            return None
