"""What the tests read of Textual's internals, in one place (see `private_names`).

The app never imports this module. Tests check the engine against Textual (its compositor,
its layouts), read the notices an app has shown and capture what an app writes to a
terminal; Textual has no public way to do any of these, so each goes through a function
here rather than a private name in a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import textual.drivers.headless_driver as headless_driver
from textual._compositor import Compositor
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.command import CommandPalette
    from textual.geometry import Region
    from textual.map_geometry import MapGeometry
    from textual.notifications import Notification
    from textual.screen import Screen
    from textual.strip import Strip
    from textual.widgets import Select


def notifications(app: App[object]) -> list[Notification]:
    """The notices the app shows (or would, in a test that hides them), oldest first."""
    return list(app._notifications)


def palette_searching(app: App[object], palette: CommandPalette) -> bool:
    """Whether the command palette is still gathering commands for what was typed."""
    group = palette._GATHER_COMMANDS_GROUP
    return any(worker.group == group and not worker.is_finished for worker in app.workers)


def select_values(select: Select[object]) -> list[object]:
    """The values a Select offers, in order."""
    return [value for _, value in select._options]


def screen_lines(screen: Screen[object]) -> list[str]:
    """The screen as text, exactly as its compositor draws it."""
    return [strip.text for strip in screen._compositor.render_strips()]


def compositor_of(screen: Screen[object]) -> Compositor:
    return screen._compositor


def laid_out_geometries(screen: Screen[object]) -> list[MapGeometry]:
    """The geometry of every widget in the screen's last full layout."""
    return list(screen._compositor._full_map.values())


@contextmanager
def counting_layouts(screen: Screen[object]) -> Iterator[Callable[[], int]]:
    """Within, count the screen's layouts (compositor reflows); yields the count's getter."""
    compositor = screen._compositor
    reflow = compositor.reflow
    count = 0

    def counted(parent: Widget, size: object) -> object:
        nonlocal count
        count += 1
        return reflow(parent, size)  # type: ignore[arg-type]

    compositor.reflow = counted  # type: ignore[assignment,method-assign]
    try:
        yield lambda: count
    finally:
        del compositor.reflow  # the class's method again


def virtual_size_lays_out() -> bool:
    """Whether setting `Widget.virtual_size` repaints and lays out (as Textual has it)."""
    reactive = vars(Widget)["virtual_size"]
    return bool(reactive._repaint and reactive._layout)


def renders(
    screen: Screen[object], crop: Region, *, textual: bool = False
) -> list[tuple[Region, Region, list[Strip]]]:
    """What the screen's compositor renders for an update of `crop` (`textual`: what
    Textual's own compositor would)."""
    compositor = screen._compositor
    if textual:
        return list(Compositor._get_renders(compositor, crop))
    return list(compositor._get_renders(crop))


def rendered_rows(
    screen: Screen[object], crop: Region, rows: Sequence[int], *, textual: bool = False
) -> list[object]:
    """The chops the screen's compositor draws for `rows` of an update of `crop`
    (`textual`: with Textual's own renders of the widgets)."""
    compositor = screen._compositor
    wanted = set(rows).__contains__
    if textual:
        compositor._get_renders = lambda crop=None: Compositor._get_renders(  # type: ignore[method-assign]
            compositor, crop
        )
    try:
        chops = compositor._render_chops(crop, wanted)
    finally:
        if textual:
            del compositor._get_renders
    return [chops[y] for y in rows]


class CapturingDriver(headless_driver.HeadlessDriver):
    """Pilot's driver, but not headless: Textual renders nothing for a headless driver
    (`App._display`), so this one gets every frame a terminal would, and keeps it."""

    written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        CapturingDriver.written.append(data)


@contextmanager
def capture_terminal_output() -> Iterator[list[str]]:
    """Within, apps run with `run_test` write every frame to the list yielded (Textual
    looks the headless driver up when the app starts)."""
    written: list[str] = []
    CapturingDriver.written = written
    original = headless_driver.HeadlessDriver
    headless_driver.HeadlessDriver = CapturingDriver  # type: ignore[misc]
    try:
        yield written
    finally:
        headless_driver.HeadlessDriver = original  # type: ignore[misc]
