"""A Markdown table's layout (issue 18 item 3a): cells wrap by the CJK line breaker, never
cut, in widths that fit the pane when the columns' minima do."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tui_chat.ui.render.table_layout import (
    MIN_CAP,
    alignments,
    column_widths,
    frame_width,
    lay_out,
    measure,
    share,
    split_lines,
)

CHINESE = [
    ["算法名称", "平均时间复杂度", "最坏时间复杂度", "是否稳定", "说明"],
    ["快速排序", "O(n log n)", "O(n²)", "否", "分治法，选择基准元素后把数组分成两部分递归排序。"],
    [
        "归并排序", "O(n log n)", "O(n log n)", "是",
        "需要额外的 O(n) 空间（辅助数组）来合并两个有序子数组。",
    ],
    [
        "堆排序", "O(n log n)", "O(n log n)", "否",
        "原地排序，不稳定；建堆需要 O(n) 时间，“下沉”操作反复进行。",
    ],
]
MIXED = [
    ["Provider", "Field", "Notes"],
    ["DeepSeek", "reasoning_content", "thinking on by default, a very long note that wraps"],
    ["a_very_long_identifier_without_spaces_at_all", "x", "短"],
]
CLOSING = "，。、；：？！）」』》】"


def non_space(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("table", [CHINESE, MIXED], ids=["chinese", "mixed"])
@pytest.mark.parametrize("width", [30, 56, 80, 120, 160])
def test_every_character_once_no_ellipsis_no_closing_mark_first(
    table: list[list[str]], width: int
) -> None:
    layout = lay_out(table, width)
    assert len(layout.widths) == len(table[0])
    for row, breaks in zip(table, layout.breaks, strict=True):
        for text, offsets, column_width in zip(row, breaks, layout.widths, strict=True):
            lines = split_lines(text, offsets)
            assert non_space("".join(lines)) == non_space(text)  # each character once
            assert all("…" not in line for line in lines) or "…" in text
            assert all(cell_len(line) <= column_width for line in lines), (lines, column_width)
            assert not any(line and line[0] in CLOSING for line in lines[1:]), lines


@pytest.mark.parametrize("width", [56, 80, 120, 160])
def test_widths_fit_the_pane_when_the_minima_do(width: int) -> None:
    layout = lay_out(CHINESE, width)
    assert layout.width <= width
    assert all(w >= 4 for w in layout.widths)  # every CJK header shows two characters a line


def test_a_table_that_fits_fills_the_pane_on_one_line_per_cell() -> None:
    table = [["a", "bb", "c"], ["1", "2", "3"], ["four", "five", "six"]]
    layout = lay_out(table, 60)
    assert layout.width == 60
    assert all(offsets == [] for row in layout.breaks for offsets in row)


def test_too_narrow_a_pane_lays_out_at_the_minima_wider_than_it() -> None:
    widths = column_widths(CHINESE, 20)
    assert widths == [max(measure(row[n])[1] for row in CHINESE) for n in range(5)]
    assert sum(widths) + frame_width(5) > 20  # the view scrolls sideways


def test_minimum_is_the_widest_unbreakable_piece_capped() -> None:
    assert measure("快速排序") == (8, 2)
    assert measure("O(n²) 与 O(n log n)") [1] == len("O(n²)")
    assert measure("分治法，选择") == (12, 4)  # 法， stays together
    assert measure("x" * 40) == (40, MIN_CAP)


def test_share_sums_exactly() -> None:
    assert sum(share(17, [3, 0, 5, 1])) == 17
    assert share(4, [0, 0]) == [2, 2]
    assert share(0, [1, 2]) == [0, 0]


def test_alignments_from_the_delimiter_row() -> None:
    assert alignments("|:---|:---:|---:|---|", 4) == ["left", "center", "right", "left"]
    assert alignments("> | --- | :-: |", 3) == ["left", "center", "left"]
    assert alignments("   :---: | ---:", 2) == ["center", "right"]


@pytest.mark.parametrize("width", [76, 96])
def test_short_columns_keep_their_cells_whole_when_a_long_one_can_wrap(width: int) -> None:
    """At 80 columns (a 76-cell pane) the name and "stable" columns keep `快速排序` and
    `是否稳定` on one line; the description wraps instead."""
    widths = column_widths(CHINESE, width)
    assert widths[0] == cell_len("算法名称") and widths[3] == cell_len("是否稳定")
    assert sum(widths) + frame_width(len(widths)) == width
    assert widths[4] > widths[1]


def test_short_columns_give_way_when_the_others_need_their_minima() -> None:
    """At 40 cells keeping the short columns whole would starve the others below their
    minima: every column then gets its minimum and a share, and the table still fits."""
    minima = [max(measure(row[n])[1] for row in CHINESE) for n in range(5)]
    widths = column_widths(CHINESE, 40)
    assert all(w >= m for w, m in zip(widths, minima, strict=True))
    assert sum(widths) + frame_width(len(widths)) == 40
