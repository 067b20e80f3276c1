"""Context windows: how many tokens a model takes in one request.

The config's `context_window` for a model wins; otherwise a built-in table of common models
(matched on the model name without its vendor prefix, most specific pattern first).
"""

from __future__ import annotations

from tui_chat.config.model import Config

# (substring of the lower-cased model name, window). The first match wins, so longer,
# more specific names come before their families. Figures from the providers' model pages.
_KNOWN: tuple[tuple[str, int], ...] = (
    ("qwen-long", 10_000_000),
    ("qwen3-max", 262_144),
    ("qwen-max", 32_768),
    ("qwen-plus", 131_072),
    ("qwen-flash", 1_000_000),
    ("qwen-turbo", 1_000_000),
    ("qwq", 131_072),
    ("qwen3-coder", 262_144),
    ("qwen3-235b-a22b-instruct-2507", 262_144),
    ("qwen3", 131_072),
    ("qwen2.5", 131_072),
    ("deepseek-v4", 1_000_000),
    ("deepseek-v3.2", 163_840),
    ("deepseek-v3.1", 131_072),
    ("deepseek-v3", 131_072),
    ("deepseek-r1", 131_072),
    ("deepseek-chat", 131_072),
    ("deepseek-reasoner", 131_072),
    ("glm-4.6", 204_800),
    ("glm-4.5", 131_072),
    ("glm-4", 128_000),
    ("kimi-k2", 262_144),
    ("moonshot-v1-128k", 131_072),
    ("gpt-4.1", 1_047_576),
    ("gpt-4o", 128_000),
    ("gpt-5", 400_000),
    ("o4-mini", 200_000),
    ("o3", 200_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-3.5-turbo", 16_385),
    ("claude", 200_000),
    ("gemini-2.5", 1_048_576),
    ("gemini", 1_048_576),
    ("llama3.2", 131_072),
    ("llama-3.2", 131_072),
    ("llama3.1", 131_072),
    ("llama-3.1", 131_072),
    ("mistral-large", 131_072),
)
UNKNOWN_WINDOW = 32_768
"""Assumed when nothing says otherwise (the UI marks it as a guess and asks once)."""
REPLY_ROOM_DEFAULT = 4096
"""Tokens left for the reply when the session sets no max_tokens (at most a quarter of
the window)."""


def known_window(model: str) -> int | None:
    """The built-in window of `model`, or None when it is not in the table."""
    name = model.lower()
    for pattern, window in _KNOWN:
        if pattern in name:
            return window
    return None


def context_window(config: Config, provider: str, model: str) -> int | None:
    """The configured window of the model (`model_settings`), else the built-in one."""
    provider_config = config.provider(provider)
    if provider_config is not None:
        configured = provider_config.context_window_for(model)
        if configured:
            return configured
    return known_window(model)


def reply_room(window: int, max_tokens: int | None) -> int:
    """Tokens to leave free for the reply."""
    if max_tokens:
        return min(max_tokens, window // 2)
    return min(REPLY_ROOM_DEFAULT, window // 4)
