"""Pilot tests of the main flow: send, stream, save, resume, stop, switch, quit."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from app_harness import (
    make_app,
    read_only_session,
    screen_text,
    session_files,
    type_and_send,
    wait_for_replies,
    wait_until,
)
from sse_server import Script
from textual.command import CommandList, CommandPalette

from tui_chat.ui.render.probes import palette_searching
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.widgets.messages import AssistantMessage, UserMessage
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.thinking import ThinkingPane


async def test_send_streams_reply_and_reasoning_and_saves(tmp_path: Path, server) -> None:
    server.enqueue(
        Script(
            reasoning=["Let me ", "think about ", "this."],
            content=["## Answer\n\n", "Hello ", "**world**, ", "你好世界。"],
        )
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Say hello")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "Say hello" in text
        assert "Hello world, 你好世界。" in text
        thinking = app.screen.query_one(ThinkingPane)
        assert thinking.display
        assert thinking.query_one("Markdown").source == "Let me think about this."
        status = str(app.screen.query_one("#status").render())
        assert "Local test · test-model" in status
        assert "11 in / 7 out" in status
        assert app.screen.query_one(PromptInput).text == ""

    data = read_only_session(tmp_path)
    assert data["title"] == "Say hello"
    assert data["provider"] == "local" and data["model"] == "test-model"
    user, reply = data["messages"]
    assert user["role"] == "user" and user["content"] == "Say hello"
    assert reply["role"] == "assistant"
    assert reply["content"] == "## Answer\n\nHello **world**, 你好世界。"
    assert reply["reasoning"] == "Let me think about this."
    assert reply["status"] == "complete"
    assert reply["finish_reason"] == "stop"
    assert reply["usage"]["completion_tokens"] == 7
    assert reply["model"] == "test-model"
    body = server.requests[-1]["json"]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_resume_after_restart_sends_history_without_reasoning(tmp_path: Path, server) -> None:
    server.enqueue(Script(reasoning=["secret thoughts"], content=["First answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "First question")
        await wait_for_replies(pilot, app)

    server.enqueue(Script(content=["Second answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        sidebar = app.screen.query_one(SessionList)
        assert [s.title for s in sidebar.items] == ["First question"]
        # Start a new session, then go back to the old one from the sidebar.
        await pilot.press("ctrl+n")
        assert not app.screen.query(UserMessage)
        sidebar.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.screen.query(UserMessage)) == 1)
        assert "First answer." in screen_text(app)
        await type_and_send(pilot, "Second question")
        await wait_for_replies(pilot, app)
        assert "Second answer." in screen_text(app)

    messages = server.requests[-1]["json"]["messages"]
    assert messages == [
        {"role": "user", "content": "First question"},
        {"role": "assistant", "content": "First answer."},
        {"role": "user", "content": "Second question"},
    ]
    assert "secret" not in json.dumps(messages)
    data = read_only_session(tmp_path)
    assert [m["content"] for m in data["messages"]] == [
        "First question",
        "First answer.",
        "Second question",
        "Second answer.",
    ]


async def test_system_prompt_is_sent_first(tmp_path: Path, server) -> None:
    from app_harness import write_config

    write_config(tmp_path / "config" / "config.toml", server.base_url)
    config = tmp_path / "config" / "config.toml"
    config.write_text('system_prompt = "You are terse."\n' + config.read_text())
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
    assert server.requests[-1]["json"]["messages"][0] == {
        "role": "system",
        "content": "You are terse.",
    }
    assert read_only_session(tmp_path)["system_prompt"] == "You are terse."


async def test_escape_stops_and_keeps_partial_reply(tmp_path: Path, server) -> None:
    # Ten words, then nothing (the gate stays shut) until Esc, however slow the machine.
    words = [f"word{i} " for i in range(400)]
    server.enqueue(Script(content=words, gate=threading.Event(), gate_after=10))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Tell me a long story")
        await wait_until(pilot, lambda: "word9" in screen_text(app))
        await pilot.press("escape")
        await wait_for_replies(pilot, app)
        assert server.wait_disconnected(timeout=3)
        assert "Stopped" in screen_text(app)

    reply = read_only_session(tmp_path)["messages"][1]
    assert reply["status"] == "stopped"
    assert reply["content"].startswith("word0 word1 word2 word3")
    assert "word10" not in reply["content"]


async def test_user_message_saved_before_request(tmp_path: Path, server) -> None:
    server.enqueue(Script(hang=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Keep my words")
        server.wait_for_requests(1)
        saved = read_only_session(tmp_path)
        assert saved["messages"][0]["content"] == "Keep my words"
        await pilot.press("escape")
        await wait_for_replies(pilot, app)


async def test_enter_sends_and_ctrl_j_inserts_newline(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("a", "ctrl+j", "b")
        assert app.screen.query_one(PromptInput).text == "a\nb"
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        await pilot.press("enter")  # an empty prompt sends nothing
        await pilot.pause()
    assert len(server.requests) == 1
    assert read_only_session(tmp_path)["messages"][0]["content"] == "a\nb"


async def test_reply_keeps_streaming_in_background_session(tmp_path: Path, server) -> None:
    gate = threading.Event()  # the reply streams on only once the test has looked
    server.enqueue(Script(content=[f"part{i} " for i in range(150)], gate=gate, gate_after=10))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Background question")
        await wait_until(pilot, lambda: "part2" in screen_text(app))
        await pilot.press("ctrl+n")
        sidebar = app.screen.query_one(SessionList)
        assert sidebar.live_ids == {sidebar.items[0].id}
        assert "part2" not in screen_text(app)
        gate.set()
        await wait_for_replies(pilot, app, timeout=20)
        assert sidebar.live_ids == set()
        # Back to it: the whole reply is there.
        sidebar.focus()
        await pilot.press("home", "enter")
        await wait_until(pilot, lambda: "part149" in screen_text(app))

    reply = read_only_session(tmp_path)["messages"][1]
    assert reply["status"] == "complete"
    assert reply["content"].strip().endswith("part149")


async def test_switching_back_to_a_streaming_session_follows_it(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["Done before."]))
    gate = threading.Event()  # still streaming when the test switches back
    server.enqueue(Script(content=[f"tok{i} " for i in range(150)], gate=gate, gate_after=10))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Old session")
        await wait_for_replies(pilot, app)
        await pilot.press("ctrl+n")
        await type_and_send(pilot, "Streaming session")
        await wait_until(pilot, lambda: "tok3" in screen_text(app))
        sidebar = app.screen.query_one(SessionList)
        old_id = next(s.id for s in sidebar.items if s.title == "Old session")
        new_id = next(s.id for s in sidebar.items if s.title == "Streaming session")
        await app.screen.open_session(old_id)
        assert "Done before." in screen_text(app)
        await app.screen.open_session(new_id)
        assert app.replies.live and "tok3" in screen_text(app)
        gate.set()
        await wait_for_replies(pilot, app, timeout=20)
        assert "tok149" in screen_text(app)
        assert "tok0 tok1" in screen_text(app)


async def test_quit_while_streaming_asks_and_saves_partial(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=[f"w{i} " for i in range(10)], hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Long one")
        await wait_until(pilot, lambda: "w3" in screen_text(app))
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")  # changed my mind
        await pilot.pause()
        assert app.replies.live
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.return_code is not None)  # exited
    reply = read_only_session(tmp_path)["messages"][1]
    assert reply["status"] == "stopped"
    assert reply["content"].startswith("w0 w1 w2 w3")


async def test_earlier_reasoning_on_demand(tmp_path: Path, server) -> None:
    server.enqueue(Script(reasoning=["first reasoning"], content=["First."]))
    server.enqueue(Script(reasoning=["second reasoning"], content=["Second."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "One")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "Two")
        await wait_for_replies(pilot, app)
        thinking = app.screen.query_one(ThinkingPane)
        assert thinking.message is not None and thinking.message.content == "Second."
        first_reply = app.screen.query(AssistantMessage).first()
        first_reply.focus()
        await pilot.pause()
        assert thinking.query_one("Markdown").source == "first reasoning"
        assert not thinking.collapsed
        await pilot.press("ctrl+t")
        assert thinking.collapsed


async def test_reply_without_reasoning_hides_thinking_pane(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["Plain."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Q")
        await wait_for_replies(pilot, app)
        assert not app.screen.query_one(ThinkingPane).display


async def test_control_sequences_never_reach_screen_or_disk(tmp_path: Path, server) -> None:
    server.enqueue(
        Script(
            reasoning=["\x1b]0;evil title\x07think"],
            content=["safe \x1b[31mred\x1b[0m ", "\x1b]52;c;ZXZpbA==\x07text\x9b2J"],
        )
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Hi \x1b[2J there")
        await wait_for_replies(pilot, app)
        assert "\x1b" not in screen_text(app)
        assert "safe red text" in screen_text(app)
    raw = session_files(tmp_path)[0].read_text(encoding="utf-8")
    assert "\\u001b" not in raw and "\x1b" not in raw and "\\u009b" not in raw
    data = json.loads(raw)
    assert data["messages"][1]["reasoning"] == "think"
    assert data["title"] == "Hi there"


async def test_keys_screen_lists_every_binding(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        joined = "\n".join(rows)
        for expected in ("New", "Stop", "Retry", "Quit", "New line"):
            assert expected in joined
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("DataTable")


async def test_view_follows_stream_unless_user_scrolled_up(tmp_path: Path, server) -> None:
    lines = [f"line {i}\n\n" for i in range(300)]
    server.enqueue(Script(content=lines[:150], delay=0.01), Script(content=lines, delay=0.02))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Follow me")
        await wait_for_replies(pilot, app)
        view = app.screen.query_one("MessageView")
        assert view.max_scroll_y > 0
        assert view.scroll_y == view.max_scroll_y  # followed to the end
        await type_and_send(pilot, "Now I read")
        await wait_until(pilot, lambda: "line 20" in screen_text(app))
        view.scroll_to(y=0, animate=False, immediate=True)
        await wait_until(pilot, lambda: "line 120" in screen_text(app))
        assert view.scroll_y == 0  # stayed where the user put it
        await wait_for_replies(pilot, app, timeout=20)
        assert view.scroll_y == 0
        assert app.screen.query_one(PromptInput).has_focus


async def test_paste_keeps_newlines_and_shift_enter_inserts_one(tmp_path: Path, server) -> None:
    from textual import events

    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        app.post_message(events.Paste("line one\nline two\n第三行"))  # as the driver does
        await pilot.pause()
        await pilot.press("shift+enter", "x")
        assert prompt.text == "line one\nline two\n第三行\nx"
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
    assert read_only_session(tmp_path)["messages"][0]["content"] == "line one\nline two\n第三行\nx"


def test_module_and_script_entry_points() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("tui-chat ")
    result = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--help"], capture_output=True, text=True, check=True
    )
    assert "--config" in result.stdout and "--data-dir" in result.stdout


async def test_command_palette_runs_chat_commands(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        assert app.screen.query(UserMessage)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        await pilot.press(*"session: new")

        def found() -> bool:
            """The search for what was typed has ended with session: New first."""
            searching = palette_searching(app, palette)
            hits = palette.query_one(CommandList)
            return (
                not searching
                and hits.option_count > 0
                and str(hits.get_option_at_index(0).prompt).startswith("session: New")
            )

        await wait_until(pilot, found)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.screen.query(UserMessage))
        assert app.screen.session is not None and not app.screen.session.messages
