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
- **Lines nobody sees.** Textual renders every line of every widget in an update, back ones
  too, and keeps only each line's front-most pieces: a row of a list item is rendered by the
  screen, the panes, the view, the message, the reply, the list, the item's row and its
  paragraph, for one or two pieces that show. A full repaint (the view scrolled) rendered
  and cut up some 40 % of its lines for nothing. Here the pieces are filled front to back
  and a widget renders only from its first to its last row that still has an empty piece
  in its span (none: it is skipped).
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

    _filling: tuple[list[dict[int, Strip | None]], Callable[[int], bool]] | None = None
    """While `_render_chops` runs: the pieces filled so far and which rows it draws."""

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        """Textual's, for cuts that need not fall on each widget's edges: a widget whose
        left part lies under another starts its pieces at its first cut, not at its edge.
        A line whose pieces in a widget's span are all filled (by widgets in front) is not
        cut up again (see "Lines nobody sees")."""
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        self._filling = (chops, is_rendered_line)
        try:
            for region, clip, strips in self._get_renders(crop):
                render_region = region.intersection(clip)
                render_x = render_region.x
                first_cut, last_cut = render_region.column_span
                for y, strip in zip(render_region.line_range, strips, strict=False):
                    if not is_rendered_line(y):
                        continue
                    starts = _open_starts(cuts[y], chops[y], first_cut, last_cut)
                    if starts is None:
                        continue
                    pieces = strip.divide([cut - render_x for cut in (*starts[1:], last_cut)])
                    chops_line = chops[y]
                    for start, piece in zip(starts, pieces, strict=False):
                        if chops_line.get(start, _FILLED) is None:
                            chops_line[start] = piece
        finally:
            self._filling = None
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
        screen_width = self.size.width
        rows = Region(0, crop.y, screen_width, crop.height)
        overlaps = crop.overlaps
        for widget, (region, clip) in self.visible_widgets.items():
            clip = clip.intersection(rows)
            if not overlaps(clip):
                continue
            x, y, width, height = region.intersection(clip)
            if not (width and height):
                continue
            if self._filling is not None:  # only the rows with pieces still to fill
                top, bottom = self._open_rows(x, y, width, height)
                if top >= bottom:
                    continue
                clip = clip.intersection(Region(0, top, screen_width, bottom - top))
                y, height = top, bottom - top
            lines = Region(x - region.x, y - region.y, width, height)
            yield region, clip, widget.render_lines(lines)

    def _open_rows(self, x: int, y: int, width: int, height: int) -> tuple[int, int]:
        """The first and past the last of rows `y` to `y + height` that `_render_chops`
        draws and that still have an empty piece between columns `x` and `x + width`."""
        assert self._filling is not None
        chops, is_rendered_line = self._filling
        cuts = self.cuts
        right = x + width
        open_rows = [
            row
            for row in range(y, y + height)
            if is_rendered_line(row) and _open_starts(cuts[row], chops[row], x, right)
        ]
        return (open_rows[0], open_rows[-1] + 1) if open_rows else (y, y)


_FILLED = Strip([])
"""Stands for a piece that is no chop of its line (a cut a widget in front wiped)."""


def _open_starts(
    line: list[int], chops_line: dict[int, Strip | None], first: int, last: int
) -> tuple[int, ...] | None:
    """Where the pieces of a widget spanning columns `first` to `last` of a line start (at
    its left edge and each cut inside it), or None when every chop among them is filled."""
    starts = (first, *line[bisect_right(line, first) : bisect_left(line, last)])
    for start in starts:
        if chops_line.get(start, _FILLED) is None:
            return starts
    return None


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
