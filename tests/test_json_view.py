"""JSON-mode replies shown as pretty-printed, highlighted JSON."""

from __future__ import annotations

import json

import pytest

from tui_chat.core.session import Message
from tui_chat.ui.widgets.json_view import json_markdown, pretty_json, reply_markdown


def test_json_is_indented_and_keeps_non_ascii_text() -> None:
    text = '{"name":"小明","tags":["a","b"],"n":1}'
    assert pretty_json(text) == (
        '{\n  "name": "小明",\n  "tags": [\n    "a",\n    "b"\n  ],\n  "n": 1\n}'
    )
    assert json_markdown(text) == f"```json\n{pretty_json(text)}\n```"


def test_a_fenced_reply_is_unwrapped() -> None:
    assert pretty_json('```json\n{"a": 1}\n```\n') == '{\n  "a": 1\n}'
    assert pretty_json("~~~\n[1, 2]\n~~~") == "[\n  1,\n  2\n]"


@pytest.mark.parametrize("text", ["", "   ", '{"a": 1', "Sure! Here is JSON: {}", "```\nno\n```"])
def test_text_that_is_not_json_is_shown_as_it_is(text: str) -> None:
    assert pretty_json(text) is None
    assert json_markdown(text) == text


def test_backticks_inside_strings_get_a_longer_fence() -> None:
    markdown = json_markdown(json.dumps({"code": "```py\nx\n```"}))
    assert markdown.startswith("````json\n")
    assert markdown.endswith("\n````")


def test_reply_markdown_only_for_finished_json_mode_replies() -> None:
    reply = Message(role="assistant", content='{"a":1}', json_mode=True)
    assert reply_markdown(reply) == '```json\n{\n  "a": 1\n}\n```'
    reply.status = "streaming"
    assert reply_markdown(reply) == '{"a":1}'
    plain = Message(role="assistant", content='{"a":1}')
    assert reply_markdown(plain) == '{"a":1}'
