"""Characters typed while the focus is elsewhere in the conversation pane (a message, the
view, the thinking pane) land in the prompt; keys bound there and text fields keep theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from image_parts import images_app, png_bytes, seed_image_session
from sse_server import FakeOpenAIServer
from textual.pilot import Pilot
from textual.widgets import Input

from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.widgets.conversation_pane import ConversationPane
from tui_chat.ui.widgets.image_view import ImageView
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.slash_popup import SlashPopup


async def after_a_reply(pilot: Pilot[Any], app: TuiChatApp) -> PromptInput:
    """Send a question, wait for its reply; the prompt, empty."""
    await type_and_send(pilot, "a question")
    await wait_for_replies(pilot, app)
    return app.screen.query_one(PromptInput)


async def test_typing_on_a_message_goes_to_the_prompt(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = await after_a_reply(pilot, app)
        prompt.insert("draft")
        reply = app.screen.query_one(AssistantMessage)
        reply.focus()
        await pilot.pause()
        await pilot.press("space", "a", "n", "d", "?")
        await wait_until(pilot, lambda: prompt.text == "draft and?")
        assert prompt.has_focus
        # The message view too, and a slash starts a command there as typed in the prompt.
        prompt.clear()
        app.screen.query_one(MessageView).focus()
        await pilot.pause()
        await pilot.press("/", "n")
        await wait_until(pilot, lambda: prompt.text == "/n")
        assert prompt.has_focus
        await wait_until(pilot, lambda: bool(app.screen.query(SlashPopup)))


async def test_keys_bound_where_the_focus_is_and_text_fields_keep_their_keys(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = await after_a_reply(pilot, app)
        view = app.screen.query_one(MessageView)
        view.focus()
        await pilot.pause()
        # Not characters: they move in the view, the prompt stays as it was.
        await pilot.press("home", "down")
        assert view.has_focus
        assert prompt.text == ""
        # The find bar is a text field: what is typed there stays there.
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press("q", "u")
        find_input = app.screen.query_one("#find-input", Input)
        await wait_until(pilot, lambda: find_input.value == "qu")
        assert prompt.text == ""


async def test_a_letter_bound_on_a_focused_image_runs_its_binding(tmp_path: Path) -> None:
    """`a` on an image in the conversation attaches it; it is not typed into the prompt."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(64, 64))
    with FakeOpenAIServer() as server:
        seed_image_session(tmp_path, attachments=[str(photo)])
        app = images_app(tmp_path, server, "halfblock")
        async with app.run_test(size=(100, 40)) as pilot:
            await wait_until(pilot, lambda: bool(app.screen.query(ImageView)))
            thumb = app.screen.query(ImageView).first()
            thumb.focus()
            await pilot.pause()
            await pilot.press("a")
            pane = app.screen.query_one(ConversationPane)
            await wait_until(pilot, lambda: pane.draft.images == [str(photo)])
            prompt = app.screen.query_one(PromptInput)
            assert prompt.text == ""
