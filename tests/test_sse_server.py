"""Tests for the fake OpenAI server, driven through the real ``openai`` SDK over real HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

try:  # works whether or not tests/ is a package
    from tests.sse_server import FakeOpenAIServer, Script
except ImportError:  # pragma: no cover - rootdir-less layout
    from sse_server import FakeOpenAIServer, Script  # type: ignore[no-redef]

MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "Hi there"}]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A running server, stopped after the test."""
    with FakeOpenAIServer(models=["model-a", "model-b"]) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeOpenAIServer) -> AsyncIterator[openai.AsyncOpenAI]:
    """An SDK client pointed at the server, with retries disabled."""
    cli = openai.AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
    yield cli
    await cli.close()


async def _stream(client: openai.AsyncOpenAI, **kwargs: Any) -> Any:
    """Open a streaming chat completion with include_usage."""
    return await client.chat.completions.create(
        model=kwargs.pop("model", "test-model"),
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
        **kwargs,
    )


async def _collect(client: openai.AsyncOpenAI, **kwargs: Any) -> list[Any]:
    """Stream a chat completion and return every chunk."""
    stream = await _stream(client, **kwargs)
    return [chunk async for chunk in stream]


def _content(chunks: list[Any]) -> str:
    """Join the content deltas of the chunks."""
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _raw_request(port: int, request: bytes) -> bytes:
    """Send a raw HTTP request and return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while True:
            part = sock.recv(65536)
            if not part:
                return data
            data += part


def _post_raw(server: FakeOpenAIServer, body: dict[str, Any]) -> bytes:
    """POST a chat completion with Connection: close and return the raw response bytes."""
    payload = json.dumps(body).encode()
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return _raw_request(server.port, head.encode() + payload)


async def test_content_streams(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(content=["Hel", "lo", ", ", "world"]))
    chunks = await _collect(client, model="my-model")
    assert _content(chunks) == "Hello, world"
    first = chunks[0]
    assert first.object == "chat.completion.chunk"
    assert first.model == "my-model"
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    finish = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finish[-1] == "stop"
    assert all(f is None for f in finish[:-1])


async def test_default_script_and_model_override(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    chunks = await _collect(client)
    assert _content(chunks) == "Hello world"
    server.default = Script(content=["x"], model="served-model")
    chunks = await _collect(client)
    assert _content(chunks) == "x"
    assert {c.model for c in chunks} == {"served-model"}


async def test_scripts_are_fifo(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(content=["one"]), Script(content=["two"]))
    assert _content(await _collect(client)) == "one"
    assert _content(await _collect(client)) == "two"
    assert _content(await _collect(client)) == "Hello world"


@pytest.mark.parametrize("field_name", ["reasoning_content", "reasoning"])
async def test_reasoning_before_content(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI, field_name: str
) -> None:
    server.enqueue(Script(reasoning=["Let me ", "think"], reasoning_field=field_name))
    chunks = await _collect(client)
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    reasoning = [getattr(d, field_name, None) for d in deltas]
    assert "".join(r for r in reasoning if r) == "Let me think"
    # Reasoning deltas carry content null and precede every content delta.
    first_content = next(i for i, d in enumerate(deltas) if d.content)
    last_reasoning = max(i for i, r in enumerate(reasoning) if r)
    assert last_reasoning < first_content
    assert all(deltas[i].content is None for i, r in enumerate(reasoning) if r)
    if field_name == "reasoning_content":
        assert getattr(deltas[1], "reasoning_content", None) == "Let me "
    assert _content(chunks) == "Hello world"


async def test_usage_final_chunk(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    chunks = await _collect(client)
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (11, 7)
    assert last.usage.total_tokens == 18
    assert all(c.usage is None for c in chunks[:-1])


async def test_usage_final_chunk_needs_include_usage(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    stream = await client.chat.completions.create(
        model="m",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
    )
    chunks = [c async for c in stream]
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


async def test_usage_last_content_chunk(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(usage_mode="last_content_chunk"))
    chunks = await _collect(client)
    assert all(c.choices for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None and last.usage.total_tokens == 18
    assert all(c.usage is None for c in chunks[:-1])


async def test_usage_every_chunk_cumulative(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(content=["a", "b", "c"], usage_mode="every_chunk"))
    chunks = await _collect(client)
    assert all(c.choices for c in chunks)
    completion = [c.usage.completion_tokens for c in chunks]
    assert completion == sorted(completion)
    assert chunks[-1].usage.total_tokens == 18
    assert chunks[-1].usage.completion_tokens == 7
    assert all(c.usage.prompt_tokens == 11 for c in chunks)


async def test_usage_none(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(usage_mode="none"))
    chunks = await _collect(client)
    assert all(c.usage is None and c.choices for c in chunks)


async def test_no_finish_reason_no_done(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(finish_reason=None, send_done=False, usage_mode="none"))
    chunks = await _collect(client)
    assert _content(chunks) == "Hello world"
    assert all(c.choices[0].finish_reason is None for c in chunks)


async def test_finish_reason_length(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(finish_reason="length"))
    chunks = await _collect(client)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


async def test_status_401_authentication_error(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    error = {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
    server.enqueue(Script(status=401, error_body={"error": error}))
    with pytest.raises(openai.AuthenticationError) as info:
        await _stream(client)
    assert info.value.status_code == 401
    assert info.value.body == error  # the SDK unwraps the "error" key
    assert "Incorrect API key provided" in str(info.value)


async def test_status_bare_string_body(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(status=502, error_body="Bad gateway"))
    with pytest.raises(openai.InternalServerError) as info:
        await _stream(client)
    assert info.value.status_code == 502
    assert info.value.body == "Bad gateway"


async def test_status_429_retry_after(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}
    server.enqueue(Script(status=429, error_body=body, headers={"Retry-After": "3"}))
    with pytest.raises(openai.RateLimitError) as info:
        await _stream(client)
    assert info.value.response.headers["retry-after"] == "3"
    assert len(server.requests) == 1  # max_retries=0: no retry


async def test_status_error_non_stream(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(status=500))
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="m", messages=MESSAGES)  # type: ignore[arg-type]


async def test_cut_after_raises_connection_error(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(content=["a", "b", "c", "d"], cut_after=2))
    stream = await _stream(client)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert received == ["a", "b"]
    # A dropped connection is not a client disconnect.
    assert not server.wait_disconnected(0.1)


async def test_cut_after_raw_has_no_terminating_chunk(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["a", "b"], cut_after=1))
    raw = await asyncio.to_thread(_post_raw, server, {"model": "m", "stream": True})
    assert b'"content":"a"' in raw
    assert b'"content":"b"' not in raw
    assert not raw.endswith(b"0\r\n\r\n")


async def test_eof_after_ends_silently(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(content=["a", "b", "c"], eof_after=2))
    chunks = await _collect(client)
    assert _content(chunks) == "ab"
    assert all(c.choices and c.choices[0].finish_reason is None for c in chunks)


async def test_inband_error_raises_api_error(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    error = {"message": "Provider returned error", "code": 502}
    server.enqueue(Script(content=["partial"], inband_error=error))
    stream = await _stream(client)
    received: list[str] = []
    with pytest.raises(openai.APIError) as info:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert received == ["partial"]
    assert info.value.message == "Provider returned error"
    assert info.value.body == error
    assert not isinstance(info.value, openai.APIConnectionError)


async def test_hang_then_close_sets_disconnected(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(hang=True))
    stream = await _stream(client)  # returns once headers arrived
    assert stream.response.status_code == 200
    assert not server.wait_disconnected(0.2)
    await stream.close()
    assert await asyncio.to_thread(server.wait_disconnected, 5.0)


async def test_slow_stream_then_close_sets_disconnected(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(Script(content=["a"] * 100, delay=0.05))
    stream = await _stream(client)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    await stream.close()
    assert await asyncio.to_thread(server.wait_disconnected, 5.0)


async def test_completed_stream_is_not_a_disconnect(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    await _collect(client)
    await client.close()
    assert not server.wait_disconnected(0.2)


def test_stop_is_prompt_with_hanging_stream() -> None:
    srv = FakeOpenAIServer().start()
    srv.enqueue(Script(hang=True))
    result: dict[str, Any] = {}
    streaming = threading.Event()

    def run() -> None:
        async def go() -> None:
            cli = openai.AsyncOpenAI(base_url=srv.base_url, api_key="test", max_retries=0)
            stream = await _stream(cli)
            streaming.set()  # the headers came: the client waits for the body
            try:
                async for _ in stream:
                    pass
            except openai.APIConnectionError as exc:
                result["error"] = exc
            await cli.close()

        asyncio.run(go())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert streaming.wait(5)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1.5
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(result.get("error"), openai.APIConnectionError)


async def test_delays_and_comments(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(content=["a", "b"], delay=0.05, first_delay=0.1, comments=True))
    started = time.monotonic()
    chunks = await _collect(client)
    assert time.monotonic() - started >= 0.25
    assert _content(chunks) == "ab"
    server.enqueue(Script(content=["a", "b"], comments=True))
    raw = await asyncio.to_thread(_post_raw, server, {"model": "m", "stream": True})
    assert b": keep-alive\n\n" in raw


async def test_requests_recorded(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    await _collect(client, model="rec-model")
    server.wait_for_requests(1)
    req = server.requests[0]
    assert req["method"] == "POST"
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer test"
    assert req["json"]["messages"] == MESSAGES
    assert req["json"]["model"] == "rec-model"
    assert req["json"]["stream"] is True
    assert req["json"]["stream_options"] == {"include_usage": True}


def test_wait_for_requests_times_out() -> None:
    with FakeOpenAIServer() as srv, pytest.raises(TimeoutError):
        srv.wait_for_requests(1, timeout=0.1)


async def test_models_list(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    page = await client.models.list()
    assert [m.id for m in page.data] == ["model-a", "model-b"]
    assert all(m.owned_by == "test" for m in page.data)
    assert server.requests[-1]["method"] == "GET"
    assert server.requests[-1]["path"] == "/v1/models"
    assert server.requests[-1]["headers"]["authorization"] == "Bearer test"


async def test_unknown_route_404(server: FakeOpenAIServer) -> None:
    cli = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{server.port}/nope", api_key="test", max_retries=0
    )
    try:
        with pytest.raises(openai.NotFoundError) as info:
            await cli.models.list()
    finally:
        await cli.close()
    assert isinstance(info.value.body, dict)
    assert "Invalid URL" in info.value.body["message"]


async def test_non_stream_completion(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(content=["Hello", " there"], reasoning=["hmm"]))
    completion = await client.chat.completions.create(
        model="ns-model",
        messages=MESSAGES,  # type: ignore[arg-type]
    )
    assert completion.object == "chat.completion"
    assert completion.model == "ns-model"
    message = completion.choices[0].message
    assert message.content == "Hello there"
    assert getattr(message, "reasoning_content", None) == "hmm"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 18


async def test_raw_wire_format(server: FakeOpenAIServer) -> None:
    server.enqueue(Script(content=["a"]))
    raw = await asyncio.to_thread(
        _post_raw,
        server,
        {"model": "m", "stream": True, "stream_options": {"include_usage": True}},
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    assert headers["content-type"] == "text/event-stream"
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert body.endswith(b"0\r\n\r\n")
    # Decode the chunked framing.
    decoded = b""
    rest = body
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        decoded += rest[:size]
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]
    events = [e for e in decoded.decode().split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    payloads = [json.loads(e[len("data: ") :]) for e in events[:-1]]
    assert payloads[0]["choices"] == [
        {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    ]
    assert payloads[0]["id"] == "chatcmpl-test"
    assert isinstance(payloads[0]["created"], int)
    assert payloads[0]["usage"] is None
    assert payloads[1]["choices"][0]["delta"] == {"content": "a"}
    assert payloads[2]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert payloads[3]["choices"] == []
    assert payloads[3]["usage"]["total_tokens"] == 18


async def test_throughput_many_chunks(server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(Script(content=["x"] * 10_000))
    started = time.monotonic()
    chunks = await _collect(client)
    elapsed = time.monotonic() - started
    assert len(_content(chunks)) == 10_000
    assert elapsed < 20
