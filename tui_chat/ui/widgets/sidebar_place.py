"""Where the session sidebar is: beside the conversation, hidden, or over it.

From `WIDE_COLUMNS` the sidebar sits beside the conversation and Ctrl+B hides it; below,
it hides itself (the conversation takes the whole width) and Ctrl+B, Ctrl+S or Alt+S lay it
over the conversation until focus leaves it. Both are classes, never an inline `display`
(which would beat the screen's `-narrow` rules in chat.tcss): `-hidden` when the user hid it
on a wide screen, `-shown` when the user opened it on a narrow one.
"""

from __future__ import annotations

from textual import events
from textual.containers import Vertical
from textual.widget import Widget

from tui_chat.ui.render.footer import WIDE_COLUMNS


class PlacedSidebar(Vertical):
    """The sidebar's container: shown or hidden, beside or over the conversation."""

    @property
    def overlay(self) -> bool:
        """The screen is narrow: shown, the sidebar lies over the conversation."""
        return self.screen.has_class("-narrow")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown") if self.overlay else not self.has_class("-hidden")

    def show(self, shown: bool) -> None:
        if self.overlay:
            self.set_class(shown, "-shown")
        else:
            self.set_class(not shown, "-hidden")

    def toggle(self, focus_in: Widget, focus_out: Widget) -> None:
        """Ctrl+B. Wide: hide it or show it again. Narrow: lay it over the conversation
        with `focus_in` focused, or take it off and focus `focus_out`."""
        shown = not self.shown
        self.show(shown)
        if shown and self.overlay:
            focus_in.focus()
        elif not shown and self.has_focus_within:
            focus_out.focus()

    def on_descendant_blur(self) -> None:
        """The overlay goes once focus has left it (a session opened, Escape, a click in
        the conversation); moving between its own widgets keeps it."""
        if self.has_class("-shown"):
            self.call_after_refresh(self._hide_overlay_unfocused)

    def _hide_overlay_unfocused(self) -> None:
        if self.overlay and not self.has_focus_within:
            self.remove_class("-shown")

    def screen_resized(self, event: events.Resize) -> None:
        """The overlay belongs to a narrow screen: widened, the sidebar is back in its
        place (or stays hidden if the user hid it there)."""
        if event.size.width >= WIDE_COLUMNS:
            self.remove_class("-shown")
