"""Pilot tests: what the app shows and saves when a server echoes the key, answers without a
stream, sends a web page or a malformed event, or redirects."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import (
    make_app,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    write_config,
)
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.keys import forget_keys

KEY = "sk-live-9f8e7d6c5b4a39281706ZZYX"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    forget_keys()
    yield
    forget_keys()


def key_command_config(tmp_path: Path, server: FakeOpenAIServer) -> None:
    command = f"printf '%s\\n' {shlex.quote(KEY)}"
    write_config(
        tmp_path / "config" / "config.toml", server.base_url, f'api_key_cmd = "{command}"\n'
    )


@pytest.mark.parametrize(
    "script",
    [
        Script(status=401, error_body={"error": {"message": f"Incorrect API key provided: {KEY}"}}),
        Script(
            status=500,
            error_body={"error": {"message": "proxy failed, sent {authorization}"}},
            echo_authorization=True,
        ),
    ],
)
async def test_an_echoed_key_is_neither_shown_nor_saved(
    tmp_path: Path, server: FakeOpenAIServer, script: Script
) -> None:
    key_command_config(tmp_path, server)
    server.enqueue(script)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Is my key safe?")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "sk-…ZZYX" in text  # the error is there, with the key masked
        assert KEY not in text and KEY[-12:] not in text
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    reply = read_only_session(tmp_path)["messages"][1]
    assert reply["status"] == "error"
    assert "sk-…ZZYX" in reply["error"]
    for file in (tmp_path / "data").rglob("*"):
        if file.is_file():
            assert KEY[-12:].encode() not in file.read_bytes(), file
    if script.status == 401:  # issue 14 item 9: the advice names the command, not api_key
        assert "api_key_cmd" in reply["error"]
        assert "api_key in the config" not in reply["error"]


async def test_a_plain_completion_is_shown_and_saved(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(ignore_stream=True, content=["A whole answer in one piece."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Through a proxy")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert "A whole answer in one piece." in text
        assert "cut off" not in text
    reply = read_only_session(tmp_path)["messages"][1]
    assert (reply["status"], reply["content"]) == ("complete", "A whole answer in one piece.")
    assert reply["usage"]["total_tokens"] == 18


@pytest.mark.parametrize(
    ("script", "expected", "partial"),
    [
        (
            Script(body="<html><head><title>Router login</title></head></html>"),
            "The server answered with a web page. Is base_url right?",
            "",
        ),
        (
            Script(content=["Half an ", "answer", " more"], malformed_after=2),
            "The server sent a malformed event",
            "Half an answer",
        ),
    ],
)
async def test_answers_that_are_not_a_stream_are_explained(
    tmp_path: Path, server: FakeOpenAIServer, script: Script, expected: str, partial: str
) -> None:
    server.enqueue(script)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "My question")
        await wait_for_replies(pilot, app)
        text = screen_text(app)
        assert expected in text
        assert "JSONDecodeError" not in text and "cut off" not in text
        assert partial in text
    user, reply = read_only_session(tmp_path)["messages"]
    assert user["content"] == "My question"
    assert reply["status"] == "error"
    assert expected in reply["error"]
    assert reply["content"] == partial


async def test_a_redirect_is_not_followed(tmp_path: Path, server: FakeOpenAIServer) -> None:
    with FakeOpenAIServer() as elsewhere:
        target = f"{elsewhere.base_url}/chat/completions"
        server.enqueue(Script(status=308, redirect_to=target))
        app = make_app(tmp_path, server)
        async with app.run_test(size=(120, 35)) as pilot:
            await type_and_send(pilot, "A private conversation")
            await wait_for_replies(pilot, app)
            assert f"base_url redirects to {target}" in screen_text(app)
        assert elsewhere.requests == []
    reply = read_only_session(tmp_path)["messages"][1]
    assert "update base_url" in reply["error"].lower()
