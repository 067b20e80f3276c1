"""Token estimates for text the server has not counted yet, and counts it has.

No tokenizer files: a heuristic that is fair to Chinese and English alike (CJK characters
are counted one by one, other text by length), then scaled by a per-session ratio learned
from the usage the provider reported for replies it sent. Numbers from it are estimates,
and the UI says so ("~").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from tui_chat.core.session import Message
from tui_chat.core.tool_turns import ToolCall

# CJK ideographs, kana and hangul: a common tokenizer spends about 0.6-1.3 tokens on each.
_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
# Punctuation-heavy text (code, JSON) costs more tokens per character than prose.
_SYMBOLS = re.compile(r"[^\w\s]")
CJK_TOKENS_PER_CHAR = 0.8
CHARS_PER_TOKEN = 4.0
MESSAGE_OVERHEAD = 4
"""Tokens each message costs besides its text (role and separators in the chat template)."""
CALL_OVERHEAD = 6
"""Tokens each tool call costs besides its name and arguments (the template's markup)."""
RATIO_RANGE = (0.5, 2.0)
MIN_CALIBRATION_TOKENS = 20
"""Replies shorter than this (estimated) are too noisy to calibrate with."""


@cache
def cjk_pattern() -> re.Pattern[str]:
    """The CJK character class, compiled on first use: compiling its wide ranges takes a
    few milliseconds, and ASCII text never needs it."""
    return re.compile(_CJK_CLASS)


@lru_cache(maxsize=65536)
def estimate_tokens(text: str) -> int:
    """About 0.8 token per CJK character, one per four other characters (a little more
    for symbols). Cached: a session's texts are estimated once, not on every request."""
    if not text:
        return 0
    cjk = 0 if text.isascii() else len(cjk_pattern().findall(text))
    other = len(text) - cjk
    symbols = len(_SYMBOLS.findall(text)) if other else 0
    return max(1, round(cjk * CJK_TOKENS_PER_CHAR + other / CHARS_PER_TOKEN + symbols * 0.25))


def reply_text_tokens(message: Message) -> int | None:
    """The tokens of a reply's text as the provider counted them (completion tokens less
    reasoning), when they can be told apart; None otherwise."""
    usage = message.usage
    if message.role != "assistant" or usage is None or usage.completion_tokens <= 0:
        return None
    if message.is_image_turn:
        return None  # an image model's usage says nothing about the reply's text
    if message.tool_rounds:
        return None  # the rounds' text and calls may be counted in too, in an unknown share
    if usage.reasoning_tokens is not None:
        counted = usage.completion_tokens - usage.reasoning_tokens
        return counted if counted > 0 else None
    if message.reasoning:
        return None  # reasoning was counted in too, in an unknown share
    return usage.completion_tokens


def calibration_ratio(messages: Iterable[Message]) -> float:
    """Reported / estimated tokens over the replies whose usage says how long their text
    was: how far off the heuristic is for this session's provider and language."""
    counted = estimated = 0
    for message in messages:
        exact = reply_text_tokens(message)
        if exact is None:
            continue
        guess = estimate_tokens(message.content)
        if guess < MIN_CALIBRATION_TOKENS:
            continue
        counted += exact
        estimated += guess
    if not estimated:
        return 1.0
    low, high = RATIO_RANGE
    return min(high, max(low, counted / estimated))


def message_tokens(message: Message, ratio: float = 1.0) -> int:
    """Tokens a message takes in a request: the provider's count for a reply when known,
    else the calibrated estimate; plus the per-message overhead. A turn with tool calls
    also sends its rounds (`tool_rounds_tokens`)."""
    exact = reply_text_tokens(message)
    if exact is None:
        exact = round(estimate_tokens(message.content) * ratio)
    return exact + MESSAGE_OVERHEAD + tool_rounds_tokens(message, ratio)


def call_tokens(call: ToolCall, ratio: float = 1.0) -> int:
    """Tokens a call takes on its round's assistant message: its id, name and arguments."""
    text = f"{call.id} {call.name} {call.wire_arguments()}"
    return round(estimate_tokens(text) * ratio) + CALL_OVERHEAD


def result_tokens(call: ToolCall, ratio: float = 1.0) -> int:
    """Tokens of the `role: "tool"` message that answers a call (what the model is told)."""
    return round(estimate_tokens(call.wire_result()) * ratio) + MESSAGE_OVERHEAD


def tool_rounds_tokens(message: Message, ratio: float = 1.0) -> int:
    """Tokens the tool rounds of a turn add to a request: per round an assistant message
    (its text and calls), then one tool message per call. A round's reasoning is left out:
    only some dialects send it back (estimates stay on the side of the usual case)."""
    total = 0
    for tool_round in message.tool_rounds:
        if not tool_round.calls:
            continue  # round_messages sends nothing for it
        total += round(estimate_tokens(tool_round.content) * ratio) + MESSAGE_OVERHEAD
        total += sum(call_tokens(c, ratio) + result_tokens(c, ratio) for c in tool_round.calls)
    return total


def turn_text_for_tokens(message: Message) -> str:
    """All the text of a turn a request carries, final answer last: each round's text,
    its calls' names and arguments, and their results. For estimates over plain text."""
    parts: list[str] = []
    for tool_round in message.tool_rounds:
        if not tool_round.calls:
            continue
        parts.append(tool_round.content)
        for call in tool_round.calls:
            parts.extend((call.name, call.wire_arguments(), call.wire_result()))
    parts.append(message.content)
    return "\n".join(p for p in parts if p)


def text_tokens(text: str, ratio: float = 1.0) -> int:
    """Calibrated estimate of a text sent as one message (overhead included)."""
    return round(estimate_tokens(text) * ratio) + MESSAGE_OVERHEAD
