"""The one path by which a changed session reaches disk and the screen.

Every service that changes a session (the conversation, the session actions, the reply
manager at the end of a reply) hands it to `SessionChanges.commit`: the store writes it on
its ordered writer thread (so an older snapshot never lands after a newer one, and a big
session is not serialised on the event loop), then the change is announced once. The UI
turns each announcement into one `SessionChanged` message and one handler refreshes the
sidebar row, the status line and the banner; no action refreshes them by hand.

A failed save is not lost: the store keeps the snapshot for `retry_unsaved` and tells its
listener (the banner says so). The change is announced all the same, with `saved=False`,
because what the screen shows is the session in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.core.session import Session
from tui_chat.core.store.session_store import SessionStore, SessionSummary


@dataclass(frozen=True)
class SessionChange:
    """What changed: the session (as it is in memory now), a word for the change, and
    whether it is on disk."""

    session: Session
    what: str
    """A short word for logs and tests: "sent", "settings", "renamed", "pinned", …"""
    saved: bool = True
    summary: SessionSummary | None = None
    """The sidebar row as written (pin included), when the store returned one."""


Announce = Callable[[SessionChange], None]


class SessionChanges:
    """Saves a changed session and announces it: the only caller of `store.save*` in the
    services and the UI."""

    def __init__(self, store: SessionStore, announce: Announce | None = None) -> None:
        self.store = store
        self.announce: Announce = announce or (lambda change: None)

    async def commit(self, session: Session, what: str) -> bool:
        """Write `session` off the event loop, then announce it. Returns whether it is on
        disk (on False the store has already told its listener why)."""
        try:
            await self.store.save_async(session)
        except OSError:
            saved = False
        else:
            saved = True
        self._announce(session, what, saved)
        return saved

    def commit_now(self, session: Session, what: str) -> bool:
        """The same, waiting on this thread: for the last save while the app quits, and
        for callers that must know the words are on disk before they go on."""
        try:
            self.store.save(session)
        except OSError:
            saved = False
        else:
            saved = True
        self._announce(session, what, saved)
        return saved

    def announce_only(self, session: Session, what: str) -> None:
        """A change the store wrote itself (a pin, a rename of the file's metadata) or one
        that is not saved yet (an empty new session): announce it without a write."""
        self._announce(session, what, True)

    def _announce(self, session: Session, what: str, saved: bool) -> None:
        pinned = self.store.is_pinned(session.id)
        summary = SessionSummary.of(session, pinned) if session.messages else None
        self.announce(SessionChange(session, what, saved, summary))
