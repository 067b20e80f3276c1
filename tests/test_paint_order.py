"""The chat screen's compositor repaints what moved, not what only got a new paint order."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app
from textual.geometry import Region, Size, Spacing
from textual.map_geometry import MapGeometry

from tui_chat.widgets.paint_order import OrderBlindCompositor, OrderBlindGeometry


def geometry(order: tuple[tuple[int, int, int], ...], y: int = 0) -> OrderBlindGeometry:
    region = Region(0, y, 10, 2)
    return OrderBlindGeometry(
        region, order, region, Size(10, 2), Size(10, 2), region, Spacing()
    )


def test_geometries_that_differ_only_in_order_are_equal() -> None:
    first, renumbered = geometry(((0, 0, -2),)), geometry(((0, 0, -3),))
    assert first == renumbered and hash(first) == hash(renumbered)
    assert first.order != renumbered.order  # painting still sorts by the real order
    assert first != geometry(((0, 0, -2),), y=1)  # a move is a change
    # Both sides of a layout diff: only the moved one is left.
    old = {"a": first, "b": geometry(((0, 0, -1),), y=2)}
    new = {"a": renumbered, "b": geometry(((0, 0, -1),), y=3)}
    assert {key for key, _ in old.items() ^ new.items()} == {"b"}
    plain = MapGeometry(*first)
    assert (first == plain) is (tuple(first) == tuple(plain))


async def test_chat_screen_uses_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, None)
    async with app.run_test() as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, OrderBlindCompositor)
        assert all(isinstance(g, OrderBlindGeometry) for g in compositor._full_map.values())
