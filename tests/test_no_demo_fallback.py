"""A provider without a usable key is refused, never stood in for by the offline demo.

The demo answers only in sessions made with it (marked `"demo": true` in the session
file), and only while no provider has a key. Its canned replies are never sent to a real
model, including those older versions put in sessions that were not demo sessions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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

from tui_chat.core.context.request import plan_context
from tui_chat.core.session import Message, Session
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.render.probes import notifications
from tui_chat.ui.widgets.prompt import PromptInput


def chats(server: FakeOpenAIServer) -> list[dict[str, Any]]:
    return [r for r in server.requests if r["path"].endswith("/chat/completions")]


def notes(app: TuiChatApp) -> list[str]:
    return [str(n.message) for n in notifications(app)]


def prompt_text(app: TuiChatApp) -> str:
    return app.screen.query_one(PromptInput).text


def shown_session(app: TuiChatApp) -> Session:
    assert app.chat_screen is not None and app.chat_screen.session is not None
    return app.chat_screen.session


CLOUD = (
    "[providers.cloud]\n"
    'label = "Cloud"\n'
    'base_url = "http://127.0.0.1:9/v1"\n'
    'models = ["cloud-model"]\n'
    'api_key_env = "CLOUD_TEST_KEY"\n'
)


async def test_switching_to_a_provider_without_a_key_is_refused(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, CLOUD)
    app = make_app(tmp_path, server)
    server.enqueue(Script(content=["Still local."]))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "/provider cloud")
        await wait_until(pilot, lambda: any("CLOUD_TEST_KEY" in n for n in notes(app)))
        note = next(n for n in notes(app) if "CLOUD_TEST_KEY" in n)
        assert "Cloud has no API key: CLOUD_TEST_KEY is not set" in note
        assert "export CLOUD_TEST_KEY=" in note  # how to fix it
        assert "stays on Local test" in note
        assert shown_session(app).provider == "local"
        await type_and_send(pilot, "Hello")
        await wait_for_replies(pilot, app)
        assert "Still local." in screen_text(app)
        assert "offline demo" not in screen_text(app).lower()
    assert chats(server)[0]["json"]["model"] == "test-model"
    data = read_only_session(tmp_path)
    assert data["provider"] == "local" and "demo" not in data


async def test_a_session_on_a_provider_without_a_key_refuses_to_send(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    # The default provider has no key, another one has: no demo, the send is refused.
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, 'api_key_env = "LOCAL_KEY"\n' + CLOUD)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('default_provider = "local"', 'default_provider = "cloud"'))
    app = make_app(tmp_path, server, environ={"LOCAL_KEY": "sk-local"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        session = shown_session(app)
        assert (session.provider, session.demo) == ("cloud", False)
        assert "CLOUD_TEST_KEY is not set" in screen_text(app)  # said before sending, too
        await type_and_send(pilot, "Will you answer?")
        await wait_until(pilot, lambda: any(n.title == "Not sent" for n in notifications(app)))
        assert prompt_text(app) == "Will you answer?"
        assert session.messages == []
        assert "Hello from the offline demo" not in screen_text(app)
        # F4 / /provider to one with a key, then the text goes there.
        app.screen.query_one(PromptInput).clear()
        await type_and_send(pilot, "/provider local")
        await wait_until(pilot, lambda: session.provider == "local")
        await type_and_send(pilot, "Will you answer?")
        await wait_for_replies(pilot, app)
    assert [m["content"] for m in chats(server)[0]["json"]["messages"]] == ["Will you answer?"]
    data = read_only_session(tmp_path)
    assert data["provider"] == "local"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]


async def test_a_provider_removed_from_the_config_is_not_replaced_by_the_demo(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url)
    app = make_app(tmp_path, server)
    server.enqueue(Script(content=["Before."]))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "First")
        await wait_for_replies(pilot, app)
        config.write_text(
            'default_provider = "spare"\n[providers.spare]\n'
            f'base_url = "{server.base_url}"\nmodels = ["spare-model"]\n',
            encoding="utf-8",
        )
        assert app.config_file.reload()
        await pilot.pause()
        assert "Provider 'local' is not in" in screen_text(app)  # the banner says so
        await type_and_send(pilot, "Second")
        await wait_until(pilot, lambda: any("'local' is not in" in n for n in notes(app)))
        assert prompt_text(app) == "Second"
        await pilot.pause(0.1)
        assert "offline demo" not in screen_text(app).lower()
    assert len(chats(server)) == 1
    data = read_only_session(tmp_path)
    assert data["provider"] == "local" and "demo" not in data
    assert [m["content"] for m in data["messages"]] == ["First", "Before."]


async def test_the_demo_answers_only_in_a_session_marked_as_a_demo(tmp_path: Path) -> None:
    app = make_app(tmp_path, None)  # no config, no keys: the newcomer's offline demo
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "What is this?")
        await wait_for_replies(pilot, app)
        assert "Hello from the offline demo" in screen_text(app)
    data = read_only_session(tmp_path)
    assert data["demo"] is True and data["provider"] == "demo"


async def test_a_demo_session_reopened_with_a_key_says_so_and_sends_no_canned_reply(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url)
    config.write_text(config.read_text().replace("timeout = 5\n", 'api_key_env = "LOCAL_KEY"\n'))
    app = make_app(tmp_path, server, environ={})
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "Demo first")
        await wait_for_replies(pilot, app)
    assert read_only_session(tmp_path)["demo"] is True
    server.enqueue(Script(content=["Real answer."]))
    app = make_app(tmp_path, server, environ={"LOCAL_KEY": "sk-local"})
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: "made with the offline demo" in screen_text(app))
        text = screen_text(app)
        assert "chosen in the config" not in text
        assert "F4" in text and "Local test" in text
        await type_and_send(pilot, "Now for real")
        await wait_for_replies(pilot, app)
        assert "Real answer." in screen_text(app)
        assert "made with the offline demo" not in screen_text(app)
    body = chats(server)[-1]["json"]["messages"]
    assert body == [{"role": "user", "content": "Now for real"}]  # no canned turn
    data = read_only_session(tmp_path)
    assert data["provider"] == "local" and "demo" not in data


async def test_canned_replies_in_an_old_non_demo_session_are_not_sent(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    """Older versions answered with the demo in a real session; those turns stay shown
    but are left out of requests."""
    write_config(tmp_path / "config" / "config.toml", server.base_url)
    session = Session(provider="local", model="test-model")
    session.add(Message(role="user", content="q1"))
    session.add(
        Message(
            role="assistant",
            content="## Hello from the offline demo",
            model="demo",
            provider="demo",
        )
    )
    session.add(Message(role="user", content="q2"))
    session.add(Message(role="assistant", content="a2", model="test-model", provider="local"))
    sessions = tmp_path / "data" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{session.id}.json").write_text(json.dumps(session.to_dict()), encoding="utf-8")
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "a2" in screen_text(app))
        await type_and_send(pilot, "q3")
        await wait_for_replies(pilot, app)
    body = chats(server)[-1]["json"]["messages"]
    assert body == [
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "q3"},
    ]
    assert len(session_files(tmp_path)) == 1


def test_the_plan_leaves_canned_demo_exchanges_out() -> None:
    session = Session(provider="local", model="m")
    session.add(Message(role="user", content="q1"))
    session.add(Message(role="assistant", content="canned", model="demo"))  # no provider: old
    session.add(Message(role="user", content="q2"))
    plan = plan_context(session)
    assert plan.messages == [{"role": "user", "content": "q2"}]


def test_the_demo_mark_is_kept_in_the_session_file() -> None:
    demo = Session(provider="demo", model="demo")
    demo.demo = True
    assert demo.to_dict()["demo"] is True
    assert Session.from_dict(demo.to_dict()).demo
    real = Session(provider="local", model="m")
    assert "demo" not in real.to_dict()
    assert not Session.from_dict(real.to_dict()).demo
    # A file from before the mark: its provider says it.
    old = demo.to_dict()
    del old["demo"]
    assert Session.from_dict(old).demo


def test_a_session_an_older_version_moved_to_the_demo_goes_back_to_its_provider() -> None:
    session = Session(provider="local", model="m")
    session.add(Message(role="user", content="q1"))
    session.add(Message(role="assistant", content="a1", model="m", provider="local"))
    session.add(Message(role="user", content="q2"))
    session.add(Message(role="assistant", content="canned", model="demo", provider="demo"))
    data = session.to_dict()
    data["provider"] = data["model"] = "demo"  # what the fallback did to it
    loaded = Session.from_dict(data)
    assert (loaded.provider, loaded.model, loaded.demo) == ("local", "m", False)
