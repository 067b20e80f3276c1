"""The chat screen's footer: Textual's `Footer`, rebuilt only when what it shows changes.

Textual's footer rebuilds all its keys (a widget each, styled from scratch) after every
"bindings updated" signal, which the screen publishes on each focus change, keymap change
or mount: four times while the app starts, and again whenever focus moves between the
prompt, the messages and the sidebar, though the keys shown are nearly always the same.
This one coalesces the signals of one refresh into one check and rebuilds only when the keys
it would show (key, label, action, enabled, tooltip, group) differ from those it shows.
It looks and behaves exactly like `Footer` (it *is* one: CSS rules for `Footer` apply);
with stock rendering (see `stock`) it is Textual's `Footer`, rebuilds and all.

It also fits its width (issue 18): below WIDE_COLUMNS it uses Textual's compact style, and
when the keys still do not fit beside the palette key it leaves out the least needed ones
(DROP_ORDER); F1 (every key) and Quit always stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui_chat.ui.render.stock import stock_render

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[object, ...], ...]

WIDE_COLUMNS = 100
"""Below this width the footer is compact, and the chat screen's sidebar hides itself
(`ChatScreen.HORIZONTAL_BREAKPOINTS`)."""
DROP_ORDER = ("toggle_thinking", "retry", "toggle_sidebar", "new_session", "stop")
"""Actions whose keys go first, in this order, when the footer is too narrow (F1 lists
them all)."""


class ChatFooter(Footer):
    """`Footer` without rebuilds that would show the same keys."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: Shown | None = None
        """What the keys shown were built from; None until they are built."""
        self._check_pending = False
        self.stock = stock_render()
        self._dropped_shown: tuple[str, ...] = ()
        """The actions left out of the keys shown (`compose`)."""

    def bindings_changed(self, screen: Screen) -> None:
        if self.stock:
            super().bindings_changed(screen)
            return
        # Footer.bindings_changed, with the recompose replaced by a coalesced check.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._check_pending = False
        if not self.is_attached:
            return
        shown = self._keys_to_show()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < WIDE_COLUMNS
        if self._dropped() != self._dropped_shown:
            self.call_after_refresh(self._rebuild_if_changed)

    def _dropped(self) -> tuple[str, ...]:
        """The actions whose keys are left out at this width: the first of DROP_ORDER
        until the keys (`key description` and their padding) fit beside the palette key."""
        if not self.size.width:
            return ()
        app = self.app
        pad = 2 if self.compact else 3  # padding and the gap between keys (Footer's CSS)
        widths: dict[str, int] = {}
        palette = 0
        for key, (_, binding, _, _) in self.screen.active_bindings.items():
            width = cell_len(app.get_key_display(binding)) + cell_len(binding.description) + pad
            if key == app.COMMAND_PALETTE_BINDING:
                palette = width
            elif binding.show:
                widths[binding.action] = widths.get(binding.action, 0) + width
        room = self.size.width - palette
        dropped: list[str] = []
        for action in DROP_ORDER:
            if sum(widths.values()) <= room:
                break
            if widths.pop(action, None) is not None:
                dropped.append(action)
        return tuple(dropped)

    def compose(self) -> ComposeResult:
        """Footer's keys, less those left out at this width (see `_dropped`)."""
        dropped = self._dropped()
        self._dropped_shown = dropped
        for widget in super().compose():
            if not (isinstance(widget, FooterKey) and widget.action in dropped):
                yield widget

    def _keys_to_show(self) -> Shown:
        """Everything `Footer.compose` reads, in its order."""
        app = self.app
        active = self.screen.active_bindings
        rows: list[tuple[object, ...]] = [
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.tooltip,
                repr(binding.group),
            )
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show
        ]
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        rows.append(
            (
                self.show_command_palette,
                app.ENABLE_COMMAND_PALETTE,
                None
                if palette is None
                else (
                    palette.binding.key,
                    app.get_key_display(palette.binding),
                    palette.binding.description,
                    palette.binding.action,
                    palette.enabled,
                    palette.binding.tooltip,
                ),
            )
        )
        rows.append((self.compact, self._dropped()))
        return tuple(rows)
