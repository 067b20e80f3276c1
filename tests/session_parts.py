"""Session files written as the app writes them, for tests that start the app with
sessions already stored (one helper instead of a copy per test file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore


def store_of(tmp_path: Path) -> SessionStore:
    """The session store of the app `app_harness.make_app(tmp_path, …)` starts."""
    data = tmp_path / "data"
    return SessionStore(data / "sessions", data / "session-index.json")


def save_session(
    tmp_path: Path,
    session_id: str,
    title: str,
    texts: Sequence[str],
    updated_at: float,
    ids: Sequence[str] | None = None,
) -> Session:
    """A stored session titled `title` by its user, of `texts` (user and assistant in
    turn; message ids `ids`, else `{session_id}-{n}`), last changed at `updated_at`."""
    store = store_of(tmp_path)
    session = Session(provider="local", model="test-model", id=session_id)
    for number, text in enumerate(texts):
        role = "user" if number % 2 == 0 else "assistant"
        message_id = ids[number] if ids is not None else f"{session_id}-{number}"
        session.messages.append(Message(role=role, content=text, id=message_id))
    session.title = title
    session.title_is_custom = True
    session.created_at = updated_at - 100
    session.updated_at = updated_at
    store.save(session)
    store.close()
    return session


def save_titled(tmp_path: Path, session_id: str, title: str, updated_at: float) -> None:
    """A stored two-message session (`hi {title}`, `hello`; ids `-u`, `-a`) titled
    `title`: for tests of the session list, where only titles and order matter."""
    ids = [f"{session_id}-u", f"{session_id}-a"]
    save_session(tmp_path, session_id, title, [f"hi {title}", "hello"], updated_at, ids)
