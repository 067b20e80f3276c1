"""`/image [options] PROMPT`: the text after `/image` -> an `ImageRequest`, or what is wrong
with it in plain words (with the usage line and an example), so the prompt keeps the text
and the user fixes it.

Options come first and the prompt is the rest, exactly as typed: a Chinese prompt, quotes,
dashes or line breaks inside it are not touched. `--` ends the options, for a prompt that
starts with `-`. An option's value may be quoted ("…", '…' or “…”) when it has spaces:
`--no "text, watermark"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.config.images_config import ImagesConfig
from tui_chat.core.images import MAX_IMAGE_COUNT, ImageRequest
from tui_chat.core.sanitize import single_line, strip_control

IMAGE_USAGE = "/image [-s WxH] [-n N] [--seed N] [--model NAME] [--no TEXT] PROMPT"
IMAGE_EXAMPLE = "/image 一只在竹林里喝茶的熊猫"
MIN_SIDE = 64
MAX_SIDE = 4096
"""Bounds of one side of `--size`, in pixels: beyond what any provider makes, so only a
typo is refused here; each provider says which sizes it takes."""
MAX_SEED = 2**31 - 1
"""The largest seed every provider takes (DashScope's limit; others take more)."""

_SIZE = re.compile(r"\s*(\d{1,5})\s*[xX*×]\s*(\d{1,5})\s*")
_QUOTES = {'"': '"', "'": "'", "“": "”"}


@dataclass(frozen=True)
class _Option:
    field: str
    """The ImageRequest field it sets."""
    read: Callable[[str, str], object]
    """(value, the option as typed) -> the field's value; raises _Problem."""


class _Problem(Exception):
    """What is wrong, in words, for the user."""


def parse_size(text: str) -> str | None:
    """`1024x1024`, `1024*1024`, `1024 X 1024` or `1024×1024` -> "1024x1024"; None when it
    is not a size or a side is outside MIN_SIDE..MAX_SIDE."""
    match = _SIZE.fullmatch(text)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        return None
    return f"{width}x{height}"


def _size(value: str, option: str) -> str:
    size = parse_size(value)
    if size is None:
        raise _Problem(
            f"{option} takes WIDTHxHEIGHT, each side {MIN_SIDE} to {MAX_SIDE} pixels, "
            f"like 1024x1024 (not '{_shown(value)}')."
        )
    return size


def _count(value: str, option: str) -> int:
    number = _whole(value)
    if number is None or not 1 <= number <= MAX_IMAGE_COUNT:
        raise _Problem(
            f"{option} takes how many images, 1 to {MAX_IMAGE_COUNT} (not '{_shown(value)}')."
        )
    return number


def _seed(value: str, option: str) -> int:
    number = _whole(value)
    if number is None or number > MAX_SEED:
        raise _Problem(
            f"{option} takes a whole number from 0 to {MAX_SEED} (not '{_shown(value)}')."
        )
    return number


def _text(value: str, option: str) -> str:
    text = strip_control(value).strip()
    if not text:
        raise _Problem(f"{option} needs text after it.")
    return text


def _model(value: str, option: str) -> str:
    return single_line(_text(value, option))


_OPTIONS: dict[str, _Option] = {
    "-s": _Option("size", _size),
    "--size": _Option("size", _size),
    "-n": _Option("count", _count),
    "--count": _Option("count", _count),
    "--seed": _Option("seed", _seed),
    "--model": _Option("model", _model),
    "--no": _Option("negative_prompt", _text),
}


def image_usage(problem: str = "") -> str:
    """`problem` (if any), then the usage line and an example."""
    lead = f"{problem} " if problem else ""
    return f"{lead}Usage: {IMAGE_USAGE}. Example: {IMAGE_EXAMPLE}"


def parse_image_command(text: str, defaults: ImagesConfig | None = None) -> ImageRequest | str:
    """The argument of `/image` (everything after the name) -> the request, with `[images]`
    size and count as defaults; or what is wrong, in plain words, ending with the usage."""
    defaults = defaults or ImagesConfig()
    values: dict[str, object] = {}
    given: dict[str, str] = {}  # field -> the option that set it (to name a repeat)
    rest = text
    try:
        while True:
            rest = rest.lstrip()
            token, after = _word(rest)
            if token == "--":
                rest = after
                break
            if not token.startswith("-"):
                break
            name, equals, inline = token.partition("=")
            option = _OPTIONS.get(name)
            if option is None:
                raise _Problem(
                    f"Unknown option {_shown(name)}. Options go before the prompt; "
                    "put -- before a prompt that starts with -."
                )
            if option.field in given:
                raise _Problem(f"{given[option.field]} and {name} are both given: keep one.")
            if equals and not name.startswith("--"):
                raise _Problem(f"Write {name} VALUE, without '='.")
            if equals and not inline:
                raise _Problem(f"{name} needs a value.")
            # `--no="a b"`: the value starts right after the '=' and may be quoted.
            value, rest = _value(rest[len(name) + 1 :] if equals else after, name)
            values[option.field] = option.read(value, name)
            given[option.field] = name
    except _Problem as problem:
        return image_usage(str(problem))
    prompt = strip_control(rest).strip()
    if not prompt:
        if given:
            return image_usage("Say what to draw after the options.")
        return image_usage("Say what to draw.")
    return ImageRequest(
        prompt=prompt,
        size=_str(values.get("size")) or defaults.size,
        count=_int(values.get("count")) or defaults.count,
        seed=_int(values.get("seed")),
        model=_str(values.get("model")),
        negative_prompt=_str(values.get("negative_prompt")),
    )


def _word(text: str) -> tuple[str, str]:
    """The first whitespace-separated word of `text` (which starts with no whitespace) and
    what follows it."""
    match = re.match(r"\S*", text)
    assert match is not None
    return match.group(0), text[match.end() :]


def _value(text: str, option: str) -> tuple[str, str]:
    """The value after `option` (a word, or a quoted text) and the text after it."""
    text = text.lstrip()
    close = _QUOTES.get(text[:1])
    if close is not None:
        end = text.find(close, 1)
        if end < 0:
            raise _Problem(f"The quote after {option} is not closed.")
        return text[1:end], text[end + 1 :]
    word, after = _word(text)
    if not word or word == "--":
        raise _Problem(f"{option} needs a value.")
    return word, after


def _whole(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _shown(value: str) -> str:
    """A typed value, safe and short, to quote back."""
    line = single_line(value)
    return line if len(line) <= 40 else line[:39] + "…"


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def image_command_text(request: ImageRequest) -> str:
    """The `/image …` line that asks for `request` again (to edit a sent one, or after a
    failure): its options, then the prompt as it was. `parse_image_command` reads it back
    to the same request (with no `[images]` defaults in between)."""
    words = ["/image"]
    if request.size:
        words += ["-s", request.size]
    if request.count != 1:
        words += ["-n", str(request.count)]
    if request.seed is not None:
        words += ["--seed", str(request.seed)]
    if request.model:
        words += ["--model", request.model]
    if request.negative_prompt:
        words += ["--no", f"“{request.negative_prompt}”"]
    if request.prompt.startswith("-"):
        words.append("--")
    return " ".join([*words, request.prompt])
