"""Turn SDK exceptions into a `ProviderError` in plain words.

Classify by the provider's own error code first, then by HTTP status and then by the body's
words, never by `str(exc)`: error bodies differ between providers (OpenAI-shaped, bare
strings, SiliconFlow's `{"code": 20012, "message": ...}`, Zhipu's numeric string codes).
Each dialect passes its own code table (`codes`) and hints; the common rules live here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tui_chat.config.keys import redact_secrets
from tui_chat.core.sanitize import one_line
from tui_chat.core.sentences import join_sentences
from tui_chat.providers.events import ProviderError
from tui_chat.providers.finish_reasons import CONTINUE_HINT

# Error kinds worth waiting for: the same request can succeed a little later.
RETRYABLE_KINDS = frozenset({"rate_limit", "busy"})

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
_CONTENT_FILTER = re.compile(
    r"content.?filter|data_inspection|inappropriate content|content management policy"
    r"|moderation|flagged|sensitive|敏感|不安全|违规",
    re.IGNORECASE,
)
_BUSY = re.compile(
    r"overload|too busy|server is busy|at capacity|temporarily unavailable|try again later"
    r"|系统繁忙|服务繁忙",
    re.IGNORECASE,
)
_JSON_WORD = re.compile(r"must contain the word .?json", re.IGNORECASE)

# Codes several providers share (OpenAI's slugs, copied by many servers). A dialect's own
# table is consulted first and may override these (DashScope uses `insufficient_quota` for
# a per-minute throttle).
COMMON_CODES: Mapping[str, str] = {
    "invalid_api_key": "auth",
    "insufficient_quota": "quota",
    "billing_hard_limit_reached": "quota",
    "rate_limit_exceeded": "rate_limit",
    "context_length_exceeded": "context_length",
    "exceed_context_size_error": "context_length",
    "content_filter": "content_filter",
    "content_policy_violation": "content_filter",
    "model_not_found": "not_found",
    "server_overloaded": "busy",
    "overloaded_error": "busy",
}


class WireError(Exception):
    """The server's answer is not what a chat request expects (a web page, a body that is
    neither a stream nor a completion); `error` says so in plain words."""

    def __init__(self, error: ProviderError) -> None:
        self.error = error
        super().__init__(f"{error.title}. {error.message}")


def redact(error: ProviderError, keys: Iterable[str | None] = ()) -> ProviderError:
    """`error` with the API key (`keys`: the resolved key) and anything shaped like a key
    masked out of its words: servers echo keys in error bodies, and the error is shown,
    saved in the session and may be logged. Applied where a provider turns what went wrong
    into the `Failed` event, and by the provider Test."""
    title, message = redact_secrets(error.title, keys), redact_secrets(error.message, keys)
    if (title, message) == (error.title, error.message):
        return error
    return dataclasses.replace(error, title=title, message=message)


def key_hint(source: str) -> str:
    """What to check after a 401, naming where the key really came from, in the words of
    `KeyLookup.source` (as `tui-chat config check` shows it): `$VAR`, `api_key in the
    config`, `command `…``, or "none needed"."""
    if source == "none needed":
        return "whether this server needs a key: none is configured (api_key_env or api_key_cmd)"
    if source == "api_key in the config":
        return "the api_key in the config"
    if source.startswith("command "):
        return f"the key printed by api_key_cmd {source.removeprefix('command ')}"
    return f"the key in {source}"


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


def body_codes(body: Any) -> list[str]:
    """The provider's own error codes in a body, most specific first: `code`, then `type`,
    from `{"error": {...}}` or from the top level (`{"code": 20012, ...}`)."""
    codes: list[str] = []
    if not isinstance(body, dict):
        return codes
    inner = body.get("error")
    for source in (inner, body):
        if isinstance(source, dict):
            for key in ("code", "type"):
                value = source.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    text = str(value).strip()
                    if text and text not in codes:
                        codes.append(text)
    return codes


def classify(
    exc: BaseException,
    key_hint: str,
    model: str,
    base_url: str,
    *,
    codes: Mapping[str, str] | None = None,
    hints: Mapping[str, str] | None = None,
) -> ProviderError:
    """A ProviderError for an exception raised while opening or reading a stream.

    `codes` maps the provider's error codes to kinds; `hints` adds a provider-specific
    sentence by "kind:status" or by kind, e.g. {"auth:403": ...} for SiliconFlow.
    """
    import openai

    if isinstance(exc, WireError):
        return exc.error
    if isinstance(exc, json.JSONDecodeError):
        # An SSE `data:` line that is not JSON (the SDK parses each event as it arrives).
        sent = one_line(exc.doc, 60)
        return ProviderError(
            "malformed",
            "The server sent a malformed event",
            f"An event of the stream was not JSON ({sent}), so the reply stops there. "
            "Press Ctrl+R to try again.",
        )
    if isinstance(exc, openai.APIStatusError) and 300 <= exc.status_code < 400:
        return _redirect(exc, base_url)
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, key_hint, model, base_url, codes or {}, hints or {})
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            "timeout",
            "No answer in time",
            f"The server at {base_url} stopped answering. Press Ctrl+R to try again.",
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "connection",
            "Connection failed",
            f"Could not reach {base_url} or the connection dropped. "
            "Check the network and base_url, then press Ctrl+R.",
        )
    if isinstance(exc, openai.APIError):
        return _in_band(exc, key_hint, model, base_url, codes or {})
    return ProviderError(
        "unknown",
        "Unexpected error",
        f"{type(exc).__name__}: {one_line(str(exc), 200)}",
    )


def kind_from_body(body: Any, said: str, codes: Mapping[str, str] | None = None) -> str | None:
    """The kind of a failure a server reports inside a successful answer (an asynchronous
    image task that ended FAILED): by its codes first, else by its words (a content filter,
    quota); None when neither says."""
    kind = _kind_from_codes(body, codes or {})
    if kind:
        return kind
    if _CONTENT_FILTER.search(said):
        return "content_filter"
    if _QUOTA.search(said):
        return "quota"
    return None


def explain(
    kind: str, said: str, key_hint: str, model: str, base_url: str, status: int | None = None
) -> ProviderError:
    """A ProviderError of `kind` in the words `classify` uses, for a failure that came
    without an HTTP error (an asynchronous task that failed); `said` is the server's own."""
    title, advice = _words(kind, status, key_hint, model, base_url, None, said)
    return ProviderError(
        kind,
        title,
        join_sentences(advice, f"The server said: {said}" if said else ""),
        status,
        retryable=kind in RETRYABLE_KINDS,
    )


