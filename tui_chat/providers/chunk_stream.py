"""A streamed chat completion whose chunks stay JSON, read like the SDK's chunk objects.

`chat.completions.create(stream=True)` builds a pydantic `ChatCompletionChunk` (choices,
deltas, tool call pieces, usage) from each event's JSON. For a reply of 10,000 chunks that
construction is most of the SDK's time, as long as a print() client's whole run, and it
runs in the app's one thread: every second of it is a second the screen cannot be drawn.
The chunks are read once, for a few fields, so here the SDK sends the same request (its
client: base URL, key, headers, timeouts, errors, its SSE reader and `[DONE]` and in-band
error handling) through its public `post` with `cast_to=object`, which hands each event's
JSON over as parsed; `JsonChunk` gives it the attribute reads the stream's reader uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


async def open_chunk_stream(
    client: Any,
    *,
    model: str,
    messages: list[dict[str, Any]],
    extra_body: Mapping[str, Any] | None,
    **fields: Any,
) -> Any:
    """What `client.chat.completions.create(model=..., messages=..., stream=True,
    extra_body=..., **fields)` sends, answered by an `AsyncStream` of JSON objects (use
    `JsonChunk` to read them). As `create`, `extra_body` is merged over the fields and
    only the provider's key is sent (never an admin key from the environment)."""
    import openai  # deferred: importing the SDK takes longer than starting the app

    body = {"model": model, "messages": messages, "stream": True, **fields}
    options: dict[str, Any] = {"security": {"bearer_auth": True}}
    if extra_body:
        options["extra_json"] = dict(extra_body)
    return await client.post(
        "/chat/completions",
        body=body,
        cast_to=object,
        stream=True,
        stream_cls=openai.AsyncStream[object],
        options=options,
    )


class JsonChunk:
    """A chunk's (or a choice's, or a delta's) JSON object read by attribute, as the
    SDK's objects are: a missing field reads None, `choices` and `delta` read as
    JsonChunks, everything else (usage, tool call pieces, reasoning details) as parsed
    (their readers take plain dicts too)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self._data.get(name)
        if name == "choices" and isinstance(value, list):
            return [JsonChunk(item) if isinstance(item, Mapping) else item for item in value]
        if name == "delta" and isinstance(value, Mapping):
            return JsonChunk(value)
        return value

    def __repr__(self) -> str:
        return f"JsonChunk({self._data!r})"


def as_chunk(event: object) -> Any:
    """An event of the stream, readable by attribute (the SDK's own objects as they are)."""
    return JsonChunk(event) if isinstance(event, Mapping) else event
