"""A compositor that repaints what moved or changed, not what merely got a new paint order.

Textual gives each widget a paint order counted from the *end* of its parent's children, so
appending a block to a streaming reply changes the order of every block before it (and of
everything inside them). The compositor compares each widget's whole geometry between two
layouts, order included, and repaints every widget whose geometry differs: every new block
(and every fold) repainted the whole visible reply. Widgets in the chat view do not overlap,
so their paint order never changes what is on screen; comparing geometries without the order
leaves the repaint to what really moved, resized or was refreshed. The order itself is kept
(painting still sorts by it).
"""

from __future__ import annotations

from textual._compositor import Compositor as TextualCompositor
from textual._compositor import CompositorMap
from textual.geometry import Size
from textual.map_geometry import MapGeometry
from textual.widget import Widget


class OrderBlindGeometry(MapGeometry):
    """A MapGeometry that equals (and hashes like) another with a different paint order."""

    __slots__ = ()

    def _placement(self) -> tuple[object, ...]:
        return (
            self.region,
            self.clip,
            self.virtual_size,
            self.container_size,
            self.virtual_region,
            self.dock_gutter,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MapGeometry):
            return NotImplemented
        if isinstance(other, OrderBlindGeometry):
            return self._placement() == other._placement()
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._placement())


class OrderBlindCompositor(TextualCompositor):
    def _arrange_root(
        self, root: Widget, size: Size, visible_only: bool = True
    ) -> tuple[CompositorMap, set[Widget]]:
        arranged, widgets = super()._arrange_root(root, size, visible_only)
        blind = {widget: OrderBlindGeometry(*geometry) for widget, geometry in arranged.items()}
        return blind, widgets