def _kind_from_codes(body: Any, codes: Mapping[str, str]) -> str | None:
    for code in body_codes(body):
        kind = codes.get(code) or COMMON_CODES.get(code)
        if kind:
            return kind
    return None


def _kind_from_status(status: int, said: str) -> str:
    if status in (401, 403) and not _QUOTA.search(said):
        return "content_filter" if status == 403 and _CONTENT_FILTER.search(said) else "auth"
    if status == 402 or (status in (401, 403, 429) and _QUOTA.search(said)):
        return "quota"
    if status == 429:
        return "rate_limit"
    if status == 404:
        return "not_found"
    if status in (400, 413, 422) and _CONTEXT.search(said):
        return "context_length"
    if 400 <= status < 500 and _CONTENT_FILTER.search(said):
        return "content_filter"
    if status in (408, 409):
        return "busy"  # the server gave up waiting: the same request may go through now
    if 400 <= status < 500:
        return "bad_request"
    if status in (502, 503, 504, 529) or _BUSY.search(said):
        return "busy"
    return "server"


def _from_status(
    exc: Any,
    key_hint: str,
    model: str,
    base_url: str,
    codes: Mapping[str, str],
    hints: Mapping[str, str],
) -> ProviderError:
    status: int = exc.status_code
    said = body_message(exc.body)
    kind = _kind_from_codes(exc.body, codes) or _kind_from_status(status, said)
    retry_after = _retry_after(exc)
    title, advice = _words(kind, status, key_hint, model, base_url, retry_after, said)
    hint = hints.get(f"{kind}:{status}") or hints.get(kind)
    return ProviderError(
        kind,
        title,
        join_sentences(advice, hint, f"The server said: {said}" if said else ""),
        status,
        retry_after if kind in RETRYABLE_KINDS else None,
        retryable=kind in RETRYABLE_KINDS,
    )


