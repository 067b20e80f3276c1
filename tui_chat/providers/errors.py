"""Turn SDK exceptions into a `ProviderError` in plain words.

Classify by HTTP status first and then by the body, not by `str(exc)`: error bodies differ
between providers (OpenAI-shaped, bare strings, `{"code": 20012, "message": ...}`).
"""

from __future__ import annotations

import re
from typing import Any

from tui_chat.providers.events import ProviderError
from tui_chat.sanitize import one_line

_CONTEXT = re.compile(
    r"context length|context window|maximum context|context size|input length|too long"
    r"|exceed_context|model_context_window_exceeded|prompt is too long",
    re.IGNORECASE,
)
_QUOTA = re.compile(
    r"quota|balance|arrear|billing|credit|payment|overdue|budget|insufficient.{0,20}(?:fund|balance)"
    r"|余额|欠费|额度|充值",
    re.IGNORECASE,
)


def body_message(body: Any) -> str:
    """The server's own words from an error body of any shape, made safe to show."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            text = inner.get("message") or inner.get("msg") or inner.get("detail") or ""
            return one_line(str(text), 200)
        if isinstance(inner, str):
            return one_line(inner, 200)
        text = body.get("message") or body.get("detail") or ""
        return one_line(str(text), 200)
    if isinstance(body, str):
        return one_line(body, 200)
    return ""


def classify(exc: BaseException, key_hint: str, model: str, base_url: str) -> ProviderError:
    """A ProviderError for an exception raised while opening or reading a stream."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, key_hint, model, base_url)
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            "timeout",
            "No answer in time",
            f"The server at {base_url} stopped answering. Press ctrl+r to try again.",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "connection",
            "Connection failed",
            f"Could not reach {base_url} or the connection dropped. "
            "Check the network and base_url, then press ctrl+r.",
        )
    if isinstance(exc, openai.APIError):
        said = body_message(exc.body) or one_line(str(exc.message), 200)
        return ProviderError(
            "stream_error",
            "The server reported an error mid-reply",
            f"{said} Press ctrl+r to try again.".strip(),
        )
    return ProviderError(
        "unknown",
        "Unexpected error",
        f"{type(exc).__name__}: {one_line(str(exc), 200)}",
    )


def _from_status(exc: Any, key_hint: str, model: str, base_url: str) -> ProviderError:
    status: int = exc.status_code
    said = body_message(exc.body)
    detail = f" The server said: {said}" if said else ""
    retry_after = _retry_after(exc)
    if status in (401, 403) and not _QUOTA.search(said):
        return ProviderError(
            "auth",
            f"The API key was rejected ({status})",
            f"Check {key_hint}.{detail}",
            status,
        )
    if status == 402 or (status in (401, 403, 429) and _QUOTA.search(said)):
        return ProviderError(
            "quota",
            f"Out of balance or quota ({status})",
            f"Top up or check the plan of this account.{detail}",
            status,
        )
    if status == 429:
        wait = f" Wait {retry_after:.0f} s, then" if retry_after else " Wait a moment, then"
        return ProviderError(
            "rate_limit", "Rate limited (429)", f"{wait} press ctrl+r.{detail}", status, retry_after
        )
    if status == 404:
        return ProviderError(
            "not_found",
            "Not found (404)",
            f"Model '{model}' or the URL {base_url} does not exist there.{detail}",
            status,
        )
    if status in (400, 413, 422) and _CONTEXT.search(said):
        return ProviderError(
            "context_length",
            "The conversation is too long for this model",
            f"Start a new session or use a model with a larger context window.{detail}",
            status,
        )
    if 400 <= status < 500:
        return ProviderError(
            "bad_request", f"The request was refused ({status})", detail.strip(), status
        )
    return ProviderError(
        "server",
        f"Server error ({status})",
        f"The provider is failing or busy. Press ctrl+r to try again.{detail}",
        status,
        retry_after,
    )


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            continue
    return None
