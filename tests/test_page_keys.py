"""PageUp and PageDown scroll the conversation while the prompt has the focus: at 80x24
a reader keeps typing and reading without moving the focus (issue 18, reading)."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import Script

from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.prompt import PromptInput

LONG = "\n\n".join(f"第 {n} 段：快速排序的平均时间复杂度是 O(n log n)。" for n in range(80))


async def test_page_keys_scroll_the_conversation_from_the_prompt(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=[LONG]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "很长的回答")
        await wait_until(pilot, lambda: len(app.screen.query(AssistantMessage)) == 1)
        await wait_for_replies(pilot, app)
        view = app.screen.query_one(MessageView)
        prompt = app.screen.query_one(PromptInput)
        await wait_until(
            pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y
        )
        bottom = view.scroll_y
        assert prompt.has_focus
        await pilot.press("pageup")
        await wait_until(
            pilot, lambda: view.scroll_y <= bottom - view.scrollable_content_region.height + 2
        )
        assert prompt.has_focus and prompt.text == ""
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: view.scroll_y == bottom)
