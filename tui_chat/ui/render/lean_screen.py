"""A screen that lays out and repaints a streaming reply with less work than Textual's own.

Each frame of a stream changes a few rows, but Textual's screen does much more:

- **Paint order.** Textual gives each widget a paint order counted from the *end* of its
  parent's children, so appending a block to a reply changes the order of every block
  before it (and of everything inside them). The compositor compares each widget's whole
  geometry between two layouts, order included, and repaints every widget whose geometry
  differs: every new block (and every fold) repainted the whole visible reply. Widgets in
  the chat view do not overlap, so their paint order never changes what is on screen;
  comparing geometries without the order leaves the repaint to what really moved, resized
  or was refreshed. The order itself is kept (painting still sorts by it).
- **Layout echo.** A layout sets each resized widget's `virtual_size`, a reactive that asks
  for another layout and a full repaint of that widget: every layout that changed a height
  was followed by a second one that changed nothing (half of all layouts while streaming).
  The layout already placed everything, so here it sets the sizes quietly.
- **Whole widgets behind a one-line update.** To repaint a region, Textual renders every
  line of every widget overlapping it: the whole view and each container around the
  growing paragraph, for a line or two. Here only the rows of the region are rendered.
- **The full map built twice.** After a scroll Textual marks its map of all widgets stale;
  the next layout rebuilds it, leaves it marked stale, and the next size check of any
  widget builds it once more.
- **Wide characters cut by what lies underneath.** Textual cuts each screen line at the
  edges of *every* visible widget, hidden ones included, and draws each piece from the
  front-most widget. A Chinese character across a cut becomes two spaces (Rich splits it),
  so a widget laid over others (the sidebar at 80 columns, a notice) lost characters
  wherever an edge of something under it fell: `请比较` showed as `  比较`. Here a line is cut
  only where the front-most widget changes, so a widget's own text is never cut.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence

from textual._compositor import Compositor as TextualCompositor
from textual._compositor import CompositorMap, ReflowResult
from textual.geometry import Region, Size
from textual.map_geometry import MapGeometry
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from tui_chat.ui.render.stock import stock_render


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


class LeanCompositor(TextualCompositor):
    @property
    def cuts(self) -> list[list[int]]:
        """See "Wide characters cut by what lies underneath"."""
        if self._cuts is None:
            self._cuts = front_cuts(self.size, reversed(self.visible_widgets.values()))
        return self._cuts

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        """Textual's, for cuts that need not fall on each widget's edges: a widget whose
        left part lies under another starts its pieces at its first cut, not at its edge."""
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        for region, clip, strips in self._get_renders(crop):
            render_region = region.intersection(clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                line = cuts[y]
                inner = line[bisect_right(line, first_cut) : bisect_left(line, last_cut)]
                pieces = strip.divide([cut - render_x for cut in (*inner, last_cut)])
                chops_line = chops[y]
                for start, piece in zip((first_cut, *inner), pieces, strict=False):
                    if start in chops_line and chops_line[start] is None:
                        chops_line[start] = piece
        return chops  # type: ignore[return-value]  # every chop has a front-most widget

    def _arrange_root(
        self, root: Widget, size: Size, visible_only: bool = True
    ) -> tuple[CompositorMap, set[Widget]]:
        arranged, widgets = super()._arrange_root(root, size, visible_only)
        blind: CompositorMap = {
            widget: OrderBlindGeometry(*geometry) for widget, geometry in arranged.items()
        }
        return blind, widgets

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = super().reflow(parent, size)
        # The map was just built in full (see "The full map built twice").
        self._full_map_invalidated = False
        return result

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        """Each widget's lines in the rows of `crop` only (Textual renders every line of
        each widget that overlaps `crop`: the whole view behind a one-line update)."""
        if crop is None:
            yield from super()._get_renders(crop)
            return
        rows = Region(0, crop.y, self.size.width, crop.height)
        overlaps = crop.overlaps
        for widget, (region, clip) in self.visible_widgets.items():
            clip = clip.intersection(rows)
            if not overlaps(clip):
                continue
            x, y, width, height = region.intersection(clip)
            if width and height:
                lines = Region(x - region.x, y - region.y, width, height)
                yield region, clip, widget.render_lines(lines)


def front_cuts(
    size: Size, back_to_front: Iterable[tuple[Region, Region]]
) -> list[list[int]]:
    """Each line's cuts where the front-most widget changes: widgets painted back to front,
    each one wiping the cuts strictly inside its span and adding its two edges."""
    width, height = size
    cuts = [[0, width] for _ in range(height)]
    for region, clip in back_to_front:
        x, y, region_width, region_height = region.intersection(clip)
        if not (region_width and region_height):
            continue
        right = x + region_width
        for line in cuts[y : y + region_height]:
            after_x, at_right = bisect_right(line, x), bisect_left(line, right)
            has_x = after_x > 0 and line[after_x - 1] == x
            has_right = at_right < len(line) and line[at_right] == right
            line[after_x:at_right] = ([] if has_x else [x]) + ([] if has_right else [right])
    return cuts


class LeanScreen(Screen[None]):
    """A Screen with the LeanCompositor and quiet virtual sizes in its layouts; Textual's
    own screen with stock rendering (see `stock`)."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = stock_render()
        if not self.stock:
            self._compositor = LeanCompositor()

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if self.stock:
            super()._refresh_layout(size, scroll)
            return
        # See "Layout echo": the virtual_size reactive neither lays out nor repaints while
        # the layout sets it (the layout repaints what resized itself).
        reactive = vars(Widget)["virtual_size"]
        reactive._layout = reactive._repaint = False
        try:
            super()._refresh_layout(size, scroll)
        finally:
            reactive._layout = reactive._repaint = True