def _words(
    kind: str,
    status: int | None,
    key_hint: str,
    model: str,
    base_url: str,
    retry_after: float | None,
    said: str,
) -> tuple[str, str]:
    """(title, what to do) for an error kind; `status` None for errors inside a stream."""
    code = f" ({status})" if status else ""
    if kind == "auth":
        return f"The API key was rejected{code}", f"Check {key_hint}."
    if kind == "quota":
        return (
            f"Out of balance or quota{code}",
            "Top up or check the plan of this account; trying again will not help until then.",
        )
    if kind == "account":
        return (
            f"The account cannot be used{code}",
            "Check the account's status with the provider; trying again will not help.",
        )
    wait = f"Wait {retry_after:.0f} s, then" if retry_after else "Wait a moment, then"
    if kind == "rate_limit":
        return f"Rate limited{code}", f"{wait} press Ctrl+R."
    if kind == "busy":
        return (
            f"The server is busy{code}",
            f"The provider is overloaded or timed out. {wait} press Ctrl+R.",
        )
    if kind == "not_found":
        return (
            f"Not found{code}",
            f"Model '{model}' or the URL {base_url} does not exist there.",
        )
    if kind == "context_length":
        return (
            "The conversation is too long for this model",
            "Start a new session or use a model with a larger context window.",
        )
    if kind == "content_filter":
        return (
            f"Blocked by the provider's content filter{code}",
            "The provider refused this conversation on content grounds. "
            "Rephrase the message or start a new session.",
        )
    if kind == "bad_request" and _JSON_WORD.search(said):
        return (
            "JSON mode needs the word “json” in the prompt",
            "Mention JSON in the system prompt or your message, or turn JSON mode off.",
        )
    if kind == "bad_request":
        return f"The request was refused{code}", ""
    return (
        f"Server error{code}",
        "The provider is failing. Press Ctrl+R to try again.",
    )


def _in_band(
    exc: Any, key_hint: str, model: str, base_url: str, codes: Mapping[str, str]
) -> ProviderError:
    """An error the server sent inside the stream (OpenRouter, vLLM error frames)."""
    said = body_message(exc.body) or one_line(str(exc.message), 200)
    kind = _kind_from_codes(exc.body, codes)
    if kind is None and _CONTEXT.search(said):
        kind = "context_length"
    # OpenRouter puts the HTTP-like status in `code`: 429/502/503 are worth another try.
    numeric = next((c for c in body_codes(exc.body) if c.isdigit()), "")
    retryable = kind in RETRYABLE_KINDS or numeric in ("408", "429", "502", "503", "529")
    if kind in (None, "busy", "rate_limit", "server"):
        return ProviderError(
            "stream_error",
            "The server reported an error mid-reply",
            join_sentences(said, "Press Ctrl+R to try again."),
            retryable=retryable,
        )
    title, advice = _words(kind, None, key_hint, model, base_url, None, said)
    said = f"The server said: {said}" if said else ""
    return ProviderError(kind, title, join_sentences(advice, said))


def _redirect(exc: Any, base_url: str) -> ProviderError:
    """Chat requests do not follow redirects: a 307/308 to another host would send it the
    whole conversation, to a server the user never chose. Say where base_url now points."""
    response = exc.response
    location = response.headers.get("location") or ""
    if location:
        # A relative Location, made absolute; a malformed one is shown as sent.
        with contextlib.suppress(Exception):
            location = str(response.url.join(location))
    where = one_line(location, 120) or "another address (no Location given)"
    return ProviderError(
        "redirect",
        f"base_url redirects to {where}",
        f"Update base_url ({base_url}) in the config; the conversation was not sent there.",
        exc.status_code,
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
            seconds = float(value) * scale
        except ValueError:
            continue  # an HTTP date: rare for APIs, treated as "no advice"
        if seconds >= 0:
            return seconds
    return None


def broken_off(error: ProviderError) -> ProviderError:
    """`error` for a stream that breaks after text arrived: the server was reached, so "could
    not reach … check base_url" misleads; what arrived is kept and can be continued."""
    if error.kind == "connection":
        title = "The connection dropped mid-reply"
    elif error.kind == "timeout":
        title = "The server stopped sending mid-reply"
    else:
        return error
    message = f"What arrived is kept. {CONTINUE_HINT}Ctrl+R writes a new reply."
    return dataclasses.replace(error, title=title, message=message)
