"""A request refused because of its tools: the model (or the server) does not take them.

The reply loop turns tools off for the session and sends the round again without them
(kind "tools_unsupported"), so the words must be told apart from other 400s.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tui_chat.providers.events import ProviderError

# A refusal that names tools as unsupported: Ollama "… does not support tools", vLLM
# "\"auto\" tool choice requires --enable-auto-tool-choice …", llama.cpp "tools param
# requires --jinja flag", OpenRouter "No endpoints found that support tool use" (404), and
# the plainer "tools/tool_choice/function calling is not supported".
_NAMES_TOOLS = re.compile(
    r"\b(tools?|tool[_ ]choice|tool[_ ]calls?|tool use|functions?|function[_ ]call(ing|s)?)\b",
    re.IGNORECASE,
)
_NOT_SUPPORTED = re.compile(
    r"not (be )?supported|unsupported|(does|do|can)( ?no|n['’]?)t (support|accept|take|use)"
    r"|not support|no endpoints found that support|enable-auto-tool-choice|--jinja"
    r"|not (enabled|available|allowed)|不支持",
    re.IGNORECASE,
)


def refuses_tools(error: ProviderError) -> bool:
    """The server refused the request because of its tools (the model or the server does
    not take them), by the words of its error."""
    if error.kind not in ("bad_request", "not_found", "server") or error.status not in (
        None,
        400,
        404,
        422,
        500,
    ):
        return False
    said = error.message
    for sentence in re.split(r"(?<=[.!?。])\s+", said):
        if _NAMES_TOOLS.search(sentence) and _NOT_SUPPORTED.search(sentence):
            return True
    return False


def tools_unsupported(error: ProviderError, model: str) -> ProviderError:
    """`error` as kind "tools_unsupported", in plain words, keeping the server's."""
    return replace(
        error,
        kind="tools_unsupported",
        title="This model does not take tools",
        message=f"{model} on this server refused the tools offered. Pick a model that takes "
        f"tools, or turn tools off for this session (F2). {error.message}".strip(),
        retryable=False,
        retry_after=None,
    )
