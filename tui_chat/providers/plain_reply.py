"""Answers to a streamed chat request that are not a stream.

A proxy may ignore `stream: true` and answer one JSON `chat.completion`; a wrong base_url
may land on a web page served with status 200. The SDK reads both as an event stream with
no events, which looks like a reply cut off and throws the answer away. Here a plain
completion becomes one chunk, so the stream's own reading (reasoning fields, inline
<think>, usage, finish reason) applies to it unchanged, and anything else becomes a
`WireError` that says what the server sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, NoReturn

from tui_chat.core.sanitize import one_line
from tui_chat.providers.errors import WireError
from tui_chat.providers.events import ProviderError

_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_DATA_LINE = re.compile(r"^data:", re.MULTILINE)
_VERSIONED = re.compile(r"/v\d+/?$")  # ends in /v1 (Zhipu: /v4)


def answers_plainly(response: Any) -> bool:
    """The response is a JSON document or a web page rather than an event stream. Other
    content types (and none) are read as a stream, as before: some servers label their
    stream wrongly, and a stream must stay live."""
    content_type = response.headers.get("content-type", "").lower()
    return "json" in content_type or "html" in content_type


async def plain_chunks(response: Any, base_url: str) -> AsyncIterator[Any]:
    """The chunks a plain answer amounts to (one for a completion). Raises WireError for a
    web page or a body that is not a completion, and the SDK's APIError for a JSON error
    object sent with status 200 (the caller classifies both)."""
    body = (await response.aread()).decode("utf-8", "replace")
    for chunk in _chunks_of(body, response, base_url):
        yield chunk


def _chunks_of(body: str, response: Any, base_url: str) -> Iterator[Any]:
    from openai.types.chat import ChatCompletionChunk  # deferred like the SDK itself

    content_type = response.headers.get("content-type", "").lower()
    if "html" in content_type or body.lstrip().startswith("<"):
        raise WireError(_web_page(body, base_url))
    try:
        data = json.loads(body)
    except ValueError:
        if not _DATA_LINE.search(body):
            raise WireError(_not_a_completion(body, content_type)) from None
        # A stream labelled as JSON: its events, read at once (it has ended).
        for event in _sse_data(body, response):
            yield ChatCompletionChunk.construct(**event)
        return
    if isinstance(data, dict) and data.get("error"):
        _raise_in_band(data["error"], response)
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise WireError(_not_a_completion(body, content_type))
    yield ChatCompletionChunk.construct(**_as_chunk(data))


def _as_chunk(completion: dict[str, Any]) -> dict[str, Any]:
    """A `chat.completion` as the one chunk a stream of it would add up to: each choice's
    `message` (content, reasoning fields) as its `delta`. The whole document arrived, so a
    missing finish_reason means a normal end."""
    choices = []
    for index, choice in enumerate(completion["choices"]):
        if not isinstance(choice, dict):
            continue
        message = choice.get("message")
        delta = dict(message) if isinstance(message, dict) else {}
        choices.append(
            {
                "index": choice.get("index", index),
                "delta": delta,
                "finish_reason": choice.get("finish_reason") or "stop",
            }
        )
    chunk = {key: value for key, value in completion.items() if key != "choices"}
    chunk["object"] = "chat.completion.chunk"
    chunk["choices"] = choices
    return chunk


def _sse_data(body: str, response: Any) -> Iterator[dict[str, Any]]:
    """The JSON objects of a body's `data:` lines, in order. A line that is not JSON raises
    JSONDecodeError after the events before it (classified as a malformed event)."""
    for line in body.splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data.startswith("[DONE]"):
            return
        event = json.loads(data)
        if isinstance(event, dict) and event.get("error"):
            _raise_in_band(event["error"], response)
        if isinstance(event, dict):
            yield event


def _raise_in_band(error: Any, response: Any) -> NoReturn:
    import openai

    message = error.get("message") if isinstance(error, dict) else None
    raise openai.APIError(
        message if isinstance(message, str) else "The server answered with an error",
        response.request,
        body=error,
    )


def _web_page(body: str, base_url: str) -> ProviderError:
    match = _TITLE.search(body)
    title = one_line(match.group(1), 60) if match else ""
    page = f" (“{title}”)" if title else ""
    versioned = _VERSIONED.search(base_url)
    advice = "" if versioned else " OpenAI-compatible APIs usually end in /v1."
    return ProviderError(
        "web_page",
        "The server answered with a web page",
        f"Is base_url right? It is {base_url}; the page{page} is not an API's answer.{advice}",
    )


def _not_a_completion(body: str, content_type: str) -> ProviderError:
    said = one_line(body, 80)
    kind = content_type.split(";")[0].strip() or "no content type"
    return ProviderError(
        "not_a_stream",
        "The server's answer is not a chat reply",
        f"It sent {kind}: {said or '(nothing)'}. Is base_url right?",
    )
