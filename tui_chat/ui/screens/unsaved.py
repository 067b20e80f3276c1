"""Saves that failed (a full disk, a folder gone read-only): never a silent loss.

The store keeps what it could not write and tells the app (`StoreEvent`); `SaveGuard` shows
one line, tries again every few seconds, keeps a mark in the chat screen's banner while
anything is unsaved, and makes quitting ask first, offering to write the unsaved sessions
to another folder. Another window's turns merged into a save make the open session reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Static

from tui_chat.core.atomic import write_atomic
from tui_chat.core.store.session_store import SaveProblem, StoreEvent

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

RETRY_SECONDS = 5.0
"""How often failed saves are tried again."""


class StoreNotice(Message):
    """Posted (from the store's writer thread) for each `StoreEvent`."""

    def __init__(self, event: StoreEvent) -> None:
        super().__init__()
        self.event = event


def unsaved_line(problems: list[SaveProblem]) -> str:
    """The banner line while saves fail."""
    first = problems[0].problem
    count = f"{len(problems)} sessions" if len(problems) > 1 else "This session"
    return (
        f"⚠ Not saved: {first}. {count} will be saved when it can (tried every "
        f"{RETRY_SECONDS:g} s); Ctrl+Q asks first and can write it to another folder."
    )


def rescue_folder() -> Path:
    """Where unsaved sessions go by default: a new folder in the home directory."""
    return Path.home() / time.strftime("tui-chat-unsaved-%Y%m%d-%H%M%S")


class UnsavedQuitScreen(ModalScreen[str]):
    """Quit while sessions are unsaved? Dismisses with "rescue", "quit" or "cancel"."""

    BINDINGS = [Binding("escape", "answer('cancel')", "Cancel", show=False)]

    def __init__(self, problems: list[SaveProblem], titles: dict[str, str]) -> None:
        super().__init__()
        self.problems = problems
        self.titles = titles

    def compose(self) -> ComposeResult:
        shown = "\n".join(
            f"• {self.titles.get(p.session_id, p.session_id)}: {p.problem}"
            for p in self.problems[:6]
        )
        more = f"\n… and {len(self.problems) - 6} more" if len(self.problems) > 6 else ""
        question = (
            f"{len(self.problems)} session(s) could not be saved:\n{shown}{more}\n\n"
            "Quitting now loses what was not written. Write them to another folder first?"
        )
        with Vertical(id="dialog"):
            yield Static(Content(question), id="question")
            with Horizontal(id="buttons"):
                yield Button("Write elsewhere…", variant="primary", id="rescue")
                yield Button("Quit and lose them", variant="error", id="quit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "cancel")

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)


class SaveGuard:
    """The app's side of failed saves and merged saves (see the module docstring)."""

    def __init__(self, app: TuiChatApp) -> None:
        self.app = app
        self._retry_timer: Timer | None = None
        self._told: set[str] = set()
        """Sessions whose failed save was said: a retry that fails again (every few
        seconds) is not said again; the banner shows it meanwhile."""

    def start(self) -> None:
        """Listen to the store (its events come on the writer thread: posted, never run
        there)."""
        app = self.app

        def tell(event: StoreEvent) -> None:
            app.post_message(StoreNotice(event))

        app.store.listener = tell

    def stop(self) -> None:
        self.app.store.listener = None

    async def handle(self, event: StoreEvent) -> None:
        app = self.app
        chat = app.chat_screen
        title = self.title_of(event.session_id)
        if event.problem is not None:
            if event.session_id not in self._told:
                self._told.add(event.session_id)
                app.notify(
                    f"Could not save “{title}”: {event.problem}. It stays in memory and is "
                    f"saved when it can; Ctrl+Q asks before quitting.",
                    title="Not saved",
                    severity="error",
                    timeout=12,
                    markup=False,
                )
            if self._retry_timer is None:
                self._retry_timer = app.set_interval(
                    RETRY_SECONDS, self._retry, name="retry failed saves"
                )
        elif event.merged is not None:
            if chat is not None and chat.is_attached:
                with contextlib.suppress(NoMatches):  # the screen torn down: quitting
                    await chat.sidebar.reload_if_open(event.session_id)
        else:
            self._told.discard(event.session_id)
            app.notify(f"“{title}” is saved now.", title="Saved", markup=False)
        if not app.store.unsaved() and self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        if chat is not None and chat.is_attached:
            with contextlib.suppress(NoMatches):  # the screen torn down: quitting
                chat.refresh_lines()

    def _retry(self) -> None:
        self.app.run_worker(
            self.app.store.retry_unsaved,
            thread=True,
            exclusive=True,
            group="retry-saves",
            name="retry failed saves",
            exit_on_error=False,
        )

    def title_of(self, session_id: str) -> str:
        """From the store, not the sidebar: notices may arrive while the screen is torn
        down (the app quitting)."""
        return self.app.store.title_of(session_id) or session_id

    async def confirm_quit(self) -> bool:
        """True to quit now: nothing is unsaved, the user chose to lose it, or it was
        written to another folder."""
        problems = self.app.store.unsaved()
        if not problems:
            return True
        titles = {p.session_id: self.title_of(p.session_id) for p in problems}
        answer = await self.app.push_screen_wait(UnsavedQuitScreen(problems, titles))
        if answer == "quit":
            return True
        if answer != "rescue":
            return False
        from tui_chat.ui.screens.session_dialogs import TextPromptScreen

        text = await self.app.push_screen_wait(
            TextPromptScreen(
                "Write the unsaved sessions (as session files) to this folder:",
                str(rescue_folder()),
                hint="Another disk or a USB stick if this one is full · Esc cancels",
                accept_label="Write",
            )
        )
        if not text:
            return False
        folder = Path(text).expanduser()
        try:
            written = await asyncio.to_thread(self._write_elsewhere, folder)
        except OSError as exc:
            self.app.notify(
                f"Could not write to {folder} either: {exc.strerror or exc}. Free some space "
                "or quit and lose them.",
                title="Not saved",
                severity="error",
                timeout=15,
                markup=False,
            )
            return False
        self.app.notify(f"Wrote {written} session(s) to {folder}.", markup=False)
        return True

    def _write_elsewhere(self, folder: Path) -> int:
        """Each unsaved session as `<id>.json` in `folder` (a session file as the store
        writes it: copy it back into the sessions folder to restore it)."""
        snapshots = self.app.store.unsaved_snapshots()
        for session_id, snapshot in snapshots.items():
            write_atomic(
                folder / f"{session_id}.json", json.dumps(snapshot, ensure_ascii=False, indent=1)
            )
        return len(snapshots)
