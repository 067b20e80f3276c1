"""The prompt's completion list, mounted when it is first needed.

The slash command list (`SlashPopup`: an OptionList, with `tui_chat.core.slash`) is hidden
until the prompt's text starts with "/". Composed with the first screen, it cost its
imports and its styling before that screen was drawn (about 3 ms); this stands in for it as
the prompt's `Completer` and mounts it above the prompt the first time the text starts
with "/" (a few ms then, when the key is typed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.ui.widgets.prompt_area import PromptArea
    from tui_chat.ui.widgets.slash_popup import SlashPopup


class LazySlashPopup:
    """The `Completer` of the prompt of `area`: its `SlashPopup` once mounted."""

    def __init__(self, area: PromptArea) -> None:
        self.area = area
        self.popup: SlashPopup | None = None

    @property
    def is_open(self) -> bool:
        return self.popup is not None and self.popup.is_open

    def update(self, text: str) -> None:
        if self.popup is None:
            if not text.startswith("/"):
                return  # nothing to list, and no list shown
            from tui_chat.ui.widgets.slash_popup import SlashPopup

            area = self.area
            self.popup = SlashPopup(area.available_commands, area.argument_values, id="slash-popup")
            area.mount(self.popup, before=area.prompt)
        self.popup.update(text)

    def move(self, delta: int) -> None:
        if self.popup is not None:
            self.popup.move(delta)

    def accept(self, enter: bool = False) -> tuple[str, bool] | None:
        return None if self.popup is None else self.popup.accept(enter)

    def close(self) -> None:
        if self.popup is not None:
            self.popup.close()
