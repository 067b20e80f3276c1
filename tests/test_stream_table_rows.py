"""Rows streamed into a table: while they fit the blank rows the table was given, each is a
repaint of the table, not a layout of the screen (`TableView.set_rows`), and the table ends
as a full render."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, wait_until
from test_stream_render import full_render, rendered, streaming_body

from tui_chat.ui.render import probes
from tui_chat.ui.render.stream_markdown import finish_streamed
from tui_chat.ui.render.table_view import TableView

HEAD = "| Name | Kind | Notes |\n|------|------|-------|\n"
ROWS = [f"| `name_{n}` | kind {n} | a note on row {n} |\n" for n in range(12)]


async def test_rows_that_fit_the_padding_are_repaints(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        view = screen.query_one("#messages")
        body = await streaming_body(view)
        await body.append_deferring(HEAD + ROWS[0], 0)
        table = body.query_one(TableView)
        await wait_until(pilot, lambda: table.size.height > 0)
        await screen.wait_for_refresh()
        with probes.counting_layouts(screen) as reflows:
            for number, row in enumerate(ROWS[1:], start=1):
                await body.append_deferring(row, 0)
                # Each row is two lines (a rule, the row), drawn before the next comes.
                await wait_until(pilot, lambda n=number: len(table.lines()) == 5 + 2 * n)
                await screen.wait_for_refresh()
                assert table.size.height >= len(table.lines())
            assert reflows() < len(ROWS) - 1  # a layout for every row before
        body.set_runway(0)
        await finish_streamed(body)
        await wait_until(pilot, lambda: table.size.height == len(table.lines()))
        reference = full_render(HEAD + "".join(ROWS))
        await view.mount(reference)
        assert rendered(body) == rendered(reference)
