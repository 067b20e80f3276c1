"""Which message the message keys act on, for the conversation pane: the one selected with
Alt+Up/Down (or focused), else the last one of the kind a key needs. The selected message
is outlined (`-selected`); the code block Alt+C copied last is remembered per message."""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

from tui_chat.core.session import Message, Session
from tui_chat.services.conversation import last_of_role
from tui_chat.ui.widgets.messages import MessageView


class MessageSelection:
    """The selected message of the session `session()` shown in `owner`'s message view."""

    def __init__(self, owner: Widget, session: Callable[[], Session | None]) -> None:
        self.owner = owner
        self.session = session
        self.id: str | None = None
        self.code_cycle: tuple[str, int] = ("", -1)
        """(message id, index) of the code block copied last (Alt+C goes on to the next)."""

    @property
    def view(self) -> MessageView:
        return self.owner.query_one(MessageView)

    @property
    def message(self) -> Message | None:
        """The selected message, when it is on the current path."""
        session = self.session()
        if session is None or self.id is None:
            return None
        return next((m for m in session.messages if m.id == self.id), None)

    def target(self, role: str | None = None) -> Message | None:
        """The selected message (of `role`, when given), else the last one of that role."""
        session = self.session()
        if session is None:
            return None
        selected = self.message
        if selected is not None and (role is None or selected.role == role):
            return selected
        return last_of_role(session, role)

    def select(self, message_id: str | None) -> None:
        self.id = message_id
        self.show()

    def clear(self) -> None:
        self.select(None)

    def show(self) -> None:
        for widget in self.view.message_widgets():
            widget.set_class(widget.message.id == self.id, "-selected")

    async def move(self, step: int, focus: bool) -> None:
        """Select the message `step` places away (paging earlier messages in); past the
        newest, nothing is selected. `focus`: the selected message takes the focus."""
        view = self.view
        widgets = view.message_widgets()
        if not widgets:
            return
        ids = [w.message.id for w in widgets]
        if self.id in ids:
            index = ids.index(self.id) + step
        else:
            index = len(ids) - 1 if step < 0 else len(ids)
        if index < 0 and view.first_shown:
            before = len(widgets)
            await view.show_earlier()
            widgets = view.message_widgets()
            index += len(widgets) - before
        if not 0 <= index < len(widgets):
            if index >= len(widgets):
                self.clear()
            return
        widget = widgets[index]
        view.unfold_all()
        self.id = widget.message.id
        self.code_cycle = ("", -1)
        self.show()
        view.scroll_to_widget(
            widget, animate=False, top=widget.outer_size.height > view.size.height
        )
        if focus:
            widget.focus(scroll_visible=False)
