"""Finding things on screen (issue 18, item 4): find (Ctrl+F) highlights the matched text
itself in a reply's blocks and in user messages, not the block's background; session
search lists each hit under its session with the match highlighted, and choosing one
shows that message."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app_harness import make_app, type_and_send, wait_until
from session_parts import save_session
from sse_server import Script
from textual.content import Content
from textual.widgets import Label
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui_chat.core.session import Session
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.find_highlight import leaf_blocks
from tui_chat.ui.widgets.messages import AssistantMessage, UserMessage
from tui_chat.ui.widgets.session_search import SearchResults

SIZE = (100, 40)
REPLY = (
    "## 归并与快排\n\n"
    "- 列表里的**归并**项\n\n"
    "```python\nxs = 归并(xs)\n```\n\n"
    "结论：归并排序稳定，快排不稳定。"
)


def save(tmp_path: Path, session_id: str, texts: list[str], updated_at: float) -> Session:
    return save_session(tmp_path, session_id, session_id, texts, updated_at)


def marked(content: object) -> list[tuple[str, str]]:
    """(text, style) of each highlight span (a `reverse` one) in a Content."""
    assert isinstance(content, Content)
    return [
        (content.plain[span.start : span.end], str(span.style))
        for span in content.spans
        if "reverse" in str(span.style)
    ]


async def test_find_highlights_the_match_in_reply_blocks_and_user_messages(
    tmp_path: Path, server
) -> None:
    save(tmp_path, "findfindfind", ["第二个问题：**归并**排序呢？", REPLY], time.time())
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        reply = app.screen.query_one(AssistantMessage)
        await wait_until(pilot, lambda: len(leaf_blocks(reply.body)) == 4)
        heading, item, _fence, paragraph = leaf_blocks(reply.body)
        code = reply.body.query_one(MarkdownFence).query_one(Label)
        background = paragraph.styles.background
        original = paragraph.content
        await pilot.press("ctrl+f", *"归并")
        bar = app.screen.query_one(FindBar)
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "5/5")
        # The newest match is current: strongly, in the paragraph; only the match itself.
        assert paragraph.has_class("-find-block")
        assert marked(paragraph.content) == [("归并", "bold reverse $warning")]
        assert paragraph.styles.background == background  # no block background
        # The other matches lightly: the heading, the list item, the code, the question.
        assert marked(heading.content) == [("归并", "reverse")]
        assert isinstance(item, MarkdownBlock) and "列表里的归并项" in item.content.plain
        assert marked(item.content) == [("归并", "reverse")]
        assert marked(code.content) == [("归并", "reverse")]
        user = app.screen.query_one(UserMessage)
        assert [text for text, _ in marked(user.text.content)] == ["归并"]
        app.save_screenshot(str(tmp_path / "find.svg"))  # the styles render
        # Moving on: the heading is current, the paragraph light again.
        await pilot.press("shift+enter", "shift+enter", "shift+enter", "shift+enter")
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "1/5")
        await pilot.press("enter")
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "2/5")
        assert marked(heading.content) == [("归并", "bold reverse $warning")]
        assert marked(paragraph.content) == [("归并", "reverse")]
        # Closing find puts back what the blocks showed.
        await pilot.press("escape")
        await wait_until(pilot, lambda: not bar.display)
        assert paragraph.content is original
        assert not marked(heading.content) and not marked(code.content)
        assert not marked(user.text.content)


async def test_search_results_list_each_hit_and_open_the_chosen_one(tmp_path: Path, server) -> None:
    now = time.time()
    filler = [f"问题 {n}" if n % 2 == 0 else f"回答 {n}" for n in range(30)]
    table = "| 算法 |\n|---|\n| **归并**排序 |"
    save(tmp_path, "olderolder00", ["请比较排序算法", table], now - 50)
    newer = save(tmp_path, "newernewer00", ["归并是什么？", *filler, "`归并`排序的答案"], now - 10)
    save(tmp_path, "shownshown00", ["hello", "hi"], now)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+s", *"归并")
        results = app.screen.query_one(SearchResults)
        await wait_until(pilot, lambda: results.display and len(results.hits) == 3)
        title = str(app.screen.query_one("#sidebar-title").render())
        assert title == "3 hits in 2 sessions"
        prompts = [results.get_option_at_index(i) for i in range(results.option_count)]
        assert [str(o.prompt) for o in prompts if o.disabled] == ["newernewer00", "olderolder00"]
        rows = [o.prompt for o in prompts if not o.disabled]
        for row in rows:
            assert [text for text, _ in marked(row)] == ["归并"], row
            assert not any(mark in str(row) for mark in ("**", "`", "|"))
        assert "归并 · " not in str(rows[2]) and "归并排序" in str(rows[2])
        # The second hit: the last message of the newer session, far below its first.
        await pilot.press("down")
        assert results.has_focus
        assert results.highlighted_hit == results.hits[0]
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.session.id == newer.id)
        view = app.screen.view
        target = newer.messages[-1].id
        await wait_until(pilot, lambda: view.message_widget(target) is not None)
        widget = view.message_widget(target)
        assert widget is not None and widget.has_class("-found")
        await wait_until(pilot, lambda: view.region.contains_region(widget.region))


async def test_a_streaming_reply_is_highlighted_once_it_ends(tmp_path: Path, server) -> None:
    """While a reply streams its blocks are replaced on every frame (and its text is not
    the message's yet): find leaves them be, and marks the match when the reply ends."""
    gate = threading.Event()
    server.enqueue(Script(content=["结论：", "归并排序", "稳定。"], gate=gate, gate_after=2))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "排序？")
        await wait_until(pilot, lambda: bool(app.screen.query(AssistantMessage)))
        reply = app.screen.query_one(AssistantMessage)
        await wait_until(
            pilot, lambda: any("归并" in b.content.plain for b in leaf_blocks(reply.body))
        )
        assert reply.is_streaming
        await pilot.press("ctrl+f", *"归并")
        bar = app.screen.query_one(FindBar)
        await wait_until(pilot, lambda: bar.display)
        assert not any(marked(block.content) for block in leaf_blocks(reply.body))
        gate.set()
        await wait_until(pilot, lambda: not app.replies.live)
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "1/1")
        await wait_until(
            pilot,
            lambda: (
                marked(leaf_blocks(reply.body)[-1].content) == [("归并", "bold reverse $warning")]
            ),
        )


async def test_find_highlights_the_match_inside_a_table(tmp_path: Path, server) -> None:
    """A table draws itself (cells wrapped, never cut): find counts its matches in the
    table as shown and highlights them there, the current one strongly."""
    from tui_chat.ui.render.table_view import TableView

    table = (
        "| 算法 | 说明 |\n|---|---|\n| 归并排序 | 稳定 |\n| 快速排序 | 不稳定，不是归并 |\n\n"
        "归并排序需要额外空间。"
    )
    save(tmp_path, "tabletablexx", ["排序", table], time.time())
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        reply = app.screen.query_one(AssistantMessage)
        await wait_until(pilot, lambda: bool(reply.body.query(TableView)))
        view = reply.body.query_one(TableView)
        await pilot.press("ctrl+f", *"归并")
        bar = app.screen.query_one(FindBar)
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "3/3")
        assert marked(view.render()) == [("归并", "reverse"), ("归并", "reverse")]
        await pilot.press("shift+enter")  # the second match: the table's second
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "2/3")
        assert marked(view.render()) == [("归并", "reverse"), ("归并", "bold reverse $warning")]
        await pilot.press("escape")
        await wait_until(pilot, lambda: not bar.display)
        assert not marked(view.render())
