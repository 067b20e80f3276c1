"""`/image [options] PROMPT` parsed into an ImageRequest, or a plain-words problem that
ends with the usage and an example; and `/image` in the slash command table."""

from __future__ import annotations

import pytest

from tui_chat.config.images_config import ImagesConfig
from tui_chat.core import slash
from tui_chat.core.image_command import (
    IMAGE_EXAMPLE,
    IMAGE_USAGE,
    MAX_SEED,
    parse_image_command,
    parse_size,
)
from tui_chat.core.images import MAX_IMAGE_COUNT, ImageRequest


def request(text: str, defaults: ImagesConfig | None = None) -> ImageRequest:
    result = parse_image_command(text, defaults)
    assert isinstance(result, ImageRequest), result
    return result


def problem(text: str) -> str:
    result = parse_image_command(text)
    assert isinstance(result, str), result
    assert result.endswith(f"Usage: {IMAGE_USAGE}. Example: {IMAGE_EXAMPLE}")
    return result


# -- prompts --------------------------------------------------------------------------------


def test_a_plain_prompt() -> None:
    assert request("a red fox") == ImageRequest(prompt="a red fox")


def test_a_chinese_prompt_is_untouched() -> None:
    assert request("一只在竹林里喝茶的熊猫").prompt == "一只在竹林里喝茶的熊猫"
    text = "水墨画风格，「山」与“云”， -- 留白 'x'"
    assert request(text).prompt == text


def test_the_prompt_keeps_its_quotes_dashes_and_lines() -> None:
    assert request('"a cat" -- with -n 3 in it').prompt == '"a cat" -- with -n 3 in it'
    got = request("  first line\n  second -s 1x1 line  ")
    assert got.prompt == "first line\n  second -s 1x1 line"


def test_options_after_the_prompt_belong_to_the_prompt() -> None:
    got = request("a fox -n 2")
    assert (got.prompt, got.count) == ("a fox -n 2", 1)


def test_double_dash_ends_the_options() -> None:
    assert request("-- -n is not an option here").prompt == "-n is not an option here"
    got = request("-n 2 -- --seed 5")
    assert (got.prompt, got.count, got.seed) == ("--seed 5", 2, None)


def test_control_characters_are_removed_from_the_prompt() -> None:
    assert request("a \x1b[31mred\x1b[0m fox\x07").prompt == "a red fox"


# -- options --------------------------------------------------------------------------------


def test_every_option() -> None:
    got = request(
        '-s 1024x768 -n 3 --seed 42 --model Kwai-Kolors/Kolors --no "text, watermark" 熊猫'
    )
    assert got == ImageRequest(
        prompt="熊猫",
        size="1024x768",
        count=3,
        seed=42,
        model="Kwai-Kolors/Kolors",
        negative_prompt="text, watermark",
    )


@pytest.mark.parametrize(
    "text",
    [
        "--size 1328x1328 p",
        "-s 1328*1328 p",
        "-s 1328X1328 p",
        "-s 1328×1328 p",
        "--size=1328x1328 p",
        '-s "1328 x 1328" p',
    ],
)
def test_size_forms_are_normalised(text: str) -> None:
    assert request(text).size == "1328x1328"


@pytest.mark.parametrize("text", ["-n 4 p", "--count 4 p", "--count=4 p"])
def test_count_forms(text: str) -> None:
    assert request(text).count == 4


def test_negative_prompt_quotes() -> None:
    assert request("--no blurry p").negative_prompt == "blurry"
    assert request("--no 'low quality, blurry' p").negative_prompt == "low quality, blurry"
    assert request("--no “文字，水印” 一只猫").negative_prompt == "文字，水印"
    got = request('--no="two words" p')
    assert (got.negative_prompt, got.prompt) == ("two words", "p")


def test_seed_bounds() -> None:
    assert request("--seed 0 p").seed == 0
    assert request(f"--seed {MAX_SEED} p").seed == MAX_SEED


def test_defaults_come_from_the_images_table() -> None:
    defaults = ImagesConfig(size="768x1344", count=2)
    got = request("p", defaults)
    assert (got.size, got.count) == ("768x1344", 2)
    got = request("-s 512x512 -n 1 p", defaults)
    assert (got.size, got.count) == ("512x512", 1)
    assert request("p").size is None and request("p").count == 1


# -- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_nothing_says_the_usage_with_an_example(text: str) -> None:
    said = problem(text)
    assert said.startswith("Say what to draw.")
    assert "/image 一只在竹林里喝茶的熊猫" in said


def test_only_options_says_the_prompt_is_missing() -> None:
    assert problem("-s 1024x1024 -n 2").startswith("Say what to draw after the options.")
    assert problem("-n 2 --").startswith("Say what to draw after the options.")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-s big p", "-s takes WIDTHxHEIGHT, each side 64 to 4096 pixels, like 1024x1024"),
        ("-s big p", "(not 'big')"),
        ("--size 10x10 p", "(not '10x10')"),
        ("--size 8192x1024 p", "each side 64 to 4096"),
        ("-s 1024x p", "-s takes WIDTHxHEIGHT"),
        ("-n 0 p", f"-n takes how many images, 1 to {MAX_IMAGE_COUNT} (not '0')"),
        ("-n 5 p", "(not '5')"),
        ("--count two p", "--count takes how many images"),
        ("-n ３ p", "(not '３')"),  # a full-width digit is not taken for a number
        ("--seed -1 p", f"--seed takes a whole number from 0 to {MAX_SEED} (not '-1')"),
        (f"--seed {MAX_SEED + 1} p", "--seed takes a whole number"),
        ("--seed 1.5 p", "(not '1.5')"),
        ("-x p", "Unknown option -x. Options go before the prompt; put -- before a prompt"),
        ("--negative p", "Unknown option --negative."),
        ("-s", "-s needs a value."),
        ("--model", "--model needs a value."),
        ("--model -- p", "--model needs a value."),
        ("--size= 1024x1024 p", "--size needs a value."),
        ("-n=2 p", "Write -n VALUE, without '='."),
        ('--no "unclosed p', "The quote after --no is not closed."),
        ('--no "" p', "--no needs text after it."),
        ("-s 512x512 --size 1024x1024 p", "-s and --size are both given: keep one."),
        ("-n 1 -n 2 p", "-n and -n are both given"),
    ],
)
def test_problems_in_plain_words(text: str, fragment: str) -> None:
    assert fragment in problem(text)


def test_a_hostile_value_is_quoted_back_safely_and_short() -> None:
    said = problem("-s \x1b]0;title\x07" + "9" * 80 + " p")
    assert "\x1b" not in said and "\x07" not in said
    assert "…" in said


# -- sizes ----------------------------------------------------------------------------------


def test_parse_size() -> None:
    assert parse_size("1024x1024") == "1024x1024"
    assert parse_size(" 64 * 4096 ") == "64x4096"
    assert parse_size("63x64") is None
    assert parse_size("1024") is None
    assert parse_size("1024x1024x3") is None
    assert parse_size("-1x5") is None


# -- the slash command ----------------------------------------------------------------------


def test_image_is_a_slash_command_with_its_options_in_the_help() -> None:
    command = slash.find("image")
    assert command is not None and command.arg == "optional"
    assert command.usage == "/image [OPTIONS] PROMPT"
    for option in ("-s WxH", "-n N", "--seed N", "--model NAME", "--no TEXT"):
        assert option in command.help
    parsed = slash.parse("/image -n 2 一只熊猫")
    assert isinstance(parsed, slash.Parsed) and parsed.arg == "-n 2 一只熊猫"
    assert [c.name for c in slash.matches("im")] == ["image"]
