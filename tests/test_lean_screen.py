"""The chat screen lays out and repaints less than Textual's own (see widgets/lean_screen.py)."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, wait_until
from textual.geometry import Region, Size, Spacing
from textual.map_geometry import MapGeometry
from textual.widgets import Static

from tui_chat.ui.render import probes
from tui_chat.ui.render.footer import ChatFooter
from tui_chat.ui.render.lean_screen import LeanCompositor, OrderBlindGeometry


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
        assert isinstance(probes.compositor_of(app.screen), LeanCompositor)
        geometries = probes.laid_out_geometries(app.screen)
        assert all(isinstance(g, OrderBlindGeometry) for g in geometries)


async def test_a_height_change_is_one_layout(tmp_path: Path) -> None:
    """A widget that grows is laid out once: setting the resized widgets' virtual sizes
    does not ask for a second layout (Textual's own screen lays out twice)."""
    app = make_app(tmp_path, None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        # Start-up has settled: the footer built from the last bindings change, and no
        # notice left to leave after its timeout (each a layout of its own).
        footer = screen.query_one(ChatFooter)
        app.clear_notifications()
        await wait_until(
            pilot,
            lambda: not screen.query("Toast")
            and not footer._check_pending
            and footer._shown == footer._keys_to_show()
            and all(key.is_mounted for key in footer.query("FooterKey")),
        )
        note = Static("one line")
        await screen.query_one("#messages").mount(note)
        # Laid out with it, and nothing left pending from the mount.
        await wait_until(pilot, lambda: note.size.height == 1)
        await screen.wait_for_refresh()
        with probes.counting_layouts(screen) as reflows:
            note.update("one\ntwo\nthree")
            await wait_until(pilot, lambda: note.size.height == 3)
            # Once painted: a second layout would have run by then.
            await screen.wait_for_refresh()
            await pilot.pause()
            assert reflows() == 1
        assert probes.virtual_size_lays_out()  # as Textual has it, outside a layout


async def test_an_update_renders_only_its_rows_and_the_same_as_textual(tmp_path: Path) -> None:
    """A partial update renders each widget's lines in the update's rows only, and those
    rows come out exactly as Textual renders them."""
    app = make_app(tmp_path, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        crop = Region(0, 20, 80, 2)
        ours = probes.renders(screen, crop)
        textuals = probes.renders(screen, crop, textual=True)
        assert all(len(strips) <= 2 for _, _, strips in ours)
        assert any(len(strips) > 2 for _, _, strips in textuals)  # the whole view, say
        rows = (20, 21)
        lean = probes.rendered_rows(screen, crop, rows)
        plain = probes.rendered_rows(screen, crop, rows, textual=True)
        assert lean == plain
