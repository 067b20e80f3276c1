"""The list of slash commands above the prompt while the user types `/…`.

It never takes focus: the prompt forwards Up/Down/Tab/Enter/Esc to it while it is open
(see `PromptInput.completer`). A click on a command completes it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat import slash
from tui_chat.slash import SlashCommand


class SlashPopup(OptionList, can_focus=False):
    """Matching commands with their one-line help; the highlighted one completes."""

    @dataclass
    class Chosen(Message):
        """A command was clicked."""

        command: SlashCommand

    def __init__(
        self,
        available: Callable[[], tuple[SlashCommand, ...]] | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.available = available or (lambda: slash.COMMANDS)
        """The commands to offer (those the screen can run)."""
        self.commands: list[SlashCommand] = []
        self.display = False

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def update(self, text: str) -> None:
        """Show the commands matching `/prefix` while the name is being typed (before any
        space or newline); close otherwise."""
        if not slash.is_command(text) or any(c.isspace() for c in text):
            self.close()
            return
        commands = slash.matches(text[1:], self.available())
        if not commands:
            self.close()
            return
        if [c.name for c in commands] != [c.name for c in self.commands] or not self.display:
            self.commands = commands
            self._fill()
            self.highlighted = 0
        self.display = True

    def _fill(self) -> None:
        width = self.parent.size.width if isinstance(self.parent, Widget) else 80
        usage_width = min(max(len(c.usage) for c in self.commands), 22)
        self.set_options(
            Option(self._label(c, usage_width, width - 4), id=c.name) for c in self.commands
        )

    def _label(self, command: SlashCommand, usage_width: int, width: int) -> Content:
        """`/usage   help`, one line: the help is cut to the width with an ellipsis."""
        usage = command.usage.ljust(usage_width)
        room = max(10, width - len(usage) - 2)
        said = command.help if len(command.help) <= room else command.help[: room - 1] + "…"
        return Content.assemble(Content.styled(usage, "bold"), "  ", Content.styled(said, "dim"))

    def on_resize(self) -> None:
        if self.commands and self.display:
            highlighted = self.highlighted
            self._fill()
            self.highlighted = highlighted

    def move(self, delta: int) -> None:
        if not self.commands:
            return
        current = self.highlighted or 0
        self.highlighted = (current + delta) % len(self.commands)

    def accept(self) -> tuple[str, bool] | None:
        """(text to put in the prompt, whether to send it at once): `/name ` for a command
        that takes an argument, `/name` and send for one that takes none."""
        index = self.highlighted
        if index is None or not 0 <= index < len(self.commands):
            return None
        return completion(self.commands[index])

    def close(self) -> None:
        self.display = False

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.commands):
            self.post_message(self.Chosen(self.commands[event.option_index]))


def completion(command: SlashCommand) -> tuple[str, bool]:
    if command.arg == "none":
        return f"/{command.name}", True
    return f"/{command.name} ", False
