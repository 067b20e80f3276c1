"""ThinkTagSplitter: inline <think>…</think> reasoning split out of streamed content."""

from __future__ import annotations

import itertools
import random

import pytest

from tui_chat.providers.think import ThinkTagSplitter

REPLY = "<think>abc</think>def"


def run(chunks: list[str]) -> tuple[str, str, tuple[str, str]]:
    """Feed every chunk; return (reasoning, text) from feed, and what flush returned."""
    splitter = ThinkTagSplitter()
    reasoning = text = ""
    for chunk in chunks:
        r, t = splitter.feed(chunk)
        reasoning += r
        text += t
    return reasoning, text, splitter.flush()


def test_whole_tags_in_one_chunk() -> None:
    assert run([REPLY]) == ("abc", "def", ("", ""))


@pytest.mark.parametrize("cut", range(len(REPLY) + 1))
def test_split_in_two_at_every_position(cut: int) -> None:
    assert run([REPLY[:cut], REPLY[cut:]]) == ("abc", "def", ("", ""))


def test_split_in_three_at_every_pair_of_positions() -> None:
    for a, b in itertools.combinations(range(len(REPLY) + 1), 2):
        chunks = [REPLY[:a], REPLY[a:b], REPLY[b:]]
        assert run(chunks) == ("abc", "def", ("", "")), chunks


def test_single_character_chunks() -> None:
    assert run(list(REPLY)) == ("abc", "def", ("", ""))


def test_random_chunkings_of_a_longer_reply() -> None:
    reasoning = "Let me think < about </thin this > carefully.\n中文推理 🤔"
    answer = "The answer is <b>42</b>.\n代码：`x < y`"
    full = f"\n  <think>{reasoning}</think>\n\n{answer}"
    rng = random.Random(1234)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(full)), rng.randint(1, 12)))
        chunks = [full[i:j] for i, j in zip([0, *cuts], [*cuts, len(full)], strict=True)]
        r, t, flushed = run(chunks)
        assert (r + flushed[0], t + flushed[1]) == (reasoning, answer), chunks
        assert flushed == ("", "")


def test_reasoning_streams_as_it_arrives() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>first ") == ("first ", "")
    assert splitter.feed("second") == ("second", "")
    assert splitter.feed(" third</") == (" third", "")  # "</" held: could be the close tag
    assert splitter.feed("think>answer") == ("", "answer")
    assert splitter.feed(" more") == ("", " more")


def test_lookalike_close_tag_is_reasoning() -> None:
    splitter = ThinkTagSplitter()
    splitter.feed("<think>")
    assert splitter.feed("a </thin") == ("a ", "")
    assert splitter.feed("g> b") == ("</thing> b", "")


def test_leading_whitespace_before_think() -> None:
    assert run(["\n\n  ", "<think>abc</think>def"]) == ("abc", "def", ("", ""))
    assert run([" \n<think>abc</think>def"]) == ("abc", "def", ("", ""))


def test_no_think_tag_is_text_immediately() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("Hello") == ("", "Hello")
    assert splitter.feed(" <think>not reasoning</think>") == ("", " <think>not reasoning</think>")
    assert splitter.flush() == ("", "")


def test_whitespace_then_text_keeps_the_whitespace() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("\n") == ("", "")  # could still become "<think>"
    assert splitter.feed("Hello") == ("", "\nHello")


def test_lone_angle_bracket_is_held_then_released() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<") == ("", "")
    assert splitter.feed("b") == ("", "<b")
    assert splitter.feed(">bold") == ("", ">bold")


def test_think_lookalike_open_tags_are_text() -> None:
    assert run(["<thinking>x</thinking>"]) == ("", "<thinking>x</thinking>", ("", ""))
    assert run(["<th", "ink ", "x"]) == ("", "<think x", ("", ""))
    assert run(["<THINK>x</THINK>"]) == ("", "<THINK>x</THINK>", ("", ""))


