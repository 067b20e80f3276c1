"""The chat screen's footer: Textual's `Footer`, rebuilt only when what it shows changes.

Textual's footer rebuilds all its keys (a widget each, styled from scratch) after every
"bindings updated" signal, which the screen publishes on each focus change, keymap change
or mount: four times while the app starts, and again whenever focus moves between the
prompt, the messages and the sidebar, though the keys shown are nearly always the same.
This one coalesces the signals of one refresh into one check and rebuilds only when the keys
it would show (key, label, action, enabled, tooltip, group) differ from those it shows.
It looks and behaves exactly like `Footer` (it *is* one: CSS rules for `Footer` apply);
with stock rendering (see `stock`) it is Textual's `Footer`, rebuilds and all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

from tui_chat.ui.render.stock import stock_render

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[object, ...], ...]


class ChatFooter(Footer):
    """`Footer` without rebuilds that would show the same keys."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shown: Shown | None = None
        """What the keys shown were built from; None until they are built."""
        self._check_pending = False
        self.stock = stock_render()

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
        return tuple(rows)
