"""Failed turns are not sent again (issue 14, item 10): after a 401 or a reply stopped
before any text, the next request carries neither the question nor the failed reply, the
context inspector says why, and summary and recall leave them out too."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from app_harness import make_app, type_and_send, wait_for_replies, wait_until, write_config
from sse_server import FakeOpenAIServer, Script

from tui_chat.core.context.summary import SUMMARY_INSTRUCTIONS
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.ui.screens.inspector import InspectorScreen


def chat_bodies(server: FakeOpenAIServer) -> list[dict]:
    return [r["json"] for r in server.requests if r["path"].endswith("/chat/completions")]


def alternates(messages: list[dict]) -> bool:
    body = [m for m in messages if m["role"] != "system"]
    roles = [m["role"] for m in body]
    return roles[:1] == ["user"] and all(a != b for a, b in itertools.pairwise(roles))


async def test_a_401_is_not_sent_again_and_the_inspector_says_why(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(
        Script(content=["Fine."]),
        Script(status=401, error_body={"error": {"message": "Incorrect API key provided"}}),
        Script(content=["Now it works."]),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "First question")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "Doomed question")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+i")
        await wait_until(pilot, lambda: isinstance(app.screen, InspectorScreen))
        report = app.screen.text
        assert "left out 2" in report
        doomed = next(line for line in report.splitlines() if "Doomed question" in line)
        assert "LEFT OUT" in doomed and "left out: the reply failed" in doomed
        body = json.loads(report.split("Request body:\n", 1)[1])
        assert "Doomed" not in json.dumps(body["messages"])
        await pilot.press("escape")
        await type_and_send(pilot, "Next question")
        await wait_for_replies(pilot, app)
    sent = chat_bodies(server)[-1]["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"] == [
        "First question",
        "Fine.",
        "Next question",
    ]
    assert alternates(sent)


async def test_a_reply_stopped_before_any_text_is_not_sent_again(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(hang=True), Script(content=["Answered."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Never mind this one")
        server.wait_for_requests(1)
        await pilot.press("escape")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "The real question")
        await wait_for_replies(pilot, app)
    sent = chat_bodies(server)[-1]["messages"]
    assert [m["content"] for m in sent if m["role"] != "system"] == ["The real question"]


def saved_session(tmp_path: Path, session: Session) -> None:
    folder = tmp_path / "data" / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{session.id}.json").write_text(json.dumps(session.to_dict()), encoding="utf-8")


def session_with_failures(**settings: object) -> Session:
    """Twelve answered turns, with a failed and a stopped-empty exchange among them."""
    session = Session(
        provider="local",
        model="test-model",
        settings=ChatSettings(system_prompt="Be brief.", **settings),  # type: ignore[arg-type]
    )
    for n in range(12):
        session.add(Message(role="user", content=f"question {n} " + "about volcanoes " * 30))
        session.add(Message(role="assistant", content=f"answer {n} " + "lava flows " * 50))
        if n in (2, 9):
            session.add(Message(role="user", content=f"FAILED volcano question {n}"))
            status = "error" if n == 2 else "stopped"
            session.add(Message(role="assistant", content="", status=status))  # type: ignore[arg-type]
    return session


async def test_summary_leaves_failed_exchanges_out(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    window = '[providers.local.model_settings."test-model"]\ncontext_window = 3000\n'
    write_config(tmp_path / "config" / "config.toml", server.base_url, window)
    saved_session(tmp_path, session_with_failures(context_strategy="summary"))
    server.enqueue(Script(content=["They talked about volcanoes."]), Script(content=["Yes."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "And then?")
        await wait_for_replies(pilot, app)
    summary, request = chat_bodies(server)
    assert summary["messages"][0]["content"] == SUMMARY_INSTRUCTIONS
    assert "question 0" in summary["messages"][1]["content"]
    assert "FAILED" not in json.dumps(summary) and "FAILED" not in json.dumps(request)
    assert alternates(request["messages"])
    assert request["messages"][-1] == {"role": "user", "content": "And then?"}


async def test_recall_leaves_failed_exchanges_out(tmp_path: Path, server: FakeOpenAIServer) -> None:
    write_config(
        tmp_path / "config" / "config.toml", server.base_url, 'embedding_model = "test-embed"\n'
    )
    saved_session(tmp_path, session_with_failures(context_strategy="recall", context_turns=1))
    server.enqueue(Script(content=["Lava."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "FAILED volcano question?")
        await wait_for_replies(pilot, app)
    embedded = [r["json"]["input"] for r in server.requests if r["path"].endswith("/embeddings")]
    assert embedded and not any("FAILED volcano question 2" in text for text in embedded[0])
    request = chat_bodies(server)[-1]
    assert "FAILED volcano question 9" not in json.dumps(request)
    assert alternates(request["messages"])
