"""Pilot tests of `/image`'s entry points: the completion list and F1 list it, a good one
posts `ImageRequested` (and clears the prompt), a bad one says why and keeps the text, the
palette's "Image: generate…" puts `/image ` in the prompt. Generating is not tested here."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, notices, run_command, session_files, wait_until, write_config
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.widgets import DataTable

from tui_chat.core.images import ImageRequest
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.messages import ImageRequested
from tui_chat.ui.render.probes import palette_searching
from tui_chat.ui.screens.keys import KeysScreen
from tui_chat.ui.widgets.messages import UserMessage
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.slash_popup import SlashPopup


class Requests:
    """Every ImageRequested posted in the app (the message hook sees it at each node it
    bubbles through: kept once)."""

    def __init__(self) -> None:
        self.seen: list[ImageRequested] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, ImageRequested) and all(message is not m for m in self.seen):
            self.seen.append(message)

    @property
    def requests(self) -> list[ImageRequest]:
        return [message.request for message in self.seen]


def prompt_of(app: TuiChatApp) -> PromptInput:
    return app.screen.query_one(PromptInput)


def chats(server) -> list[dict]:
    return [r for r in server.requests if r["path"].endswith("/chat/completions")]


async def test_a_good_image_command_posts_image_requested(tmp_path: Path, server) -> None:
    # The provider has no image_model: the request is posted all the same, and the
    # conversation pane says what to set; the prompt keeps the text (it is cleared only
    # once an image turn has started).
    write_config(tmp_path / "config" / "config.toml", server.base_url, "[images]\ncount = 2\n")
    app = make_app(tmp_path, server)
    hook = Requests()
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await run_command(pilot, "/image -s 768*1344 --no “文字” 一只在竹林里喝茶的熊猫")
        await wait_until(pilot, lambda: bool(hook.requests))
        assert hook.requests == [
            ImageRequest(
                prompt="一只在竹林里喝茶的熊猫",
                size="768x1344",
                count=2,  # [images] count
                negative_prompt="文字",
            )
        ]
        await wait_until(pilot, lambda: any("image_model" in n for n in notices(app)))
        assert prompt_of(app).text == "/image -s 768*1344 --no “文字” 一只在竹林里喝茶的熊猫"
        assert not app.screen.query(UserMessage)
    assert chats(server) == []  # never sent to the chat model
    assert session_files(tmp_path) == []


async def test_a_bad_image_command_says_why_and_keeps_the_text(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    hook = Requests()
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await run_command(pilot, "/image -n 9 [b]熊猫[/b]")
        await wait_until(pilot, lambda: any("-n takes how many images" in n for n in notices(app)))
        assert prompt_of(app).text == "/image -n 9 [b]熊猫[/b]"
        said = next(n for n in notices(app) if "-n takes" in n)
        assert "Usage: /image" in said and "/image 一只在竹林里喝茶的熊猫" in said
        prompt_of(app).clear()
        await run_command(pilot, "/image")
        await wait_until(pilot, lambda: any(n.startswith("Say what") for n in notices(app)))
        assert prompt_of(app).text == "/image"
        assert hook.requests == []
    assert chats(server) == []


async def test_image_is_offered_by_the_completion_list_and_f1(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        for key in "/im":
            await pilot.press(key)
        await pilot.pause()
        popup = app.screen.query_one(SlashPopup)
        assert popup.display and [c.name for c in popup.commands] == ["image"]
        assert "-s WxH" in popup.choices[0].help
        await pilot.press("tab")
        await pilot.pause()
        assert prompt.text == "/image "
        prompt.clear()
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, KeysScreen))
        table = app.screen.query_one(DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any(key == "/image [OPTIONS] PROMPT" and "--no TEXT" in said for key, said in rows)


async def test_the_palette_puts_image_in_the_prompt(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        await pilot.press(*"image: gen")

        def found() -> bool:
            hits = palette.query_one(CommandList)
            return (
                not palette_searching(app, palette)
                and hits.option_count > 0
                and str(hits.get_option_at_index(0).prompt).startswith("Image: generate…")
            )

        await wait_until(pilot, found)
        await pilot.press("enter")
        await wait_until(pilot, lambda: prompt_of(app).text == "/image ")
        prompt = prompt_of(app)
        await wait_until(pilot, lambda: prompt.has_focus)
        assert prompt.cursor_location == (0, len("/image "))
        # A draft in the prompt becomes the image's prompt: nothing is lost.
        prompt.clear()
        prompt.insert("a fox in the snow")
        app.screen.prompt_area.action_start_image()
        assert prompt.text == "/image a fox in the snow"
        app.screen.prompt_area.action_start_image()  # already there: unchanged
        assert prompt.text == "/image a fox in the snow"
