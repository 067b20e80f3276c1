"""The approval modal asked before a tool call runs, and the app's adapter around it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import approval_shown, make_app, screen_text, wait_until
from sse_server import FakeOpenAIServer
from textual.widgets import Button, Input

from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest
from tui_chat.ui.screens.tool_approval import ToolApprovalScreen

SIZE = (110, 36)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


def request(may_always_allow: bool = True, shown: str = '{\n  "word": "tui"\n}') -> ApprovalRequest:
    return ApprovalRequest(
        session_id="s1",
        session_title="My \x1b[2Jsession",
        label="docs.lookup",
        server="docs",
        shown=shown,
        scope="docs.lookup",
        may_always_allow=may_always_allow,
    )


async def ask(
    tmp_path: Path, server: FakeOpenAIServer, keys: tuple[str, ...], **kwargs: bool
) -> ApprovalAnswer | None:
    """Show the modal, press `keys`, and return what it was dismissed with."""
    app = make_app(tmp_path, server)
    answers: list[ApprovalAnswer | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ToolApprovalScreen(request(**kwargs)), answers.append)
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        await pilot.press(*keys)
        await wait_until(pilot, lambda: bool(answers))
    return answers[0]


async def test_modal_shows_the_question_and_focus_starts_on_deny(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ToolApprovalScreen(request(shown='{"word": "\x1b]0;x\x07[b]tui"}')))
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        text = screen_text(app)
        assert "Allow docs.lookup?" in text
        assert "Session: My session" in text
        assert "Server: docs" in text
        assert '{"word": "[b]tui"}' in text  # not markup, no control sequence
        assert "\x1b" not in text
        assert [b.id for b in app.screen.query(Button)] == ["once", "session", "always", "deny"]
        assert app.focused is not None and app.focused.id == "deny"


async def test_enter_alone_denies(tmp_path: Path, server) -> None:
    # Enter on Deny asks for a reason; a second Enter sends none.
    assert await ask(tmp_path, server, ("enter", "enter")) == ApprovalAnswer("deny", "")


@pytest.mark.parametrize(
    ("key", "choice"), [("a", "once"), ("s", "session"), ("A", "always"), ("escape", "stop")]
)
async def test_keys_answer(tmp_path: Path, server, key: str, choice: str) -> None:
    assert await ask(tmp_path, server, (key,)) == ApprovalAnswer(choice)  # type: ignore[arg-type]


async def test_always_is_absent_when_not_allowed(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    answers: list[ApprovalAnswer | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ToolApprovalScreen(request(may_always_allow=False)), answers.append)
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        assert [b.id for b in app.screen.query(Button)] == ["once", "session", "deny"]
        await pilot.press("A")
        await pilot.pause()
        assert not answers and isinstance(app.screen, ToolApprovalScreen)
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(answers))
    assert answers == [ApprovalAnswer("session")]


async def test_deny_with_a_reason(tmp_path: Path, server) -> None:
    answer = await ask(tmp_path, server, ("d", *"not now", "enter"))
    assert answer == ApprovalAnswer("deny", "not now")


async def test_deny_then_escape_sends_no_reason(tmp_path: Path, server) -> None:
    assert await ask(tmp_path, server, ("d", "x", "escape")) == ApprovalAnswer("deny", "")


async def test_deny_button_shows_the_reason_input(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    answers: list[ApprovalAnswer | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ToolApprovalScreen(request()), answers.append)
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        await pilot.click("#deny")
        reason = app.screen.query_one(Input)
        await wait_until(pilot, lambda: reason.has_focus)
        await pilot.press(*"asd", "enter")  # typed into the reason, not taken as keys
        await wait_until(pilot, lambda: bool(answers))
    assert answers == [ApprovalAnswer("deny", "asd")]


async def test_adapter_asks_one_at_a_time_and_takes_the_modal_away_when_stopped(
    tmp_path: Path, server
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = asyncio.ensure_future(app.ask_approval(request()))
        second = asyncio.ensure_future(app.ask_approval(request()))
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        assert sum(isinstance(s, ToolApprovalScreen) for s in app.screen_stack) == 1
        shown_first = app.screen
        await pilot.press("a")
        await wait_until(pilot, first.done)
        assert first.result() == ApprovalAnswer("once")
        # The second question comes once the first is answered; its reply is stopped.
        await wait_until(
            pilot,
            lambda: approval_shown(app) and app.screen is not shown_first,
        )
        await pilot.pause()
        second.cancel()
        await wait_until(pilot, lambda: not isinstance(app.screen, ToolApprovalScreen))
        assert second.cancelled()


async def test_always_writes_tools_allow_before_answering(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        answer = asyncio.ensure_future(app.ask_approval(request()))
        await wait_until(pilot, lambda: approval_shown(app))
        await pilot.pause()
        await pilot.press("A")
        await wait_until(pilot, answer.done)
        assert answer.result() == ApprovalAnswer("always")
        assert "docs.lookup" in app.config.tools.allow
    assert "docs.lookup" in app.paths.config_file.read_text(encoding="utf-8")


async def test_a_modal_taken_away_before_it_is_composed(tmp_path: Path, server) -> None:
    """The reply that asks can be stopped just as its question is pushed: the modal goes
    before it was composed, and the app carries on."""
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = ToolApprovalScreen(request())
        app.push_screen(screen)
        app.pop_screen()
        await wait_until(pilot, lambda: not screen.is_attached)
        await pilot.pause()
        assert app.screen is app.chat_screen
    assert app.return_code in (0, None)
