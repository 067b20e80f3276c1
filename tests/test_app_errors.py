"""Pilot tests: every failure shows a clear message and loses nothing."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_harness import (
    handled,
    make_app,
    notices,
    notices_of,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script
from textual.widget import Widget

from tui_chat.core.session import Message
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.session_list import SessionList


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            Script(status=401, error_body={"error": {"message": "Incorrect API key provided"}}),
            "The API key was rejected (401)",
        ),
        (
            Script(status=402, error_body={"error": {"message": "Insufficient Balance"}}),
            "Out of balance or quota (402)",
        ),
        # Waits longer than the provider's retry policy allows are left to the user.
        (
            Script(status=429, headers={"Retry-After": "60"}, error_body="slow down"),
            "Wait 60 s",
        ),
        (
            Script(
                status=503,
                headers={"Retry-After": "45"},
                error_body={"code": 50505, "message": "overloaded"},
            ),
            "The server is busy (503)",
        ),
        (
            Script(status=400, error_body={"error": {"message": "maximum context length is 8k"}}),
            "too long for this model",
        ),
        (Script(content=["Half an ans"], eof_after=1, finish_reason=None), "cut off"),
        (Script(content=["Half an ans", "wer"], cut_after=1), "The connection dropped mid-reply"),
        (
            Script(content=["Half an ans"], inband_error={"message": "upstream died"}),
            "upstream died",
        ),
    ],
)
async def test_errors_show_message_and_keep_everything(
    tmp_path: Path, server, script: Script, expected: str
) -> None:
    server.enqueue(script)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "My precious question")
        await wait_for_replies(pilot, app)
        if expected == "too long for this model":  # switching strategy is offered first
            from tui_chat.ui.screens.inspector import StrategyScreen

            await wait_until(pilot, lambda: isinstance(app.screen, StrategyScreen))
            app.screen.dismiss(None)
            await pilot.pause()
        text = screen_text(app)
        assert expected in text
        assert "Local test" in text
        assert "My precious question" in text
        if script.content and script.status == 200:
            assert "Half an ans" in text  # the partial reply stays on screen
    data = read_only_session(tmp_path)
    user, reply = data["messages"]
    assert user["content"] == "My precious question"
    assert reply["status"] == "error"
    assert expected in reply["error"]
    if script.content and script.status == 200:
        assert reply["content"].startswith("Half an ans")


async def test_retry_after_error_replaces_failed_reply(tmp_path: Path, server) -> None:
    server.enqueue(Script(status=500, error_body="boom"), Script(content=["It worked."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Try me")
        await wait_for_replies(pilot, app)
        assert "Server error (500)" in screen_text(app)
        await pilot.press("ctrl+r")
        await wait_for_replies(pilot, app)
        assert "It worked." in screen_text(app)
        assert "Server error" not in screen_text(app)
    data = read_only_session(tmp_path)
    assert [(m["role"], m["content"]) for m in data["messages"]] == [
        ("user", "Try me"),
        ("assistant", "It worked."),
    ]
    assert server.requests[-1]["json"]["messages"] == [{"role": "user", "content": "Try me"}]


async def test_a_reply_that_ends_before_it_is_followed_ends_on_screen(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+R runs outside the chat screen's message loop, so a quick reply can end while
    its widget is still being mounted, before the screen follows it. It ends on screen
    all the same (it stayed "streaming", the status line counting, the pump running)."""
    from tui_chat.ui.widgets.messages import AssistantMessage, MessageView

    server.enqueue(Script(status=500, error_body="boom"), Script(content=["It worked."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Try me")
        await wait_for_replies(pilot, app)
        add_message = MessageView.add_message

        async def slow_mount(view: MessageView, message: Message) -> Widget:
            widget = await add_message(view, message)
            while app.replies.live:  # the reply ends, and the screen hears of it, first
                await asyncio.sleep(0.01)
            await handled(app.screen)
            return widget

        monkeypatch.setattr(MessageView, "add_message", slow_mount)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(server.requests) == 2 and not app.replies.live)
        await handled(app.screen)
        reply = app.screen.query(AssistantMessage).last()
        assert reply.message.content == "It worked."
        await wait_until(pilot, lambda: not reply.is_streaming)
        assert "streaming" not in str(app.screen.query_one("#status").render())
        assert app.screen.follower.live is None and app.screen.follower.timer is None


async def test_unreachable_server(tmp_path: Path) -> None:
    with FakeOpenAIServer() as gone:
        url = gone.base_url
    write_config(tmp_path / "config" / "config.toml", url)
    app = make_app(tmp_path, None)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Anyone there?")
        await wait_for_replies(pilot, app)
        assert "Connection failed" in screen_text(app)
    assert read_only_session(tmp_path)["messages"][0]["content"] == "Anyone there?"


async def test_invalid_toml_keeps_app_running_with_defaults(tmp_path: Path) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('default_provider = "x"\n[providers.x\nbase_url = 1\n', encoding="utf-8")
    app = make_app(tmp_path, None)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert f"{config}:2" in text
        assert "invalid TOML" in text
        assert "built-in defaults" in text
        # It still works: the offline demo answers.
        await type_and_send(pilot, "still alive?")
        await wait_for_replies(pilot, app)
        assert "Hello from the offline demo" in screen_text(app)
    assert config.read_text(encoding="utf-8").startswith('default_provider = "x"')


async def test_unknown_dialect_is_reported_with_line(tmp_path: Path, server) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, extra='dialect = "martian"\n')
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "unknown dialect 'martian'" in text
        assert f"{config}:7:" in text  # the dialect line


async def test_missing_key_runs_offline_demo(tmp_path: Path) -> None:
    app = make_app(tmp_path, None)  # no config file: built-in presets, DASHSCOPE_API_KEY unset
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "DASHSCOPE_API_KEY is not set" in text
        assert "OFFLINE DEMO" in text
        await type_and_send(pilot, "What is this?")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "Hello from the offline demo" in text
        assert "中文也没问题" in text
        assert "export DASHSCOPE_API_KEY" in text
        thinking = app.screen.query_one("ThinkingPane")
        assert "offline demo" in thinking.query_one("Markdown").source
    data = read_only_session(tmp_path)
    assert data["provider"] == "demo"
    assert data["messages"][1]["reasoning"]


async def test_demo_session_switches_to_real_provider_once_key_is_set(
    tmp_path: Path, server
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url)
    config.write_text(config.read_text().replace("timeout = 5\n", 'api_key_env = "LOCAL_KEY"\n'))
    app = make_app(tmp_path, server, environ={})
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Demo first")
        await wait_for_replies(pilot, app)
    assert read_only_session(tmp_path)["provider"] == "demo"
    server.enqueue(Script(content=["Real answer."]))
    app = make_app(tmp_path, server, environ={"LOCAL_KEY": "sk-local"})
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Now for real")
        await wait_for_replies(pilot, app)
        assert "Real answer." in screen_text(app)
    assert server.requests[-1]["headers"]["authorization"] == "Bearer sk-local"
    data = read_only_session(tmp_path)
    assert data["provider"] == "local"
    assert "sk-local" not in str(data)


async def test_corrupt_session_file_is_reported_not_fatal(tmp_path: Path, server) -> None:
    sessions = tmp_path / "data" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "broken.json").write_text("{ not json", encoding="utf-8")
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(SessionList).items == []
        notes = notices(app)
        assert any("broken.json" in n and "not valid JSON" in n for n in notes)
        await type_and_send(pilot, "works anyway")
        await wait_for_replies(pilot, app)
    assert (sessions / "broken.json").read_text() == "{ not json"


