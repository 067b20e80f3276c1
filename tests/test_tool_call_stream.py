"""Assembling streamed tool calls (providers/tool_call_stream.py) and parsing calls a model
printed as text (providers/text_tool_calls.py), piece by piece."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tui_chat.core.tool_turns import ToolCall
from tui_chat.providers.events import ToolCallStreaming
from tui_chat.providers.text_tool_calls import TextToolCallSplitter
from tui_chat.providers.tool_call_stream import ToolCallAccumulator


def piece(
    index: int | None = None,
    id: str | None = None,
    name: str | None = None,
    arguments: Any = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if index is not None:
        data["index"] = index
    if id is not None:
        data["id"] = id
        data["type"] = "function"
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    data["function"] = function
    return data


def feed_all(chunks: list[list[dict[str, Any]]]) -> tuple[list[ToolCallStreaming], list[ToolCall]]:
    accumulator = ToolCallAccumulator()
    named = [event for chunk in chunks for event in accumulator.feed(chunk)]
    return named, list(accumulator.calls())


def summary(calls: list[ToolCall]) -> list[tuple[str, str, str]]:
    return [(c.id, c.name, c.arguments) for c in calls]


def test_interleaved_calls_are_assembled_by_index() -> None:
    named, calls = feed_all(
        [
            [piece(0, "call_a", "lookup", "")],
            [piece(1, "call_b", "current_time", "")],
            [piece(0, arguments='{"word": ')],
            [piece(1, arguments="{")],
            [piece(0, arguments='"tui"}')],
            [piece(1, arguments="}")],
        ]
    )
    assert named == [ToolCallStreaming(0, "lookup"), ToolCallStreaming(1, "current_time")]
    assert summary(calls) == [
        ("call_a", "lookup", '{"word": "tui"}'),
        ("call_b", "current_time", "{}"),
    ]
    assert all(c.status == "pending" and not c.from_text for c in calls)


def test_whole_calls_in_one_chunk() -> None:
    named, calls = feed_all(
        [[piece(0, "a", "lookup", '{"word": "x"}'), piece(1, "b", "lookup", '{"word": "y"}')]]
    )
    assert [e.index for e in named] == [0, 1]
    assert summary(calls) == [("a", "lookup", '{"word": "x"}'), ("b", "lookup", '{"word": "y"}')]


def test_pieces_without_index_follow_their_id_or_the_last_call() -> None:
    _, calls = feed_all(
        [
            [piece(id="a", name="lookup", arguments='{"w')],
            [piece(arguments='ord": 1}')],
            [piece(id="b", name="lookup", arguments="{")],
            [piece(id="a", arguments="")],  # a repeated id: still call a
            [piece(id="b", arguments="}")],
        ]
    )
    assert summary(calls) == [("a", "lookup", '{"word": 1}'), ("b", "lookup", "{}")]


def test_no_index_no_id_a_new_name_starts_a_new_call() -> None:
    _, calls = feed_all([[piece(name="one", arguments="{}")], [piece(name="two", arguments="{}")]])
    assert summary(calls) == [("call_1", "one", "{}"), ("call_2", "two", "{}")]


def test_id_repeated_on_every_piece_is_one_call() -> None:
    named, calls = feed_all(
        [
            [piece(0, "a", "lookup", "")],
            [piece(0, "a", arguments='{"word":')],
            [piece(0, "a", arguments=' "z"}')],
        ]
    )
    assert len(named) == 1
    assert summary(calls) == [("a", "lookup", '{"word": "z"}')]


def test_a_new_id_at_a_used_index_is_a_new_call() -> None:
    _, calls = feed_all(
        [[piece(0, "a", "one", "{}")], [piece(0, "b", "two", "{")], [piece(0, arguments="}")]]
    )
    assert summary(calls) == [("a", "one", "{}"), ("b", "two", "{}")]


def test_missing_and_duplicate_ids_are_made_up() -> None:
    _, calls = feed_all([[piece(0, name="one", arguments="{}")], [piece(1, "x", "two", "")]])
    assert [c.id for c in calls] == ["call_1", "x"]
    _, calls = feed_all([[piece(0, "x", "one", "{}"), piece(1, "x", "two", "{}")]])
    assert [c.id for c in calls] == ["x", "x_2"]


def test_arguments_are_kept_raw_and_objects_serialized() -> None:
    _, calls = feed_all([[piece(0, "a", "f", '{ "b" :  1 ,"a":2}')]])
    assert calls[0].arguments == '{ "b" :  1 ,"a":2}'  # resent byte for byte
    _, calls = feed_all([[piece(0, "a", "f", {"city": "北京"})]])
    assert json.loads(calls[0].arguments) == {"city": "北京"}
    _, calls = feed_all([[piece(0, "a", "f", '{"bad": ')]])
    assert calls[0].arguments == '{"bad": ' and calls[0].parsed_arguments() is None


def test_names_and_ids_lose_control_sequences() -> None:
    named, calls = feed_all([[piece(0, "id\x1b[31m", "evil\x1b]0;x\x07name\n", "{}")]])
    assert "\x1b" not in calls[0].name and "\n" not in calls[0].name
    assert "\x1b" not in calls[0].id
    assert named[0].name == calls[0].name


def test_sdk_objects_are_read_like_dicts() -> None:
    from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

    accumulator = ToolCallAccumulator()
    accumulator.feed([ChoiceDeltaToolCall.model_validate(piece(0, "a", "lookup", '{"word": "q"}'))])
    assert summary(list(accumulator.calls())) == [("a", "lookup", '{"word": "q"}')]


# -- calls printed as text ----------------------------------------------------------------


def split(chunks: list[str]) -> tuple[str, list[ToolCall]]:
    splitter = TextToolCallSplitter()
    shown: list[str] = []
    calls: list[ToolCall] = []
    for chunk in chunks:
        text, found = splitter.feed(chunk)
        shown.append(text)
        calls += found
    text, found = splitter.flush()
    return "".join(shown) + text, calls + found


CALL = '<tool_call>\n{"name": "lookup", "arguments": {"word": "终端"}}\n</tool_call>'


def test_a_printed_call_becomes_a_call() -> None:
    text, calls = split([f"Let me look.\n\n{CALL}"])
    assert text == "Let me look."
    assert len(calls) == 1
    call = calls[0]
    assert (call.id, call.name, call.from_text) == ("call_text_1", "lookup", True)
    assert call.arguments == '{"word": "终端"}'  # re-serialized, not escaped


@pytest.mark.parametrize("size", [1, 2, 3, 5, 11])
def test_tags_split_across_chunks(size: int) -> None:
    whole = f"Checking.\n{CALL}\n{CALL.replace('终端', 'tui')}\n"
    text, calls = split([whole[i : i + size] for i in range(0, len(whole), size)])
    # Whitespace that arrived before the tag was shown already: text is never held back.
    assert text.rstrip() == "Checking."
    assert [c.id for c in calls] == ["call_text_1", "call_text_2"]
    assert [c.parsed_arguments() for c in calls] == [{"word": "终端"}, {"word": "tui"}]


def test_text_after_a_call_is_kept() -> None:
    text, calls = split([CALL, "\n\nDone: ", "a < b."])
    assert text == "Done: a < b."
    assert len(calls) == 1


@pytest.mark.parametrize(
    "inside",
    [
        "not json",
        '{"arguments": {}}',
        '["lookup"]',
        '{"name": "", "arguments": {}}',
        '{"name": "f", "arguments": [1]}',
    ],
)
def test_garbage_inside_the_tags_stays_text(inside: str) -> None:
    whole = f"Before <tool_call>{inside}</tool_call> after"
    text, calls = split([whole[:9], whole[9:20], whole[20:]])
    assert calls == []
    assert text == whole


def test_an_unclosed_call_at_the_end_is_still_a_call() -> None:
    text, calls = split(['<tool_call>{"name": "current_time", "arguments": {}}'])
    assert text == ""
    assert [(c.name, c.arguments) for c in calls] == [("current_time", "{}")]
    text, calls = split(["<tool_call>{half"])
    assert (text, calls) == ("<tool_call>{half", [])


def test_string_arguments_and_parameters_are_read() -> None:
    _, calls = split(['<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>'])
    assert calls[0].arguments == '{"a": 1}'
    _, calls = split(['<tool_call>{"name": "f", "parameters": {"b": 2}}</tool_call>'])
    assert calls[0].arguments == '{"b": 2}'
    _, calls = split(['<tool_call>{"name": "f"}</tool_call>'])
    assert calls[0].arguments == "{}"


def test_plain_text_passes_through_with_whitespace_kept() -> None:
    text, calls = split(["Hello ", "world,", "\n\n", "a <b> tag and <tool", " words."])
    assert calls == []
    assert text == "Hello world,\n\na <b> tag and <tool words."
