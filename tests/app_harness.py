"""Helpers for Pilot tests: an app wired to a FakeOpenAIServer and temporary folders."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sse_server import FakeOpenAIServer
from textual.pilot import Pilot

from tui_chat.app import TuiChatApp
from tui_chat.cli import build_app


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
    """The app as the CLI builds it, on folders under tmp_path."""
    config = tmp_path / "config" / "config.toml"
    if server is not None and not config.exists():
        write_config(config, server.base_url)
    return build_app(config, tmp_path / "data", environ=environ or {}, demo_delay=0.0)


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def wait_for_replies(pilot: Pilot[Any], app: TuiChatApp, timeout: float = 10.0) -> None:
    """Wait until no reply is streaming, every reply has settled (blocks deferred while
    streaming are mounted) and the screen has caught up."""
    from tui_chat.widgets.messages import AssistantMessage

    def done() -> bool:
        if app.replies.live:
            return False
        return not any(reply.settling for reply in app.screen.query(AssistantMessage))

    await wait_until(pilot, done, timeout)
    await pilot.pause(0.05)


async def type_and_send(pilot: Pilot[Any], text: str) -> None:
    """Type `text` into the prompt and press Enter, as a user would."""
    from tui_chat.widgets.prompt import PromptInput

    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


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
