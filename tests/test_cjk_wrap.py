"""Mixed Chinese/English text fills its lines in the real app (issue 18 item 1): the reply's
paragraph and list item, the thinking pane and the prompt, at 80 and 160 columns.

The measure: every wrapped line but the last ends within 2 cells of the width, except
where the next line begins with an unbreakable piece (tui_chat.core.line_breaks.segments)
that would not have fitted after it. Latin words are never split, so the issue's literal
"within 2 cells" cannot hold for them (`O(n log` / `n)，` at 80 columns); the greedy rule
is exactly what a wrap with every break opportunity gives."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from rich.cells import cell_len
from sse_server import FakeOpenAIServer, Script
from textual.widgets import Static
from textual.widgets.markdown import MarkdownBlock

from tui_chat.core.line_breaks import segments
from tui_chat.ui.render import line_breaks as hooks
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.thinking import ThinkingPane

PARAGRAPH = (
    "快速排序（Quicksort）是一种分治算法：它先选一个基准元素 pivot，"
    "把数组分成小于和大于基准的两部分，"
    "再递归地排序这两部分。平均情况下的时间复杂度是 O(n log n)，最坏情况下是 O(n²)，"
    "例如当数组已经有序而每次都选第一个元素作为基准时。在实践中，我们通常用“三数取中”"
    "（median-of-three）或随机选择基准来避免最坏情况；Python 的 sorted() 使用的是 Timsort，"
    "它结合了归并排序和插入排序，对部分有序的数据非常高效。另外，快速排序是原地排序，"
    "额外空间复杂度是 O(log n)，这使它在内存受限的环境（例如嵌入式设备）中很受欢迎。"
    "需要注意的是，它不是稳定排序：相等元素的相对顺序可能会改变，所以如果你需要稳定性，"
    "请使用归并排序或者 Python 内置的 list.sort() 方法。"
)
"""The issue's mixed paragraph (notes/i18/sample.py)."""
LIST_ITEM = PARAGRAPH[:200]
ENGLISH = (
    "Quicksort is a divide-and-conquer algorithm: it picks a pivot, partitions the array "
    "into the elements smaller and larger than the pivot, then sorts both parts "
    "recursively. Its average cost is O(n log n), its worst case O(n^2), for example when "
    "the array is already sorted and the first element is always chosen as the pivot."
)
REPLY = f"{PARAGRAPH}\n\n- {LIST_ITEM}\n\n{ENGLISH}\n"


def drawn_lines(widget: Static) -> list[str]:
    """The lines `widget` draws, trailing blanks dropped."""
    strips = widget.render_lines(widget.content_region.reset_offset)
    texts = [strip.text.rstrip() for strip in strips]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def fill_failures(
    source: str, lines: list[str], width: int, *, count_trailing_spaces: bool = False
) -> list[str]:
    """The lines of `source` wrapped at `width` that break the measure (see the module's
    docstring), each with why. Also checks the lines are `source`, in order."""
    pieces = dict(segments(source))
    starts: list[int] = []
    cursor = 0
    for line in lines:
        at = source.find(line.strip(), cursor)
        assert at >= 0 and not source[cursor:at].strip(), (line, source[cursor:])
        starts.append(at)
        cursor = at + len(line.strip())
    assert not source[cursor:].strip()
    failures = []
    for n, line in enumerate(lines[:-1]):
        cells = cell_len(line.rstrip())
        assert cells <= width, line
        if width - cells <= 2:
            continue
        end = starts[n] + len(line.strip())
        gap = cell_len(source[end : starts[n + 1]])
        piece = pieces[starts[n + 1]]
        needed = cell_len(piece if count_trailing_spaces else piece.rstrip())
        if cells + gap + needed <= width:
            failures.append(f"{line!r} ({cells}/{width}) then {piece!r} would fit")
    return failures


def paragraphs(app: object) -> list[Static]:
    return [
        block
        for block in app.screen.query(MarkdownBlock)  # type: ignore[attr-defined]
        if type(block).__name__.endswith("Paragraph") and block.display
    ]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_mixed_chinese_and_english_fill_their_lines(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(Script(content=[REPLY], reasoning=[PARAGRAPH]))
        app = make_app(tmp_path, server)
        async with app.run_test(size=size) as pilot:
            assert hooks.installed()
            await type_and_send(pilot, "快速排序")
            await wait_for_replies(pilot, app)
            pane = app.screen.query_one(ThinkingPane)
            if pane.collapsed:
                await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: not pane.collapsed)
            await pilot.pause()

            blocks = paragraphs(app)
            thinking = [b for b in blocks if pane in b.ancestors]
            reply = [b for b in blocks if pane not in b.ancestors]
            checked = 0
            for block in [*thinking, *reply]:
                lines = drawn_lines(block)
                text = " ".join(line.strip() for line in lines)
                width = block.content_size.width
                if text.startswith(LIST_ITEM[:10]) and len(text) < len(PARAGRAPH):
                    source = LIST_ITEM
                elif text.startswith(PARAGRAPH[:10]):
                    source = PARAGRAPH
                elif text.startswith(ENGLISH[:10]):
                    # plain English wraps exactly as Textual's own function would
                    cuts = [0, *hooks.ORIGINAL_DIVIDE_LINE(ENGLISH, width, True), len(ENGLISH)]
                    expected = [ENGLISH[a:b].rstrip() for a, b in pairwise(cuts)]
                    assert lines == expected
                    checked += 1
                    continue
                else:
                    continue
                assert len(lines) > 1
                assert fill_failures(source, lines, width) == [], (type(block).__name__, width)
                checked += 1
            # the reply's paragraph, list item and English paragraph; the reasoning
            assert checked == 4, checked
            assert thinking, "the thinking pane shows the reasoning"

            prompt = app.screen.query_one(PromptInput)
            prompt.focus()
            prompt.insert(PARAGRAPH)
            await pilot.pause()
            width = prompt.wrap_width
            (wrapped,) = prompt.wrapped_document.lines  # one line of the document, in sections
            assert len(wrapped) > 1 and "".join(wrapped) == PARAGRAPH
            assert all(cell_len(line) <= width for line in wrapped)
            failures = fill_failures(PARAGRAPH, wrapped, width, count_trailing_spaces=True)
            assert failures == [], width
