"""Helpers for Pilot tests: an app wired to a FakeOpenAIServer and temporary folders."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sse_server import FakeOpenAIServer
from textual.message_pump import MessagePump
from textual.pilot import Pilot

from tui_chat.cli import build_app
from tui_chat.ui.app import TuiChatApp


def write_config(path: Path, base_url: str, extra: str = "") -> Path:
    """A config whose default provider is the fake server (no key needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'default_provider = "local"\n'
        "[providers.local]\n"
        'label = "Local test"\n'
        f'base_url = "{base_url}"\n'
        'models = ["test-model"]\n'
        "timeout = 5\n" + extra,
        encoding="utf-8",
    )
    return path


def make_app(
    tmp_path: Path, server: FakeOpenAIServer | None, environ: dict[str, str] | None = None
) -> TuiChatApp:
    """The app as the CLI builds it, on folders under tmp_path, every notification it
    shows recorded (see `notices`)."""
    config = tmp_path / "config" / "config.toml"
    if server is not None and not config.exists():
        write_config(config, server.base_url)
    app = build_app(config, tmp_path / "data", environ=environ or {}, demo_delay=0.0)
    record_notices(app)
    pilot_after_history(app)
    return app


def pilot_after_history(app: TuiChatApp) -> None:
    """Make `app.run_test` hand over its pilot once the session opened at start shows its
    messages. They are mounted a refresh after the first screen (MessageView.show_session's
    `after_paint`), and tests read them as soon as they have the pilot."""
    run_test = app.run_test

    @contextlib.asynccontextmanager
    async def run_test_after_history(*args: Any, **kwargs: Any) -> AsyncIterator[Pilot[Any]]:
        async with run_test(*args, **kwargs) as pilot:
            chat = app.chat_screen
            if chat is not None:
                await wait_until(pilot, lambda: chat.history_shown or not chat.is_attached)
            yield pilot

    app.run_test = run_test_after_history  # type: ignore[method-assign]


@dataclass(frozen=True)
class Notice:
    """A notification the app showed."""

    message: str
    title: str
    severity: str


def record_notices(app: TuiChatApp) -> None:
    """Keep every notification the app shows in `app.notices_shown`. Textual forgets a
    notification once its timeout has passed (5 s by default), which on a loaded
    machine can be before the test looks for it."""
    shown: list[Notice] = []
    notify = app.notify

    def recording(message: str, **kwargs: Any) -> None:
        title, severity = kwargs.get("title", ""), kwargs.get("severity", "information")
        shown.append(Notice(str(message), str(title), str(severity)))
        notify(message, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    app.notices_shown = shown  # type: ignore[attr-defined]


def notices_of(app: TuiChatApp) -> list[Notice]:
    """Every notification the app has shown, oldest first (expired ones too)."""
    return list(app.notices_shown)  # type: ignore[attr-defined]


def notices(app: TuiChatApp) -> list[str]:
    """The text of every notification the app has shown, oldest first."""
    return [notice.message for notice in notices_of(app)]


TIMEOUT_SCALE = 3
"""Timeouts only say when to give up on a condition: on a loaded machine (two cores, a
full suite, other work) they are this many times what the test asks for."""


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds (scaled by
    TIMEOUT_SCALE)."""
    deadline = time.monotonic() + timeout * TIMEOUT_SCALE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def wait_for_replies(pilot: Pilot[Any], app: TuiChatApp, timeout: float = 10.0) -> None:
    """Wait until no reply is streaming, the chat screen has handled the end of each
    (`ReplyEnded`, posted as a reply leaves `app.replies.live`), every reply has settled
    (blocks deferred while streaming are mounted, the view unfolded) and the screen has
    caught up."""
    from tui_chat.ui.widgets.messages import AssistantMessage

    def settled() -> bool:
        if app.chat_screen is not None and app.chat_screen.follower.is_finishing:
            return False
        return not app.replies.live and not any(
            reply.settling or reply.is_streaming
            for reply in app.chat_screen.query(AssistantMessage)
        )

    await wait_until(pilot, lambda: not app.replies.live, timeout)
    if app.chat_screen is not None:
        await handled(app.chat_screen)  # the ReplyEnded messages: settling starts there
        await wait_until(pilot, settled, timeout)
    await pilot.pause()


def approval_shown(app: TuiChatApp) -> bool:
    """A tool's approval modal is the current screen and is mounted (its buttons composed).
    It is current as soon as it is pushed, before that: text read or a key pressed then
    may find nothing there."""
    from tui_chat.ui.screens.tool_approval import ToolApprovalScreen

    screen = app.screen
    return isinstance(screen, ToolApprovalScreen) and screen.is_mounted


async def handled(node: MessagePump) -> None:
    """Wait until `node` has handled every message posted to it before this call (it
    handles them one at a time, in order)."""
    done = asyncio.Event()
    if node.call_later(done.set):
        await done.wait()


async def type_and_send(pilot: Pilot[Any], text: str) -> None:
    """Type `text` into the prompt and press Enter, as a user would."""
    from tui_chat.ui.widgets.prompt import PromptInput

    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


async def run_command(pilot: Pilot[Any], text: str) -> None:
    """Type `text` (a slash command) into the prompt and press Enter, closing the
    completion list first if it opened."""
    from tui_chat.ui.widgets.prompt import PromptInput

    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.pause()
    await pilot.press("escape")  # close the completion list if it opened
    await pilot.press("enter")
    await pilot.pause()


def session_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "sessions").glob("*.json"))


def read_only_session(tmp_path: Path) -> dict[str, Any]:
    files = session_files(tmp_path)
    assert len(files) == 1, files
    return json.loads(files[0].read_text(encoding="utf-8"))


def screen_text(app: TuiChatApp) -> str:
    """The text of every displayed Static (Markdown blocks included) on the active screen."""
    from textual.widgets import Static

    return "\n".join(
        str(widget.render())
        for widget in app.screen.query(Static)
        if widget.display and all(a.display for a in widget.ancestors if hasattr(a, "display"))
    )
