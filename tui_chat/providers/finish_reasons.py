"""What a reply's finish reason means, in the user's words.

Apart from the stream events (`events`, whose dataclasses take a few ms to import) because
a reply's meta line needs only these words: a first screen that opens a session shows them
before anything streams.
"""

from __future__ import annotations

CONTINUE_HINT = "Alt+G continues it, "
"""Left out where there is no answer text to continue (all the tokens went to thinking)."""
UNOFFERED_TOOL_CALLS = (
    "The model asked to call a tool, but this session offers none (F2 or /tools turns tools on)."
)
"""Said by the reply loop for a reply that ended in tool calls when none were offered
(tools off for the session, or a model calling tools it was never given)."""
_CUT_OFF = (
    f"Cut off at max tokens. {CONTINUE_HINT}Ctrl+R writes a new reply; a higher Max "
    "tokens in the session settings leaves more room."
)
# Plain words for finish reasons other than "stop". Providers add their own values (DeepSeek,
# Zhipu, SiliconFlow, OpenRouter, vLLM); see providers.md §1.3.
_FINISH_REASONS: dict[str, str] = {
    "length": _CUT_OFF,
    "max_tokens": _CUT_OFF,
    "content_filter": "Stopped by the provider's content filter.",
    "sensitive": "Stopped by the provider's content filter.",
    # A turn whose calls the reply loop ran ends with its final round's reason; a reply
    # still ending in "tool_calls" asked for calls while no tools were offered.
    "tool_calls": UNOFFERED_TOOL_CALLS,
    "function_call": "The model asked to call a function, which tui-chat does not run.",
    "insufficient_system_resource": (
        "The provider ran out of capacity and cut the reply short. Try again later."
    ),
    "aborted": "The provider aborted the reply.",
    "abort": "The server aborted the reply.",
    "network_error": "The provider lost its connection to the model mid-reply. Try again.",
    "model_context_window_exceeded": (
        "The conversation filled the model's context window. Start a new session."
    ),
    "repetition": "Stopped because the model kept repeating itself.",
    "error": "The provider reported an error mid-reply. Try again.",
    "eos": "",  # SiliconFlow's name for a normal end
    "end_turn": "",
    "stop_sequence": "",
}


def describe_finish_reason(reason: str | None) -> str | None:
    """What a finish reason means for the user; None for a normal end (or none given)."""
    if not reason or reason == "stop":
        return None
    known = _FINISH_REASONS.get(reason)
    if known is not None:
        return known or None
    return f"The reply ended early (finish_reason: {reason})."
