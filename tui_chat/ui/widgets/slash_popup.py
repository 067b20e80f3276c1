"""The list above the prompt while the user types a slash command: the matching commands
while the name is typed (`/mo`), then the values the argument can take (`/model q`,
`/think o`) where they are known.

It never takes focus: the prompt forwards Up/Down/Tab/Enter/Esc to it while it is open
(see `PromptInput.completer`). A click on an entry completes it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat.core import slash
from tui_chat.core.slash import SlashCommand

ArgOptions = Callable[[SlashCommand], Sequence[str]]
"""The values a command's argument can take (models, providers); empty when free text."""

MAX_VALUES = 50


@dataclass(frozen=True)
class Choice:
    """One entry: what it says, the prompt text it completes to, and whether Enter runs it."""

    usage: str
    help: str
    text: str
    run: bool


class SlashPopup(OptionList, can_focus=False):
    """Matching commands (or argument values) with one line of help each."""

    @dataclass
    class Chosen(Message):
        """An entry was clicked: put `text` in the prompt, and run it when `run`."""

        text: str
        run: bool

    def __init__(
        self,
        available: Callable[[], tuple[SlashCommand, ...]] | None = None,
        arg_options: ArgOptions | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.available = available or (lambda: slash.COMMANDS)
        """The commands to offer (those the screen can run)."""
        self.arg_options: ArgOptions = arg_options or (lambda command: command.choices)
        self.commands: list[SlashCommand] = []
        """The commands listed, while a command name is being typed."""
        self.choices: list[Choice] = []
        self.display = False
        self._moved = False
        """True once the user moved in the list: Enter then takes the highlighted entry."""
        self._typed_runs = False
        """True when the text as typed is a whole command (`/new`, `/model big`): Enter
        runs it as typed unless the user moved to another entry."""

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def update(self, text: str) -> None:
        """Open, refilter or close the list for the prompt's text."""
        choices, commands = self._choices_for(text)
        if not choices:
            self.close()
            return
        name, space, _ = text[1:].partition(" ")
        self._typed_runs = bool(space) or slash.find(name) is not None
        if choices != self.choices or not self.display:
            self.choices, self.commands = choices, commands
            self._moved = False
            self._fill()
            self.highlighted = 0
        self.display = True

    def _choices_for(self, text: str) -> tuple[list[Choice], list[SlashCommand]]:
        if not slash.is_command(text) or "\n" in text:
            return [], []
        name, space, typed = text[1:].partition(" ")
        if not space:
            commands = slash.matches(name, self.available())
            return [command_choice(c) for c in commands], commands
        command = slash.find(name)
        if command is None or command not in self.available() or " " in typed:
            return [], []
        values = list(self.arg_options(command))
        lowered = typed.lower()
        matching = [v for v in values if v.lower().startswith(lowered)]
        matching += [v for v in values if lowered in v.lower() and v not in matching]
        if matching == [typed]:
            return [], []  # already complete
        return [Choice(v, "", f"/{command.name} {v}", True) for v in matching[:MAX_VALUES]], []

    def _fill(self) -> None:
        width = self.parent.size.width if isinstance(self.parent, Widget) else 80
        usage_width = min(max(len(c.usage) for c in self.choices), 28)
        self.set_options(Option(_label(c, usage_width, width - 4)) for c in self.choices)

    def move(self, delta: int) -> None:
        if not self.choices:
            return
        current = self.highlighted or 0
        self.highlighted = (current + delta) % len(self.choices)
        self._moved = True

    def accept(self, enter: bool = False) -> tuple[str, bool] | None:
        """(text for the prompt, whether Enter runs it at once): `/name ` for a command
        that takes an argument; `/name` for one that takes none and `/name value` for a
        value, which Enter runs. None for Enter on a whole command the user did not move
        away from: it runs as typed (a model name may be the start of another)."""
        if enter and self._typed_runs and not self._moved:
            return None
        index = self.highlighted
        if index is None or not 0 <= index < len(self.choices):
            return None
        choice = self.choices[index]
        return choice.text, choice.run

    def close(self) -> None:
        self.display = False

    def on_resize(self) -> None:
        if self.choices and self.display:
            highlighted = self.highlighted
            self._fill()
            self.highlighted = highlighted

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.choices):
            choice = self.choices[event.option_index]
            self.post_message(self.Chosen(choice.text, choice.run))


def command_choice(command: SlashCommand) -> Choice:
    if command.arg == "none":
        return Choice(command.usage, command.help, f"/{command.name}", True)
    return Choice(command.usage, command.help, f"/{command.name} ", False)


def _label(choice: Choice, usage_width: int, width: int) -> Content:
    """`/usage   help`, one line: the help is cut to the width with an ellipsis."""
    if not choice.help:
        return Content.styled(choice.usage, "bold")
    usage = choice.usage.ljust(usage_width)
    room = max(10, width - len(usage) - 2)
    said = choice.help if len(choice.help) <= room else choice.help[: room - 1] + "…"
    return Content.assemble(Content.styled(usage, "bold"), "  ", Content.styled(said, "dim"))
