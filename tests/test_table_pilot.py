"""A Chinese table in a reply keeps every cell's text, wrapped, at 80 and 160 columns and
while it streams in (issue 18 item 3a): at 80 columns Textual's grid cut whole columns to
`…`."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import Script

from tui_chat.ui.render.stream_lists import StreamingTable
from tui_chat.ui.render.stream_markdown import StreamingMarkdown
from tui_chat.ui.render.table_view import TableView
from tui_chat.ui.widgets.messages import AssistantMessage

HEADER = ["算法名称", "平均时间复杂度", "最坏时间复杂度", "是否稳定", "说明"]
ROWS = [
    ["快速排序", "O(n log n)", "O(n²)", "否", "分治法，选择基准元素后把数组分成两部分递归排序。"],
    [
        "归并排序", "O(n log n)", "O(n log n)", "是",
        "需要额外的 O(n) 空间（辅助数组）来合并两个有序子数组。",
    ],
    ["堆排序", "O(n log n)", "O(n log n)", "否", "原地排序，不稳定；建堆需要 O(n) 时间。"],
    ["插入排序", "O(n²)", "O(n²)", "是", "对几乎有序的数据很快，常用于小数组。"],
]
REPLY = (
    "常见排序算法的比较：\n\n"
    "| " + " | ".join(HEADER) + " |\n"
    "|---|:---:|---|---:|---|\n"
    + "".join("| " + " | ".join(row) + " |\n" for row in ROWS)
    + "\n以上就是比较。\n"
)
BOX = "┌├└│"


def table_lines(text: str) -> list[str]:
    """The lines of the drawn table in `text` (the screen's), from its top to its bottom."""
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and line[0] in BOX]


def cells_of(lines: list[str]) -> list[list[str]]:
    """Each row's cells read back from the drawn lines: the pieces of a cell on its lines
    joined (without spaces, which a wrap may drop)."""
    rows: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line[0] in "┌├└":
            if current is not None:
                rows.append(current)
            current = None
            continue
        parts = [part.strip() for part in line.strip("│").split("│")]
        if current is None:
            current = [""] * len(parts)
        current = [a + b.replace(" ", "") for a, b in zip(current, parts, strict=True)]
    return rows


def assert_whole(app_text: str, table: TableView, *, room: bool = True) -> None:
    """The table on screen holds every cell's text, nothing cut; with `room` (its columns
    wider than their minima), the right-aligned column shows it."""
    lines = table_lines(app_text)
    assert lines, "no table on screen"
    assert "…" not in "\n".join(lines)
    expected = [[cell.replace(" ", "") for cell in row] for row in [HEADER, *ROWS]]
    assert cells_of(lines) == expected
    assert lines == [line.strip() for line in table.plain_lines()]
    # Right-aligned column (`---:`): its text ends at the column's edge.
    if room:
        assert any(re.search(r"│  +否 │", line) for line in lines)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_chinese_table_keeps_every_cell(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    server.enqueue(Script(content=[REPLY]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await type_and_send(pilot, "比较排序算法")
        await wait_for_replies(pilot, app)
        table = app.screen.query_one(TableView)
        assert_whole(screen_text(app), table)
        pane = table.parent
        assert isinstance(pane, StreamingTable)
        assert table.size.width <= pane.size.width  # fits: no sideways scroll needed
        if size[0] == 160:
            assert table.size.height == len(ROWS) * 2 + 3  # one line a cell: nothing wraps


async def test_table_lays_itself_out_again_on_resize(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=[REPLY]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(160, 45)) as pilot:
        await type_and_send(pilot, "比较排序算法")
        await wait_for_replies(pilot, app)
        table = app.screen.query_one(TableView)
        wide = table.size
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: table.size.width < wide.width)
        assert table.size.height > wide.height
        assert table.size.width <= table.parent.size.width
        assert_whole(screen_text(app), table)
        await pilot.resize_terminal(30, 24)  # even the minima do not fit: scroll sideways
        await wait_until(pilot, lambda: table.size.width > table.parent.size.width)
        assert table.parent.show_horizontal_scrollbar
        assert_whole(screen_text(app), table, room=False)


def pieces(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(text):
        size = rng.randint(1, 4)
        out.append(text[at : at + size])
        at += size
    return out


async def test_streamed_table_grows_in_one_view_and_ends_as_a_full_render(
    tmp_path: Path, server
) -> None:
    server.enqueue(Script(content=pieces(REPLY, 7), delay=0.03))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "比较排序算法")
        await wait_until(pilot, lambda: bool(app.screen.query(TableView)))
        first = app.screen.query_one(TableView)
        seen_rows = {len(first.rows)}
        while app.replies.live:
            views = list(app.screen.query(TableView))
            if views and views[0] is first:
                seen_rows.add(len(first.rows))
                assert "…" not in "\n".join(first.plain_lines())
            await pilot.pause(0.01)
        await wait_for_replies(pilot, app)
        assert len(seen_rows) > 2  # rows arrived one by one in the same view
        table = app.screen.query_one(TableView)
        assert table is first  # nothing rebuilt when the reply ended
        assert_whole(screen_text(app), table)
        reply = app.screen.query_one(AssistantMessage)
        reference = StreamingMarkdown(reply.body.source)
        await app.screen.query_one("#messages").mount(reference)
        await pilot.pause()
        full = reference.query_one(TableView)
        assert full.aligns == table.aligns == ["left", "center", "left", "right", "left"]
        width = table.parent.content_size.width
        assert [line.plain for line in full.lines(width)] == table.plain_lines()
