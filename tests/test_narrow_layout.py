"""Pilot tests of the chat screen at 80 columns and narrower (issue 18, items 3b-3f): the
sidebar hides itself below 100 columns (Ctrl+B lays it over the conversation), the status
line drops whole fields by priority, sidebar titles end with `…`, notices keep off the
prompt, the status line and the newest lines, and the footer keys fit beside the palette
key with F1 in sight. Each at 80x24, 160x45 and a narrower 60x20."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from rich.cells import cell_len
from session_parts import save_titled
from sse_server import Script

from tui_chat.ui.render.probes import screen_lines
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.session_list import SessionList

NARROW = [(80, 24), (60, 20)]
WIDE = (160, 45)
LONG_TITLE = "请详细解释一下快速排序和归并排序的区别与各自的适用场景"


def two_sessions(tmp_path: Path) -> None:
    now = time.time()
    save_titled(tmp_path, "aaaaaaaaaaaa", "Short one", now - 20)
    save_titled(tmp_path, "bbbbbbbbbbbb", LONG_TITLE, now - 10)  # the newest: opened, row 0


# -- 3b: the sidebar -------------------------------------------------------------------


@pytest.mark.parametrize(("size", "narrow"), [(NARROW[0], True), (WIDE, False)])
async def test_the_screen_is_narrow_or_wide_from_its_first_frame(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], narrow: bool
) -> None:
    """Textual sets the breakpoint classes on the first Resize, which comes after the first
    frame: a narrow terminal would see the sidebar beside the conversation for a frame."""
    from tui_chat.ui.screens.chat import ChatScreen

    compose = ChatScreen.compose
    classes_at_compose: list[tuple[bool, bool]] = []

    def recording_compose(screen: ChatScreen):  # type: ignore[no-untyped-def]
        yield from compose(screen)
        classes_at_compose.append((screen.has_class("-narrow"), screen.has_class("-wide")))

    monkeypatch.setattr(ChatScreen, "compose", recording_compose)
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert classes_at_compose == [(narrow, not narrow)]
        assert app.screen.has_class("-narrow") is narrow


@pytest.mark.parametrize("size", NARROW)
async def test_narrow_sidebar_hides_and_ctrl_b_lays_it_over_the_conversation(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    two_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        sidebar, chat = screen.query_one("#sidebar"), screen.query_one("#chat")
        assert not sidebar.display
        assert chat.region.x == 0 and chat.region.width == size[0]
        assert not any("Sessions (2)" in line for line in screen_lines(screen))

        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: sidebar.display and sidebar.region.width > 0)
        assert sidebar.region.x == 0 and sidebar.region.width == min(32, size[0] * 85 // 100)
        assert chat.region.x == 0 and chat.region.width == size[0]  # under it, unchanged
        assert isinstance(app.focused, SessionList)
        assert screen.get_widget_at(1, 2)[0] in (sidebar, *sidebar.query("*"))
        assert screen_lines(screen)[0].startswith(" Sessions (2)")

        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: not sidebar.display)
        assert isinstance(app.focused, PromptInput)

        # Opening a session from the overlay closes it, the prompt ready to type in.
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.focused, SessionList))
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.session.id == "aaaaaaaaaaaa")
        await wait_until(pilot, lambda: not sidebar.display)
        assert isinstance(app.focused, PromptInput)

        # Alt+S (search all sessions) shows it too; Escape closes it.
        await pilot.press("alt+s")
        await wait_until(pilot, lambda: sidebar.display and sidebar.region.width > 0)
        assert app.focused is screen.query_one("#session-search")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not sidebar.display)


async def test_wide_sidebar_sits_beside_and_follows_the_width(tmp_path: Path, server) -> None:
    two_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        screen = app.screen
        sidebar, chat = screen.query_one("#sidebar"), screen.query_one("#chat")
        assert sidebar.display and sidebar.region.x == 0
        assert chat.region.x == sidebar.region.right and chat.region.right == WIDE[0]

        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: not sidebar.display)
        assert chat.region.x == 0 and chat.region.width == WIDE[0]
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: sidebar.display)

        await pilot.resize_terminal(90, 30)
        await wait_until(pilot, lambda: not sidebar.display and chat.region.width == 90)
        await pilot.press("ctrl+b")  # the overlay, then wide again: back in its place
        await wait_until(pilot, lambda: sidebar.display)
        assert chat.region.x == 0
        await pilot.resize_terminal(*WIDE)
        await wait_until(pilot, lambda: chat.region.x == sidebar.region.right > 0)
        assert not sidebar.has_class("-shown")
        await pilot.resize_terminal(90, 30)
        await wait_until(pilot, lambda: not sidebar.display)


# -- 3c: the status line ---------------------------------------------------------------


@pytest.mark.parametrize("size", [*NARROW, WIDE])
async def test_status_line_drops_whole_fields_by_priority(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    # Chunks 10 ms apart: the reply's duration (rounded to a millisecond) is never 0, so
    # it has a speed to show.
    server.enqueue(Script(content=["Hello", " there"], delay=0.01))
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "hi")
        await wait_for_replies(pilot, app)
        status = app.screen.query_one("#status")
        text = str(status.render())
        assert "test-model" in text and "ctx ~" in text
        assert cell_len(text) <= status.content_region.width
        fields = text.split(" │ ")
        full = [part for _, part in status.parts]
        assert all(field in full for field in fields)  # never half a field
        if size == WIDE:
            assert "TTFT" in text and "tok/s" in text and "session " in text
        else:
            assert "TTFT" not in text  # TTFT goes first
            assert fields[:2] == full[:2]


# -- 3d: sidebar titles ----------------------------------------------------------------


@pytest.mark.parametrize("size", [*NARROW, WIDE])
async def test_sidebar_titles_end_with_an_ellipsis_when_cut(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    two_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        if size != WIDE:
            await pilot.press("ctrl+b")
        sessions = app.screen.query_one(SessionList)
        await wait_until(pilot, lambda: sessions.region.width > 0)
        width = sessions.scrollable_content_region.width
        title = sessions.render_line(0).text
        assert cell_len(title) == width
        shown = title.rstrip()
        assert shown.endswith("…")
        assert LONG_TITLE.startswith(shown.strip()[:-1])  # whole characters only
        assert cell_len(shown) >= width - 1  # at most the one cell a wide character needs
        short = sessions.render_line(2).text
        assert short.strip() == "Short one" and cell_len(short) == width
        detail = sessions.render_line(1).text
        assert cell_len(detail) == width and "test-model" in detail


# -- 3e: notices -----------------------------------------------------------------------

NOTICE = (
    "Sent code block 1/3 (python 5 lines) to the terminal's clipboard (OSC 52); "
    "a terminal that does not take OSC 52 ignores it."
)


@pytest.mark.parametrize("size", [*NARROW, WIDE])
async def test_notices_keep_off_the_prompt_status_line_and_newest_lines(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        for number in range(3):
            app.notify(f"{number}: {NOTICE}", timeout=30)
        await wait_until(pilot, lambda: len(screen.query("Toast")) == 3)
        rack = screen.query_one("ToastRack")
        await wait_until(pilot, lambda: rack.scroll_offset.y == rack.max_scroll_y)
        await pilot.pause()
        messages = screen.query_one("#messages").region
        kept_free = [
            screen.query_one("#prompt-area").region,
            screen.query_one("#status").region,
            messages._replace(y=messages.bottom - 3, height=3),  # the newest lines
        ]
        toast_parts = {rack, *rack.query("*")}
        for region in kept_free:
            for y in range(region.y, region.bottom):
                for x in range(region.x, region.right):
                    assert screen.get_widget_at(x, y)[0] not in toast_parts, (x, y)
        # The newest notice is the one in sight, at the top right.
        newest = screen.query("Toast").last()
        assert screen.get_widget_at(*newest.region.center)[0] is newest
        lines = screen_lines(screen)
        assert any("2: Sent code" in line for line in lines)
        assert newest.region.right == size[0]


# -- 3f: the footer --------------------------------------------------------------------


@pytest.mark.parametrize("size", [*NARROW, WIDE, (40, 16)])
async def test_footer_keys_fit_beside_the_palette_key_with_f1(
    tmp_path: Path, server, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        footer = screen.query_one("ChatFooter")

        def keys() -> list:
            return [key for key in footer.query("FooterKey") if key.region.width]

        await wait_until(pilot, lambda: any(k.has_class("-command-palette") for k in keys()))
        palette = next(key for key in keys() if key.has_class("-command-palette"))
        others = [key for key in keys() if key is not palette]
        for key in others:
            assert footer.region.contains_region(key.region)
            assert not key.region.overlaps(palette.region), key.description
        actions = [key.action for key in others]
        assert "keys" in actions and "quit" in actions
        f1 = next(key for key in others if key.action == "keys")
        assert screen.get_widget_at(f1.region.x, f1.region.y)[0] is f1
        footer_line = screen_lines(screen)[footer.region.y]
        assert "f1 Keys" in footer_line and footer_line.rstrip().endswith("^p palette")
        assert footer.compact == (size[0] < 100)
        if size == WIDE:
            assert "toggle_thinking" in actions and "retry" in actions
        if size[0] <= 60:
            assert "toggle_thinking" not in actions  # the first to go


async def test_overlay_sidebar_keeps_every_wide_character_of_its_titles(
    tmp_path: Path, server
) -> None:
    """The overlay lies over a reply whose blocks have edges at odd columns (a table, a
    code block): no Chinese character of a title is lost where those edges fall under it
    (Textual cut lines at every widget's edge, hidden or not, and a wide character across a
    cut became two spaces)."""
    now = time.time()
    titles = ["请比较快速排序", "归并排序的稳定性", "堆排序原地排序"]
    for number, title in enumerate(titles):
        save_titled(tmp_path, f"{number}" * 12, title, now - 10 * number)
    code = "".join(f"print('排序 {n}')\n" for n in range(30))
    reply = f"快速排序：\n\n```python\n{code}```\n"
    server.enqueue(Script(content=[reply]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "排序")
        await wait_until(pilot, lambda: len(server.requests) == 1)
        await wait_for_replies(pilot, app)
        await pilot.press("ctrl+b")
        sidebar = app.screen.query_one("#sidebar")
        await wait_until(pilot, lambda: sidebar.display and sidebar.region.width > 0)
        await pilot.pause()
        shown = "\n".join(line[: sidebar.region.width] for line in screen_lines(app.screen))
        for title in titles:
            assert title in shown
