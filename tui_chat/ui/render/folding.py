"""Folding: while a reply streams, what scrolled far out of view leaves the layout.

Textual lays out every displayed widget whenever a size changes, which a streaming reply does
on every frame. A long reply is hundreds of Markdown blocks (thousands of widgets), and a long
session dozens of replies, so each frame got slower as the reply grew. Folding hides the
leading children of a container that lie above the view (`display: none`)
and shows one `Fold` of exactly their height in their place: the scroll position, the
scrollbar and everything on screen stay the same, and a frame costs what the visible part
costs. Anything that needs the hidden widgets (the user scrolls up, the width changes, the
reply ends) unfolds first.
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.events import Resize
from textual.geometry import Region, Size
from textual.layout import DockArrangeResult
from textual.widget import Widget

from tui_chat.ui.render.stock import stock_render

MIN_FOLD = 4
"""Fold only when at least this many more children can go (each fold is a layout change)."""
FOLD_MARGIN = 2
"""Rows above the view kept unfolded."""


class Fold(Widget):
    """Blank space standing in for the hidden children just after it."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[Widget] = []
        self.display = False

    def render(self) -> str:
        return ""


def _foldable(parent: Widget) -> list[Widget]:
    """`parent`'s children less its runway (which sits wherever it was mounted)."""
    return [child for child in parent.children if not isinstance(child, Runway)]


def fold_of(parent: Widget) -> Fold | None:
    children = _foldable(parent)
    return children[0] if children and isinstance(children[0], Fold) else None


def fold_above(parent: Widget, top: int, *, minimum: int = MIN_FOLD) -> bool:
    """Hide the leading children of `parent` whose regions (with margins) end above screen
    row `top`, behind one Fold of the same height. The last child always stays.

    Positions come from the last layout, so call this between frames; children not laid out
    yet stop the search. Returns True when more children were hidden.
    """
    children = _foldable(parent)
    fold = children[0] if children and isinstance(children[0], Fold) else None
    if fold is None:
        # Mounted now, used from the next call on: a fold that is not laid out yet would
        # leave a frame without the hidden children's height.
        parent.mount(Fold(), before=0)
        return False
    start = 1 + len(fold.hidden)
    candidates = children[start:-1]
    count = 0
    for child in candidates:
        region = child.region
        if not region or region.bottom + child.styles.margin.bottom > top:
            break
        count += 1
    if count < minimum:
        return False
    keep = children[start + count]
    first = fold if fold.display else children[start]
    if not keep.region or not first.region:
        return False
    # Both from the same layout, so the difference does not depend on the scroll position.
    first_top = first.region.y - first.styles.margin.top
    keep_top = keep.region.y - keep.styles.margin.top
    newly_hidden = list(candidates[:count])
    with parent.app.batch_update():
        for child in newly_hidden:
            child.display = False
        fold.hidden.extend(newly_hidden)
        fold.styles.height = keep_top - first_top
        fold.display = True
    return True


def unfold(parent: Widget) -> bool:
    """Show what `parent`'s fold hides again. Returns True when anything was folded."""
    fold = fold_of(parent)
    if fold is None or not fold.hidden:
        return False
    with parent.app.batch_update():
        for child in fold.hidden:
            child.display = True
        fold.hidden.clear()
        fold.display = False
    return True


class FollowingScroll(VerticalScroll):
    """A vertical scroll that follows its end (anchored) and, while it does, can fold what
    scrolled far above. Any scroll by the user or a program releases the anchor and
    unfolds, in the same frame, so nothing hidden is ever looked at."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.stock = stock_render()
        self._folded: list[Widget] = []
        self._folded_width = 0

    @property
    def is_following(self) -> bool:
        return self.is_anchored and not self._anchor_released

    def follow_from_end(self) -> None:
        """Anchor the view without scrolling it: it follows the end again once the user
        scrolls to the bottom (Textual's `anchor()` would jump there now)."""
        self._anchored, self._anchor_released = True, True

    def fold_offscreen(self, *parents: Widget) -> None:
        """Fold the children of each of `parents` (this scroll or widgets inside it) that
        lie above the view, if the view follows the end (never with stock rendering)."""
        if self.stock or not self.is_following:
            return
        view = self.content_region
        top = view.y - FOLD_MARGIN
        for parent in parents:
            if fold_above(parent, top) and parent not in self._folded:
                self._folded.append(parent)
                self._folded_width = view.width

    def unfold_all(self) -> None:
        for parent in self._folded:
            unfold(parent)
        self._folded.clear()

    def release_anchor(self) -> None:
        self.unfold_all()
        super().release_anchor()

    def on_resize(self, event: Resize) -> None:
        if self._folded and event.size.width != self._folded_width:
            self.unfold_all()  # the hidden widgets' heights are different at this width


class Runway(Widget):
    """Holds the end of a growing container at the end of its step (see `RunwayMixin`)."""

    def __init__(self) -> None:
        super().__init__()
        self.styles.height = 0

    def render(self) -> str:
        return ""


class RunwayMixin(Widget):
    """Rounds a container's height up to a multiple of `runway_step` rows with blank rows at
    its end. List it after the widget class (`class Body(Markdown, RunwayMixin)`): Textual
    takes CSS type names from the first base only.

    A streaming reply grows a line at a time, and each time it does, everything from the
    reply up to the scrolling view changes size, the view scrolls, and the whole screen is
    drawn again. With a runway the reply's height changes once every `runway_step` lines:
    in between, only the growing block and the blank rows below it are redrawn.
    """

    runway_step = 0
    """0: no runway (the height is the content's)."""
    _runway_cache: tuple[DockArrangeResult, int, DockArrangeResult] | None = None

    def set_runway(self, step: int) -> None:
        if step and not any(isinstance(child, Runway) for child in self.children):
            self.mount(Runway())
        if step != self.runway_step:
            self.runway_step = step
            self._clear_arrangement_cache()
            self.refresh(layout=True)

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        result = super().arrange(size, optimal)
        step = self.runway_step
        if not step:
            return result
        cached = self._runway_cache
        if cached is not None and cached[0] is result and cached[1] == step:
            return cached[2]  # the arrangement is cached, so is the runway added to it
        # The runway is one blank cell in the last row of the step the content reaches
        # (always below the content): its place changes once a step, not with every line,
        # so a growing line repaints just its block, not the blank rows as well.
        bottom = result.spatial_map.total_region.bottom
        end = (bottom // step + 1) * step
        # Nothing yet (a reply that is still thinking): no blank rows either.
        runway = Region(0, end - 1, 1, 1) if bottom else Region(0, 0, 0, 0)
        placements = [
            placement._replace(region=runway)
            if isinstance(placement.widget, Runway)
            else placement
            for placement in result.placements
        ]
        with_runway = DockArrangeResult(placements, result.widgets, result.scroll_spacing)
        self._runway_cache = (result, step, with_runway)
        return with_runway
