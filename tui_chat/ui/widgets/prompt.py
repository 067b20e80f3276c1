"""The multi-line prompt: Enter sends, Ctrl+J / Shift+Enter / Alt+Enter insert a newline.

Up and Down browse the prompts sent earlier in the session (the screen says which), and
keys go to a completion list (the slash commands) while one is open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from textual import events
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = frozenset({"ctrl+j", "shift+enter", "alt+enter", "ctrl+enter"})
COMPLETION_KEYS = frozenset({"up", "down", "tab", "enter", "escape"})
TYPING_KEYS = frozenset({"enter", "up", "down", *NEWLINE_KEYS})
"""Keys the prompt keeps whatever the keymap says (it sends, breaks lines and moves
through lines and history with them); a binding given one runs only elsewhere."""


class Completer(Protocol):
    """A completion list shown while the user types (the slash command popup)."""

    @property
    def is_open(self) -> bool: ...

    def update(self, text: str) -> None:
        """The prompt's text changed: open, refilter or close the list."""

    def move(self, delta: int) -> None: ...

    def accept(self, enter: bool = False) -> tuple[str, bool] | None:
        """The highlighted entry as (new prompt text, send it now); None when there is
        none or (for Enter) when the text should be sent as typed."""

    def close(self) -> None: ...


HistorySource = Callable[[], tuple[object, Sequence[str]]]
"""Returns (whose history, its prompts oldest first): browsing restarts when the owner
(the session) changes."""


class PromptInput(TextArea):
    """Where the user types. It only posts `Submitted`; the screen decides what happens."""

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a prompt that is not blank."""

        prompt: PromptInput
        text: str

        @property
        def control(self) -> PromptInput:
            return self.prompt

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder=placeholder,
            highlight_cursor_line=False,
        )
        self.history_source: HistorySource | None = None
        self.completer: Completer | None = None
        self._history_owner: object = None
        self._history: list[str] = []
        """A snapshot of the prompts taken when browsing started, newest first."""
        self._history_index: int | None = None
        """Which of `_history` is shown; None when not browsing."""
        self._draft = ""
        """What was in the prompt when browsing started; Down past the newest brings it back."""
        self._recalled = ""
        self._dismissed: str | None = None
        """The text for which Esc closed the completion list (it stays closed for it)."""

    # -- history ---------------------------------------------------------------------------

    @property
    def browsing_history(self) -> bool:
        return self._history_index is not None and self.text == self._recalled

    def reset_history(self) -> None:
        """Stop browsing (after a send, or when the session changes)."""
        self._history_index = None
        self._draft = self._recalled = ""

    def _entries(self) -> tuple[object, list[str]]:
        if self.history_source is None:
            return None, []
        owner, prompts = self.history_source()
        newest_first: list[str] = []
        for prompt in reversed(prompts):
            if prompt.strip() and (not newest_first or newest_first[-1] != prompt):
                newest_first.append(prompt)
        return owner, newest_first

    def history_previous(self) -> bool:
        """Up: show the prompt before the one shown (the newest when not browsing yet).
        False when Up should move the cursor instead."""
        row, column = self.cursor_location
        if self.browsing_history and self._history_owner == self._current_owner():
            if row != 0:
                return False
            assert self._history_index is not None
            if self._history_index + 1 >= len(self._history):
                self.app.bell()
                return True
            self._show_entry(self._history_index + 1)
            return True
        if self.text and (row, column) != (0, 0):
            return False  # only an empty prompt, or the cursor at the very start, starts it
        owner, entries = self._entries()
        if not entries:
            return False
        self._history_owner, self._history = owner, entries
        self._draft = self.text
        self._show_entry(0)
        return True

    def history_next(self) -> bool:
        """Down: show a newer prompt, and after the newest the draft again. False when
        Down should move the cursor instead."""
        if not self.browsing_history or self._history_owner != self._current_owner():
            return False
        if self.cursor_location[0] != self.document.line_count - 1:
            return False
        assert self._history_index is not None
        if self._history_index == 0:
            draft = self._draft
            self.reset_history()
            self._set_text(draft)
            return True
        self._show_entry(self._history_index - 1)
        return True

    def _current_owner(self) -> object:
        return self.history_source()[0] if self.history_source is not None else None

    def _show_entry(self, index: int) -> None:
        self._history_index = index
        self._recalled = self._history[index]
        self._set_text(self._recalled)

    def _set_text(self, text: str) -> None:
        """Replace the text as one undoable edit, cursor at the end."""
        self.replace(text, (0, 0), self.document.end)
        self.move_cursor(self.document.end)

    # -- text from elsewhere ---------------------------------------------------------------

    def set_prompt_text(self, text: str) -> None:
        """Put `text` in the prompt (from the editor or a completion), undoable."""
        self.reset_history()
        self._set_text(text)

    # -- keys ------------------------------------------------------------------------------

    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._sync_completer()

    def refresh_completion(self) -> None:
        """What the completion list can offer changed (a model list came): show it."""
        self._sync_completer()

    def _sync_completer(self) -> None:
        """Bring the completion list up to date with the text. Also done before a key is
        used, since keys typed quickly arrive before the Changed messages of earlier ones."""
        if self.completer is None:
            return
        text = self.text
        if text != self._dismissed:
            self._dismissed = None
        if self.browsing_history or text == self._dismissed:
            self.completer.close()  # a recalled prompt is not being typed; Esc closed it
        else:
            self.completer.update(text)

    async def on_key(self, event: events.Key) -> None:
        # Runs before TextArea's own key handler, which Textual runs next unless the
        # default was prevented (as it is for every key used here).
        if event.key in COMPLETION_KEYS:
            self._sync_completer()
        if self.completer is not None and self.completer.is_open and self._complete_key(event):
            event.stop()
            event.prevent_default()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            if not self.read_only:  # as TextArea types a character
                self.replace("\n", start, end, maintain_selection_offset=False)
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self, self.text))
            return
        if event.key in ("up", "down") and self.selection.is_empty:
            moved = self.history_previous() if event.key == "up" else self.history_next()
            if moved:
                event.stop()
                event.prevent_default()
                return

    def _complete_key(self, event: events.Key) -> bool:
        """Keys for the open completion list; True when the key was used."""
        completer = self.completer
        assert completer is not None
        if event.key in ("up", "down"):
            completer.move(-1 if event.key == "up" else 1)
            return True
        if event.key == "escape":
            self._dismissed = self.text
            completer.close()
            return True
        if event.key in ("tab", "enter"):
            chosen = completer.accept(enter=event.key == "enter")
            if chosen is None:
                completer.close()
                return event.key == "tab"  # Enter goes on to send the text as typed
            text, send_now = chosen
            self.set_prompt_text(text)
            completer.close()
            if send_now and event.key == "enter":
                self.post_message(self.Submitted(self, self.text))
            return True
        return False
