"""Ctrl+Q with a message typed but not sent: seen in tmux, the app quit at once and the
text was gone (nothing keeps a draft). It asks first; Esc keeps the app and the text."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, wait_until
from sse_server import FakeOpenAIServer

from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.widgets.prompt import PromptInput


async def test_ctrl_q_with_an_unsent_message_asks_first(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        prompt.insert("a long message I have not sent yet")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        await pilot.press("escape")  # keep writing
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        assert app.screen.query_one(PromptInput).text == "a long message I have not sent yet"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running)


async def test_ctrl_q_with_an_empty_prompt_quits_at_once(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)
