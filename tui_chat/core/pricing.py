"""What replies cost, from the usage providers report and the prices in the config."""

from __future__ import annotations

import math

from tui_chat.config.model import Config
from tui_chat.config.provider import Prices
from tui_chat.core.session import Message, Session

PER = 1_000_000


def prices_of(config: Config, provider: str | None, model: str | None) -> Prices | None:
    """The configured prices of `model` on `provider`; None when none are set."""
    if not provider or not model:
        return None
    provider_config = config.provider(provider)
    return provider_config.prices_for(model) if provider_config else None


def usage_cost(prices: Prices, prompt: int, completion: int, cached: int | None) -> float:
    """Cost of one request: cached prompt tokens at the cached price (when set)."""
    cached = min(max(cached or 0, 0), prompt)
    cached_price = prices.input if prices.cached_input is None else prices.cached_input
    return (
        (prompt - cached) * prices.input + cached * cached_price + completion * prices.output
    ) / PER


def reply_cost(message: Message, config: Config) -> float | None:
    """Cost of one reply (its provider and model's prices); None without usage or prices."""
    if message.role != "assistant" or message.usage is None:
        return None
    prices = prices_of(config, message.provider, message.model)
    if prices is None:
        return None
    usage = message.usage
    return usage_cost(prices, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)


def session_cost(session: Session, config: Config) -> float | None:
    """Sum of the costs of the session's replies that have prices; None when none has."""
    total: float | None = None
    for message in session.messages:
        cost = reply_cost(message, config)
        if cost is not None:
            total = (total or 0.0) + cost
    return total


def currency_of(session: Session, config: Config) -> str:
    """The currency sign of the session's current model (else of any priced reply)."""
    prices = prices_of(config, session.provider, session.model)
    if prices is not None:
        return prices.currency
    for message in reversed(session.messages):
        prices = prices_of(config, message.provider, message.model)
        if prices is not None:
            return prices.currency
    return "$"


SMALLEST_COST = 0.000001
"""Below this a cost is shown as "<$0.000001" rather than with ever more zeros."""


def format_cost(amount: float, currency: str = "$") -> str:
    """ "$0.0042", "¥0.000031", "¥1.27": small amounts keep two significant digits, so a
    cheap reply is not "0.0000"."""
    if amount == 0:
        return f"{currency}0"
    if amount < SMALLEST_COST:
        return f"<{currency}{SMALLEST_COST:.6f}"
    if amount < 0.01:
        # Two significant digits, at least four decimals: 0.0042, 0.00042, 0.000031.
        decimals = max(4, 1 - math.floor(math.log10(amount)))
        return f"{currency}{amount:.{decimals}f}"
    if amount < 1:
        return f"{currency}{amount:.3f}"
    return f"{currency}{amount:.2f}"