async def test_slow_server_shows_waiting_then_answer(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["Finally."], first_delay=1.5))
    app = make_app(tmp_path, server)
    # Wide enough for every field: narrower, TTFT is the first to go (test_narrow_layout).
    async with app.run_test(size=(160, 45)) as pilot:
        await type_and_send(pilot, "Take your time")
        await wait_until(pilot, lambda: "waiting" in str(app.screen.query_one("#status").render()))
        await wait_for_replies(pilot, app)
        assert "Finally." in screen_text(app)
        assert "TTFT" in str(app.screen.query_one("#status").render())


async def test_unwritable_data_dir_keeps_text_in_prompt(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        sessions = tmp_path / "data" / "sessions"
        sessions.parent.mkdir(parents=True, exist_ok=True)
        sessions.write_text("a file where the folder should be")
        await type_and_send(pilot, "Do not lose me")
        await pilot.pause()
        assert app.screen.query_one(PromptInput).text == "Do not lose me"
        assert any(n.title == "Save failed" for n in notices_of(app))
        assert not app.screen.session.messages
    assert not server.requests


async def test_partial_reply_is_checkpointed_while_streaming(tmp_path: Path, server) -> None:
    # Then held: still streaming when the test reads the checkpoint.
    server.enqueue(Script(content=[f"c{i} " for i in range(400)], delay=0.01, hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Checkpoint me")

        def checkpointed() -> bool:
            messages = read_only_session(tmp_path)["messages"]
            return len(messages) == 2 and messages[1]["content"].startswith("c0 c1")

        await wait_until(pilot, checkpointed, timeout=8)
        assert read_only_session(tmp_path)["messages"][1]["status"] == "streaming"
        await pilot.press("escape")
        await wait_for_replies(pilot, app)


async def test_a_rate_limited_request_counts_down_in_the_status_line(
    tmp_path: Path, server
) -> None:
    server.enqueue(
        Script(status=429, headers={"Retry-After": "2"}, error_body="slow down"),
        Script(content=["Made it."]),
    )
    app = make_app(tmp_path, server)
    waiting = re.compile(r"Rate limited \(429\): retrying in ([\d.]+) s \(attempt 2 of 3\)")

    def seconds_left() -> float | None:
        match = waiting.search(str(app.screen.query_one("#status").render()))
        return float(match.group(1)) if match else None

    # Wide enough for the whole countdown: narrower, it ends with "…" (text_fit).
    async with app.run_test(size=(160, 45)) as pilot:
        await type_and_send(pilot, "Hello")
        await wait_until(pilot, lambda: seconds_left() is not None)
        first = seconds_left()
        assert first is not None and first <= 2
        await wait_until(pilot, lambda: (seconds_left() or first) < first)
        await wait_for_replies(pilot, app)
        assert "Made it." in screen_text(app)
        assert "retrying" not in str(app.screen.query_one("#status").render())
