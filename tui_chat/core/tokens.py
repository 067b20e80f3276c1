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

# CJK ideographs, kana and hangul: a common tokenizer spends about 0.6-1.3 tokens on each.
_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
# Punctuation-heavy text (code, JSON) costs more tokens per character than prose.
_SYMBOLS = re.compile(r"[^\w\s]")
CJK_TOKENS_PER_CHAR = 0.8
CHARS_PER_TOKEN = 4.0
MESSAGE_OVERHEAD = 4
"""Tokens each message costs besides its text (role and separators in the chat template)."""
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
    else the calibrated estimate; plus the per-message overhead."""
    exact = reply_text_tokens(message)
    if exact is None:
        exact = round(estimate_tokens(message.content) * ratio)
    return exact + MESSAGE_OVERHEAD


def text_tokens(text: str, ratio: float = 1.0) -> int:
    """Calibrated estimate of a text sent as one message (overhead included)."""
    return round(estimate_tokens(text) * ratio) + MESSAGE_OVERHEAD
