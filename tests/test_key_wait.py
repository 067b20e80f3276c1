"""An api_key_cmd that takes its time (a password manager waiting for a passphrase) runs
off the event loop: the screen stays live, keys typed meanwhile stay in the prompt, the
status line says what is awaited, and Esc cancels without losing the message.

The key command waits for a file the test creates, so each test decides when the key
arrives; a test that fails still creates it, so no command is left waiting.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from app_harness import (
    make_app,
    read_only_session,
    screen_text,
    session_files,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.keys import cached_key, forget_keys
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.render.probes import notifications
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.status import StatusLine

KEY = "sk-waited-0123456789abcdef"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    forget_keys()
    yield
    forget_keys()


def waiting_command(flag: Path) -> str:
    """A key command that prints KEY once `flag` exists."""
    quoted = shlex.quote(str(flag))
    return f"while [ ! -e {quoted} ]; do sleep 0.05; done; echo {KEY}"


@asynccontextmanager
async def released(flag: Path) -> AsyncIterator[None]:
    """Create `flag` when the block ends, however it ends: no command is left waiting."""
    try:
        yield
    finally:
        flag.touch()


def chats(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    return [r for r in server.requests if r["path"].endswith("/chat/completions")]


def prompt_of(app: TuiChatApp) -> PromptInput:
    return app.screen.query_one(PromptInput)


def status_text(app: TuiChatApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


def fetching(app: TuiChatApp) -> bool:
    return "Fetching the key for Local test (api_key_cmd)" in status_text(app)


def app_with_waiting_key(tmp_path: Path, server: FakeOpenAIServer) -> tuple[TuiChatApp, Path]:
    flag = tmp_path / "unlock"
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, f"api_key_cmd = '''{waiting_command(flag)}'''\n")
    return make_app(tmp_path, server), flag


async def test_keys_typed_while_the_key_command_runs_are_drawn_and_kept(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app, flag = app_with_waiting_key(tmp_path, server)
    server.enqueue(Script(content=["The answer."]))
    async with app.run_test(size=(80, 24)) as pilot, released(flag):
        await type_and_send(pilot, "First question")
        await wait_until(pilot, lambda: fetching(app))
        assert "First question" in screen_text(app)  # shown while the key is fetched
        await pilot.press(*"next one")  # the screen answers keys (it froze here before)
        await wait_until(pilot, lambda: prompt_of(app).text == "next one")
        assert fetching(app)
        assert chats(server) == []
        flag.touch()
        await wait_until(pilot, lambda: bool(chats(server)))
        await wait_for_replies(pilot, app)
        assert "The answer." in screen_text(app)
        assert not fetching(app)
        assert prompt_of(app).text == "next one"  # not cleared when the reply started
    assert chats(server)[0]["json"]["messages"] == [{"role": "user", "content": "First question"}]
    assert chats(server)[0]["headers"]["authorization"] == f"Bearer {KEY}"
    data = read_only_session(tmp_path)
    assert [(m["role"], m["content"]) for m in data["messages"]] == [
        ("user", "First question"),
        ("assistant", "The answer."),
    ]
    assert KEY not in json.dumps(data)


async def test_esc_while_the_key_is_fetched_puts_the_message_back_in_the_prompt(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app, flag = app_with_waiting_key(tmp_path, server)
    server.enqueue(Script(content=["Only once."]))
    async with app.run_test(size=(80, 24)) as pilot, released(flag):
        await type_and_send(pilot, "Question")
        await wait_until(pilot, lambda: fetching(app))
        await pilot.press(*"more")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not fetching(app))
        # Back in the prompt, before what was typed since; out of the conversation.
        assert prompt_of(app).text == "Question\n\nmore"
        assert "Question" not in screen_text(app)
        assert app.chat_screen is not None and app.chat_screen.session is not None
        assert app.chat_screen.session.messages == []
        # The command finishes later; nothing is sent for the cancelled message.
        flag.touch()
        await wait_until(pilot, lambda: cached_key(waiting_command(flag)) is not None)
        await pilot.pause(0.1)
        assert chats(server) == []
        await pilot.press("enter")  # the key is there now: sent at once
        await wait_for_replies(pilot, app)
        assert "Only once." in screen_text(app)
    assert len(chats(server)) == 1
    sent = chats(server)[0]["json"]["messages"]
    assert sent == [{"role": "user", "content": "Question\n\nmore"}]
    data = read_only_session(tmp_path)
    assert [m["content"] for m in data["messages"]] == ["Question\n\nmore", "Only once."]


async def test_regenerate_fetches_the_key_without_freezing(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    # A first run with the key at hand leaves a session; the next run has to fetch it.
    app, flag = app_with_waiting_key(tmp_path, server)
    flag.touch()
    server.enqueue(Script(content=["First try."]), Script(content=["Second try."]))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "Tell me")
        await wait_for_replies(pilot, app)
    flag.unlink()
    forget_keys()
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot, released(flag):
        await wait_until(pilot, lambda: "First try." in screen_text(app))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: fetching(app))
        await pilot.press(*"draft")
        await wait_until(pilot, lambda: prompt_of(app).text == "draft")
        flag.touch()
        await wait_until(pilot, lambda: len(chats(server)) == 2)
        await wait_for_replies(pilot, app)
        assert "Second try." in screen_text(app)
        assert prompt_of(app).text == "draft"
    assert chats(server)[1]["json"]["messages"] == [{"role": "user", "content": "Tell me"}]
    data = read_only_session(tmp_path)
    replies = [m["content"] for m in data["messages"] if m["role"] == "assistant"]
    assert replies == ["First try.", "Second try."]  # the old reply stays an alternative


async def test_switching_to_a_provider_runs_its_key_command_in_a_worker(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    flag = tmp_path / "unlock"
    config = tmp_path / "config" / "config.toml"
    write_config(
        config,
        server.base_url,
        "[providers.vault]\n"
        'label = "Vault"\n'
        f'base_url = "{server.base_url}"\n'
        'models = ["vault-model"]\n'
        f"api_key_cmd = '''{waiting_command(flag)}'''\n",
    )
    app = make_app(tmp_path, server)
    server.enqueue(Script(content=["From the vault."]))
    async with app.run_test(size=(80, 24)) as pilot, released(flag):
        await type_and_send(pilot, "/provider vault")
        await wait_until(
            pilot, lambda: "Fetching the key for Vault (api_key_cmd)" in status_text(app)
        )
        await pilot.press(*"hello")
        await wait_until(pilot, lambda: prompt_of(app).text == "hello")
        flag.touch()
        screen = app.chat_screen
        assert screen is not None
        await wait_until(
            pilot, lambda: screen.session is not None and screen.session.provider == "vault"
        )
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        assert "From the vault." in screen_text(app)
    assert chats(server)[-1]["headers"]["authorization"] == f"Bearer {KEY}"
    assert chats(server)[-1]["json"]["model"] == "vault-model"


async def test_a_failing_key_command_refuses_the_send_and_keeps_the_text(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, "api_key_cmd = 'echo vault locked >&2; exit 3'\n")
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "Hi there")
        notes = lambda: [str(n.message) for n in notifications(app)]  # noqa: E731
        await wait_until(pilot, lambda: any("exit status 3" in n for n in notes()))
        note = next(n for n in notes() if "exit status 3" in n)
        assert "Local test has no API key" in note
        assert "vault locked" in note
        assert "fix api_key_cmd in [providers.local]" in note
        assert prompt_of(app).text == "Hi there"
        text = screen_text(app)
        assert "offline demo" not in text.lower()
        assert app.chat_screen is not None and app.chat_screen.session is not None
        assert app.chat_screen.session.provider == "local"
        assert app.chat_screen.session.messages == []
    assert chats(server) == []
    for path in session_files(tmp_path):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["provider"] == "local" and data["messages"] == []


async def test_quitting_while_the_key_is_fetched_keeps_the_message(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    app, flag = app_with_waiting_key(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot, released(flag):
        await type_and_send(pilot, "Keep me")
        await wait_until(pilot, lambda: fetching(app))
        await pilot.press("ctrl+q")
    assert chats(server) == []
    data = read_only_session(tmp_path)  # unanswered: Ctrl+R sends it next time
    assert [(m["role"], m["content"]) for m in data["messages"]] == [("user", "Keep me")]


async def test_switching_to_a_provider_whose_key_command_fails_is_refused(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(
        config,
        server.base_url,
        "[providers.vault]\n"
        'label = "Vault"\n'
        'base_url = "http://127.0.0.1:9/v1"\n'
        "api_key_cmd = 'echo no passphrase >&2; exit 4'\n",
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "/provider vault")
        notes = lambda: [str(n.message) for n in notifications(app)]  # noqa: E731
        await wait_until(pilot, lambda: any("exit status 4" in n for n in notes()))
        note = next(n for n in notes() if "exit status 4" in n)
        assert "Vault has no API key" in note and "no passphrase" in note
        assert "This session stays on Local test." in note
        assert app.chat_screen is not None and app.chat_screen.session is not None
        assert app.chat_screen.session.provider == "local"
        assert "Fetching the key" not in status_text(app)