def test_undecided_prefix_at_end_of_stream_is_text() -> None:
    assert run(["<thi"]) == ("", "", ("", "<thi"))


def test_unclosed_think_at_end_of_stream_is_reasoning() -> None:
    assert run(["<think>still thinking"]) == ("still thinking", "", ("", ""))
    reasoning, text, flushed = run(["<think>abc</th"])
    assert (reasoning, text) == ("abc", "")
    assert flushed == ("</th", "")  # the held-back part comes out as reasoning


def test_newlines_after_close_tag_are_stripped() -> None:
    assert run(["<think>abc</think>\n\ndef"]) == ("abc", "def", ("", ""))
    assert run(["<think>abc</think>", "\n", " \n", "def\n"]) == ("abc", "def\n", ("", ""))
    # Only the whitespace right after the tag goes; later whitespace stays.
    assert run(["<think>abc</think>\n", "d", "\n\ne"]) == ("abc", "d\n\ne", ("", ""))


def test_empty_think_block() -> None:
    assert run(["<think></think>", "answer"]) == ("", "answer", ("", ""))


def test_empty_chunks_are_harmless() -> None:
    assert run(["", "<think>", "", "abc", "", "</think>", "", "def", ""]) == (
        "abc",
        "def",
        ("", ""),
    )


def test_chinese_and_emoji_pass_through() -> None:
    assert run(["<think>想一想🤔</think>", "答案是 42 ✅"]) == (
        "想一想🤔",
        "答案是 42 ✅",
        ("", ""),
    )


# -- R1 templates that prefill "<think>": only the closing tag arrives ---------------------------

PREFILLED = "Let me see.</think>\n\nThe answer."


def run_prefilled(chunks: list[str], complete: bool = True) -> tuple[str, str, tuple[str, str]]:
    splitter = ThinkTagSplitter(prefilled=True)
    reasoning = text = ""
    for chunk in chunks:
        r, t = splitter.feed(chunk)
        reasoning += r
        text += t
    return reasoning, text, splitter.flush(complete=complete)


@pytest.mark.parametrize("cut", range(len(PREFILLED) + 1))
def test_prefilled_split_in_two_at_every_position(cut: int) -> None:
    chunks = [PREFILLED[:cut], PREFILLED[cut:]]
    assert run_prefilled(chunks) == ("Let me see.", "The answer.", ("", ""))


def test_prefilled_with_both_tags_still_works() -> None:
    assert run_prefilled(["<think>abc</think>", "def"]) == ("abc", "def", ("", ""))


def test_prefilled_empty_reasoning() -> None:
    assert run_prefilled(["</think>", "\n\nHi"]) == ("", "Hi", ("", ""))


def test_prefilled_reasoning_streams_before_the_tag() -> None:
    splitter = ThinkTagSplitter(prefilled=True)
    assert splitter.feed("Step one. ") == ("Step one. ", "")
    assert splitter.feed("Step two.</") == ("Step two.", "")
    assert splitter.feed("think>Done") == ("", "Done")
    assert splitter.reclassified is False


def test_prefilled_but_the_model_skipped_the_tags() -> None:
    """No </think> in a reply that ended normally: it was all answer after all."""
    splitter = ThinkTagSplitter(prefilled=True)
    assert splitter.feed("Just ") == ("Just ", "")
    assert splitter.feed("an answer.") == ("an answer.", "")
    assert splitter.flush(complete=True) == ("", "Just an answer.")
    assert splitter.reclassified is True


def test_prefilled_cut_off_stays_reasoning() -> None:
    reasoning, text, flushed = run_prefilled(["still ", "thinking</th"], complete=False)
    assert (reasoning, text, flushed) == ("still thinking", "", ("</th", ""))


def test_not_prefilled_by_default() -> None:
    assert run(["Hello</think>x"]) == ("", "Hello</think>x", ("", ""))
