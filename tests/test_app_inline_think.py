"""Inline <think> reasoning in the app: a self-hosted model configured under a hosted
provider's dialect (issue 14, item 5). The reasoning goes to the thinking pane and the
reply's `reasoning`, never into the answer, the saved content or the next request."""

from __future__ import annotations

import json
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

from tui_chat.ui.widgets.thinking import ThinkingPane


@pytest.mark.parametrize(
    ("dialect", "model", "content"),
    [
        # R1 behind vLLM, configured as DeepSeek: the template opened <think>, only the
        # closing tag comes back, split across chunks.
        ("deepseek", "deepseek-r1", ["Hidden musing", " goes on.</th", "ink>\n\n", "The answer."]),
        # Qwen3 behind SGLang configured as DashScope: both tags, split across chunks.
        ("dashscope", "qwen3-32b", ["<thi", "nk>Hidden musing", " goes on.</think>The answer."]),
        ("zhipu", "glm-4.5", ["<think>Hidden musing goes on.</think>", "The answer."]),
        ("openai", "gpt-oss-20b", ["<think>Hidden musing goes on.", "</think>\nThe answer."]),
        # Qwen3's Thinking-2507 releases prefill <think> as R1 does.
        ("dashscope", "Qwen3-30B-A3B-Thinking-2507", ["Hidden musing goes on.</think>The answer."]),
    ],
)
async def test_inline_reasoning_is_split_saved_apart_and_not_sent_back(
    tmp_path: Path, server: FakeOpenAIServer, dialect: str, model: str, content: list[str]
) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, f'dialect = "{dialect}"\n')
    config = tmp_path / "config" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('["test-model"]', f'["{model}"]'),
        encoding="utf-8",
    )
    server.enqueue(Script(content=content), Script(content=["Second."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "First question")
        await wait_for_replies(pilot, app)
        thinking = app.screen.query_one(ThinkingPane)
        assert thinking.query_one("Markdown").source == "Hidden musing goes on."
        shown = screen_text(app)
        assert "The answer." in shown
        assert "</think>" not in shown and "<think>" not in shown
        await type_and_send(pilot, "Second question")
        await wait_for_replies(pilot, app)

    reply = read_only_session(tmp_path)["messages"][1]
    assert (reply["content"], reply["reasoning"]) == ("The answer.", "Hidden musing goes on.")
    sent = server.requests[-1]["json"]["messages"]
    assert sent[1] == {"role": "assistant", "content": "The answer."}
    assert "Hidden musing" not in json.dumps(sent)


async def test_a_reply_without_tags_from_an_r1_style_model_is_no_reasoning(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    """DeepSeek-R1 that skipped its tags: streamed as reasoning (the template opened
    <think>), it ends as the answer alone: no copy is left in the thinking pane or file."""
    write_config(tmp_path / "config" / "config.toml", server.base_url, 'dialect = "deepseek"\n')
    config = tmp_path / "config" / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('["test-model"]', '["deepseek-r1"]'),
        encoding="utf-8",
    )
    server.enqueue(Script(content=["Just an ", "answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Hello")
        await wait_for_replies(pilot, app)
        assert not app.screen.query_one(ThinkingPane).display
        assert "Just an answer." in screen_text(app)
        assert "thought" not in screen_text(app)
    reply = read_only_session(tmp_path)["messages"][1]
    assert (reply["content"], reply["reasoning"]) == ("Just an answer.", "")


def test_taking_back_reasoning_keeps_what_came_before_a_continuation() -> None:
    from tui_chat.core.session import Message, Session
    from tui_chat.services.live_reply import LiveReply

    live = LiveReply(Session(), Message(role="assistant"), "Local", is_demo=False)
    live.reasoning_parts += ["Earlier thoughts.", "Rest of ", "the answer"]
    live.withdraw_reasoning("Rest of the answer")
    assert live.reasoning_parts == ["Earlier thoughts."]
    live.withdraw_reasoning("not there")
    assert live.reasoning_parts == ["Earlier thoughts."]
    live.withdraw_reasoning("Earlier thoughts.")
    assert live.reasoning_parts == []
