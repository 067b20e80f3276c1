"""Context management against the local server, through the real SDK: the rolling summary
(once at the threshold, in force after a restart), recall by embeddings, the offer to switch
strategy on a context-length error, the inspector and the strategy picker."""

from __future__ import annotations

import json
from pathlib import Path

from app_harness import (
    make_app,
    notices,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import Script
from textual.widgets import TextArea

from tui_chat.core.context.summary import SUMMARY_INSTRUCTIONS
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.ui.screens.inspector import InspectorScreen, StrategyScreen

WINDOW_CONFIG = '[providers.local.model_settings."test-model"]\ncontext_window = 3000\n'


def saved_session(tmp_path: Path, session: Session) -> None:
    folder = tmp_path / "data" / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{session.id}.json").write_text(json.dumps(session.to_dict()), encoding="utf-8")


def long_session(turns: int, **settings: object) -> Session:
    session = Session(
        provider="local",
        model="test-model",
        settings=ChatSettings(system_prompt="Be brief.", **settings),  # type: ignore[arg-type]
    )
    for n in range(turns):
        session.add(Message(role="user", content=f"问题{n}：" + "我们来讨论这个话题的细节。" * 5))
        session.add(
            Message(role="assistant", content=f"回答{n}：" + "这是一个比较长的回答内容。" * 8)
        )
    return session


def chat_requests(server) -> list[dict]:
    return [r["json"] for r in server.requests if r["path"].endswith("/chat/completions")]


def is_summary_request(body: dict) -> bool:
    return body["messages"][0]["content"] == SUMMARY_INSTRUCTIONS


async def test_summary_once_at_the_threshold_and_after_a_restart(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, WINDOW_CONFIG)
    session = long_session(20, context_strategy="summary")
    saved_session(tmp_path, session)
    server.enqueue(Script(content=["前面讨论了二十个问题的细节。"]), Script(content=["好的。"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "继续")
        await wait_for_replies(pilot, app)
        bodies = chat_requests(server)
        assert len(bodies) == 2
        assert is_summary_request(bodies[0])
        assert "问题0" in bodies[0]["messages"][1]["content"]
        sent = bodies[1]["messages"]
        assert sent[0]["role"] == "system"
        assert sent[0]["content"].startswith("Be brief.")
        assert "前面讨论了二十个问题的细节。" in sent[0]["content"]
        assert not any("问题0" in m["content"] for m in sent)
        assert sent[-1] == {"role": "user", "content": "继续"}
        from tui_chat.ui.widgets.summary_block import SummaryBlock, SummaryEditScreen

        block = app.screen.query_one(SummaryBlock)
        assert block.summary.text == "前面讨论了二十个问题的细节。"
        # Editing it saves the new text into the session file.
        block.query_one(".summary-edit").press()
        await wait_until(pilot, lambda: isinstance(app.screen, SummaryEditScreen))
        app.screen.query_one("#summary-text", TextArea).text = "前面讨论了二十个问题（已编辑）。"
        await pilot.press("ctrl+s")  # as a user saves it
        await wait_until(pilot, lambda: block.summary.edited)
        # Below the threshold now: the next question makes no summary request.
        server.enqueue(Script(content=["嗯。"]))
        await type_and_send(pilot, "再说一点")
        await wait_for_replies(pilot, app)
        bodies = chat_requests(server)
        assert len(bodies) == 3 and not is_summary_request(bodies[2])
        status = str(app.screen.query_one("#status").render())
        assert "ctx ~" in status and "/ 3k" in status

    data = json.loads(next((tmp_path / "data" / "sessions").glob("*.json")).read_text())
    assert len(data["summaries"]) == 1
    assert data["summaries"][0]["text"] == "前面讨论了二十个问题（已编辑）。"
    assert data["summaries"][0]["edited"] is True
    assert len(data["messages"]) == 40 + 4  # the originals stay in the file
    covered = data["summaries"][0]["covers"]
    assert covered == [m["id"] for m in data["messages"][: len(covered)]]

    server.enqueue(Script(content=["还在。"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "重启之后")
        await wait_for_replies(pilot, app)
    bodies = chat_requests(server)
    assert len(bodies) == 4 and not is_summary_request(bodies[3])
    assert "前面讨论了二十个问题（已编辑）。" in bodies[3]["messages"][0]["content"]
    assert not any("问题0" in m["content"] for m in bodies[3]["messages"])


TOPICS = ["giraffe", "volcano", "violin", "glacier", "tomato", "satellite", "cactus", "harbor"]


def topic_session() -> Session:
    session = Session(
        provider="local",
        model="test-model",
        settings=ChatSettings(context_strategy="recall", context_turns=1),
    )
    for topic in TOPICS:
        session.add(Message(role="user", content=f"{topic} {topic} {topic}"))
        session.add(Message(role="assistant", content=f"{topic} {topic} notes"))
    return session


async def test_recall_sends_the_relevant_old_turn(tmp_path: Path, server) -> None:
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        'embedding_model = "test-embed"\n',
    )
    saved_session(tmp_path, topic_session())
    server.enqueue(Script(content=["Volcanoes, again."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "volcano volcano")
        await wait_for_replies(pilot, app)
    embeds = [r for r in server.requests if r["path"].endswith("/embeddings")]
    assert embeds and embeds[0]["json"]["model"] == "test-embed"
    sent = [m["content"] for m in chat_requests(server)[-1]["messages"]]
    assert "volcano volcano volcano" in sent and "volcano volcano notes" in sent
    assert "harbor harbor harbor" in sent  # the last turn
    assert "giraffe giraffe giraffe" not in sent
    assert sent[-1] == "volcano volcano"
    # Stored beside the session, not in it.
    assert list((tmp_path / "data" / "embeddings").glob("*.json"))
    data = json.loads(next((tmp_path / "data" / "sessions").glob("*.json")).read_text())
    assert "embedding" not in json.dumps(data)


async def test_recall_without_an_embeddings_endpoint_falls_back(tmp_path: Path, server) -> None:
    write_config(
        tmp_path / "config" / "config.toml", server.base_url, 'embedding_model = "test-embed"\n'
    )
    server.embeddings_status = 404
    saved_session(tmp_path, topic_session())
    server.enqueue(Script(content=["ok"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "volcano volcano")
        await wait_for_replies(pilot, app)
        notes = notices(app)
        assert any("no embeddings endpoint" in n and "token budget" in n for n in notes)
    assert chat_requests(server)[-1]["messages"][-1]["content"] == "volcano volcano"


async def test_context_length_error_offers_a_switch_and_the_resend_works(
    tmp_path: Path, server
) -> None:
    server.enqueue(
        Script(
            status=400,
            error_body={
                "error": {
                    "message": "This model's maximum context length is 100 tokens. However, "
                    "your messages resulted in 900 tokens.",
                    "type": "invalid_request_error",
                    "code": "context_length_exceeded",
                }
            },
        ),
        Script(content=["Fits now."]),
    )
    saved_session(tmp_path, long_session(3))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "one more")
        await wait_until(pilot, lambda: isinstance(app.screen, StrategyScreen))
        app.screen.dismiss("last_turns")
        await wait_until(pilot, lambda: len(chat_requests(server)) == 2)
        await wait_for_replies(pilot, app)
        assert app.chat_screen.session.settings.context_strategy == "last_turns"
    data = json.loads(next((tmp_path / "data" / "sessions").glob("*.json")).read_text())
    assert data["settings"]["context_strategy"] == "last_turns"
    assert data["messages"][-1]["content"] == "Fits now."
    assert data["messages"][-2]["content"] == "one more"
    assert [m["role"] for m in data["messages"][-3:]] == ["assistant", "user", "assistant"]


async def test_too_long_before_sending_offers_a_switch(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, WINDOW_CONFIG)
    saved_session(tmp_path, long_session(30))
    server.enqueue(Script(content=["ok"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "next")
        await wait_until(pilot, lambda: isinstance(app.screen, StrategyScreen))
        assert chat_requests(server) == []
        app.screen.dismiss("budget")
        await wait_until(pilot, lambda: len(chat_requests(server)) == 1)
        await wait_for_replies(pilot, app)
    sent = chat_requests(server)[0]["messages"]
    assert sent[-1]["content"] == "next"
    assert len(sent) < 1 + 61


async def test_inspector_and_strategy_picker(tmp_path: Path, server) -> None:
    saved_session(tmp_path, long_session(4, context_strategy="last_turns", context_turns=1))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.chat_screen.session is not None)
        await pilot.press("alt+i")
        await wait_until(pilot, lambda: isinstance(app.screen, InspectorScreen))
        text = app.screen.text
        assert "Strategy: Last N turns" in text
        assert "DROPPED" in text and '"model": "test-model"' in text
        assert '"stream": true' in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("alt+x")
        await wait_until(pilot, lambda: isinstance(app.screen, StrategyScreen))
        app.screen.dismiss("budget")
        await pilot.pause()
        assert app.chat_screen.session.settings.context_strategy == "budget"


async def test_session_settings_screen_sets_the_strategy(tmp_path: Path, server) -> None:
    from textual.widgets import Input, Select

    from tui_chat.ui.screens.settings import SessionSettingsScreen

    saved_session(tmp_path, long_session(2))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.chat_screen.session is not None)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionSettingsScreen))
        app.screen.query_one("#context_strategy", Select).value = "last_turns"
        app.screen.query_one("#context_turns", Input).value = "2"
        app.screen.query_one("#context_budget", Input).value = "8k"
        await pilot.pause()
        app.screen.action_save()
        await wait_until(
            pilot, lambda: app.chat_screen.session.settings.context_strategy is not None
        )
        settings = app.chat_screen.session.settings
        assert settings.context_strategy == "last_turns"
        assert settings.context_turns == 2 and settings.context_budget == 8000
    data = json.loads(next((tmp_path / "data" / "sessions").glob("*.json")).read_text())
    assert data["settings"]["context_strategy"] == "last_turns"
    assert data["settings"]["context_turns"] == 2


async def test_unknown_window_is_asked_once_and_saved_in_the_config(tmp_path: Path, server) -> None:
    from tui_chat.ui.screens.confirm import ConfirmScreen
    from tui_chat.ui.screens.inspector import WindowScreen, parse_window

    assert parse_window("128k") == 128_000 and parse_window("131,072") == 131_072
    assert parse_window("1m") == 1_000_000 and parse_window("abc") is None
    config = write_config(tmp_path / "config" / "config.toml", server.base_url)
    # A conversation past half of the 32k assumed: now the window matters.
    session = Session(provider="local", model="test-model")
    session.add(Message(role="user", content="讲一个很长的故事"))
    session.add(Message(role="assistant", content="从前有座山。" * 4000))
    saved_session(tmp_path, session)
    server.enqueue(Script(content=["One."]), Script(content=["Two."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "你好")
        await wait_until(pilot, lambda: isinstance(app.screen, WindowScreen))
        assert not server.requests  # nothing goes out before the answer
        await pilot.press(*"128k", "enter")
        # The file was written by hand: saving asks first, as every save from the app does.
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for_replies(pilot, app)
        assert len(chat_requests(server)) == 1
        assert "context_window = 128000" in config.read_text(encoding="utf-8")
        status = str(app.screen.query_one("#status").render())
        assert "/ 128k" in status  # 128,000 tokens, in thousands
        await type_and_send(pilot, "再来")
        await wait_for_replies(pilot, app)
        assert len(chat_requests(server)) == 2  # asked once: the window is known now
        assert not isinstance(app.screen, WindowScreen)


async def test_inspector_lists_the_tool_calls_of_a_turn(tmp_path: Path, server) -> None:
    from tui_chat.core.tokens import call_tokens, result_tokens
    from tui_chat.core.tool_turns import ToolCall, ToolRound

    lookup = ToolCall(
        id="call_1",
        name="docs__lookup",
        arguments='{"word": "tui"}',
        label="docs.lookup",
        server="docs",
        status="ok",
        result="A terminal user interface draws with text cells. " * 25,
        seconds=0.2,
    )
    clock = ToolCall(id="call_2", name="current_time", arguments="", status="ok", result="noon")
    session = Session(provider="local", model="test-model")
    session.add(Message(role="user", content="What is a TUI?"))
    session.add(
        Message(
            role="assistant",
            content="A terminal user interface.",
            tool_rounds=[ToolRound("Looking.", "", [lookup]), ToolRound("", "", [clock])],
        )
    )
    saved_session(tmp_path, session)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.chat_screen.session is not None)
        assert app.chat_screen.session.messages[-1].tool_rounds[0].calls[0].label == "docs.lookup"
        await pilot.press("alt+i")
        await wait_until(pilot, lambda: isinstance(app.screen, InspectorScreen))
        lines = app.screen.text.splitlines()
    turn = next(i for i, line in enumerate(lines) if "A terminal user interface." in line)
    assert lines[turn + 1 : turn + 3] == [
        f"                ⚙ docs.lookup  call {call_tokens(lookup)} tok"
        f" · result {result_tokens(lookup)} tok",
        f"                ⚙ current_time  call {call_tokens(clock)} tok"
        f" · result {result_tokens(clock)} tok",
    ]
    assert result_tokens(lookup) > 200
