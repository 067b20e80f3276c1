"""A real, local, OpenAI-compatible HTTP server for tests and benchmarks.

The server speaks HTTP/1.1 on 127.0.0.1 (random free port) from a background thread and
streams chat completions as Server-Sent Events exactly like real providers do
(``Transfer-Encoding: chunked``, ``data: <json>\\n\\n`` events, ``data: [DONE]``). The chunked
framing is written by hand so a stream can be dropped mid-body (``Script.cut_after``).

Each ``POST /v1/chat/completions`` request consumes the next queued :class:`Script` (FIFO,
see :meth:`FakeOpenAIServer.enqueue`) or, when the queue is empty, ``FakeOpenAIServer.default``.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import math
import re
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

try:  # works whether tests/ is on sys.path (conftest) or imported as a package
    from sse_tool_calls import ToolCallScript, tool_call_deltas, tool_calls_message
except ImportError:  # pragma: no cover - package layout
    from tests.sse_tool_calls import (  # type: ignore[no-redef]
        ToolCallScript,
        tool_call_deltas,
        tool_calls_message,
    )

__all__ = ["FakeOpenAIServer", "Script", "ToolCallScript"]

_DISCONNECT_ERRORS: tuple[type[BaseException], ...] = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)
_POLL_INTERVAL = 0.05
_HOLD_KEEPALIVE = 1.0
"""Seconds between the keep-alive comments of a held stream (see Script.hold)."""
_DONE = b"data: [DONE]\n\n"
_COMMENT = b": keep-alive\n\n"
_MALFORMED = b'data: {"choices": [{"delta": {"content": "oops\n\n'
_TERMINATOR = b"0\r\n\r\n"


@dataclass
class Script:
    """What the server does for one /chat/completions request."""

    # Content delta chunks, in order.
    content: list[str] = field(default_factory=lambda: ["Hello", " world"])
    # Reasoning chunks, streamed BEFORE content.
    reasoning: list[str] = field(default_factory=list)
    # Delta key for reasoning: "reasoning_content" (DeepSeek) or "reasoning" (OpenRouter);
    # "reasoning_details" sends OpenRouter's typed list [{"type": "reasoning.text", ...}].
    reasoning_field: str = "reasoning_content"
    usage: dict[str, Any] | None = field(
        default_factory=lambda: {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    )
    # "final_chunk": extra chunk with choices=[] before [DONE], only if the request had
    #     stream_options.include_usage true;
    # "last_content_chunk": usage on the chunk carrying finish_reason (DeepSeek style);
    # "every_chunk": usage on every chunk (SiliconFlow style, cumulative);
    # "final_chunk_always": like "final_chunk" even without include_usage (OpenRouter);
    # "in_choice": inside choices[0] of the chunk carrying finish_reason (chunk usage null);
    # "none": never.
    usage_mode: str = "final_chunk"
    # Sent on a final chunk with an empty delta; None = never sent.
    finish_reason: str | None = "stop"
    # Send "data: [DONE]".
    send_done: bool = True
    # After N content chunks, drop the TCP connection abruptly (no terminating 0-chunk of the
    # chunked encoding) -> the SDK raises APIConnectionError.
    cut_after: int | None = None
    # After N content chunks, end the response cleanly (terminating chunk) with no
    # finish_reason and no [DONE].
    eof_after: int | None = None
    # If set, after content is sent emit `data: {"error": {...}}` (OpenRouter / vLLM style),
    # then [DONE].
    inband_error: dict[str, Any] | None = None
    # != 200: reply with this HTTP status and `error_body` as JSON (no stream).
    status: int = 200
    # e.g. {"error": {"message": "Incorrect API key provided", ...}}; a bare string is sent
    # verbatim as text/plain (like a proxy's error page). None = a default OpenAI-shaped error.
    error_body: Any = None
    # Extra response headers (e.g. {"Retry-After": "3"}).
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to sleep between chunks.
    delay: float = 0.0
    # Seconds to sleep before the first chunk (after headers).
    first_delay: float = 0.0
    # Send headers then nothing until the server stops or the client disconnects.
    hang: bool = False
    # Send the reasoning and content, then nothing more (the reply stays live) until the
    # server stops or the client disconnects; only keep-alive comments, so a client's read
    # timeout does not end it.
    hold: bool = False
    # Set: after `gate_after` content chunks, wait (sending keep-alive comments) until the
    # test sets this event, then send the rest. A test reads a reply that is surely
    # still streaming, whatever the speed of the machine.
    gate: threading.Event | None = None
    gate_after: int = 0
    # Set: after the chunk with finish_reason, wait (sending keep-alive comments) until it
    # is set before usage and [DONE] (a server that sends usage late).
    end_gate: threading.Event | None = None
    # Model name in chunks; default: echo the request's model.
    model: str | None = None
    # Interleave SSE comment lines ": keep-alive" between chunks.
    comments: bool = False
    # Answer one JSON chat.completion even when the request asked for a stream (a proxy that
    # ignores `stream: true`).
    ignore_stream: bool = False
    # Answer 200 with this body and `content_type` instead of a completion (a web page at a
    # wrong base_url, a JSON error object sent with 200).
    body: str | None = None
    content_type: str = "text/html; charset=utf-8"
    # After N content chunks, send an SSE `data:` line that is not JSON, then go on.
    malformed_after: int | None = None
    # Answer with a redirect (status 307 unless `status` is another 3xx) to this Location.
    redirect_to: str | None = None
    # Replace "{authorization}" in `error_body` with the request's Authorization header (a
    # server that echoes the key it was sent).
    echo_authorization: bool = False
    # Tool calls, streamed after the reasoning and content as `delta.tool_calls` (see
    # tests/sse_tool_calls.py); set finish_reason="tool_calls" as real servers do.
    tool_calls: list[ToolCallScript] = field(default_factory=list)
    # "stream" (call after call, arguments in pieces), "interleave" (heads, then pieces in
    # turn) or "whole" (all calls complete in one chunk, Zhipu without tool_stream).
    tool_call_style: str = "stream"
    # The first argument piece rides on the head (with id and name).
    tool_call_head_piece: bool = False
    # False: pieces carry no `index` key.
    tool_call_index: bool = True
    # Send id and type on every piece, not only on the head.
    tool_call_repeat_id: bool = False

    def tool_call_chunks(self) -> list[dict[str, Any]]:
        """The deltas that carry this script's tool calls."""
        return tool_call_deltas(
            self.tool_calls,
            self.tool_call_style,
            head_piece=self.tool_call_head_piece,
            with_index=self.tool_call_index,
            repeat_id=self.tool_call_repeat_id,
        )


def _error_json(message: str, type_: str = "invalid_request_error", code: Any = None) -> bytes:
    """An OpenAI-shaped error body."""
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return json.dumps(body).encode()


EMBEDDING_DIMENSIONS = 64
_WORD = re.compile(r"[\u3400-\u9fff]|[^\W\d_]+|\d+")


def embedding_of(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic bag-of-words vector: each word (each CJK character) adds ±1 at a
    hashed position, so texts that share words are similar, as with a real model."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest()
        number = int.from_bytes(digest, "big")
        vector[number % dimensions] += 1.0 if (number >> 16) & 1 else -1.0
    if not any(vector):
        vector[0] = 1e-3
    return vector


def _frame(data: bytes) -> bytes:
    """Wrap bytes in one HTTP/1.1 chunked-transfer-encoding chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(obj: Any) -> bytes:
    """One SSE ``data:`` event (compact JSON, like OpenAI), framed as an HTTP chunk."""
    return _frame(b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n")


def _scaled_usage(usage: dict[str, Any], fraction: float) -> dict[str, Any]:
    """Cumulative usage after ``fraction`` of the stream (for usage_mode="every_chunk")."""
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return usage
    done = math.floor(completion * fraction)
    scaled = dict(usage)
    scaled["completion_tokens"] = done
    if "total_tokens" in usage:
        scaled["total_tokens"] = prompt + done
    return scaled


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its owner and stays quiet about client disconnects."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: FakeOpenAIServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", owner.bind_port), owner.handler_class)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore socket errors (client went away, server stopping); report real bugs."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Routes requests of one connection (keep-alive) to the fake OpenAI endpoints."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    # -- plumbing -----------------------------------------------------------------------

    def setup(self) -> None:
        """Register the connection so stop() can close it."""
        super().setup()
        self.owner = self.server.owner
        self.owner._register(self.connection, threading.current_thread())

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self.owner._unregister(self.connection, threading.current_thread())

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default request logging."""

    def _read_body(self) -> bytes:
        """Read the request body (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _record(self) -> Any:
        """Read and parse the body and record the request; return the parsed JSON or None."""
        raw = self._read_body()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.owner._add_request(
            {"path": self.path, "method": self.command, "headers": headers, "json": body}
        )
        return body

    def _send(self, data: bytes) -> bool:
        """Write to the client; False (and mark a disconnect) if the client went away."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except _DISCONNECT_ERRORS:
            self._client_gone()
            return False
        except OSError:
            # The server is stopping and has shut the socket down under us.
            self.close_connection = True
            return False
        return True

    def _client_gone(self) -> None:
        """Note that the client closed the connection mid-response."""
        self.close_connection = True
        if not self.owner._stopping.is_set():
            self.owner._disconnected.set()

    def _keep_alive(self, until: threading.Event | None) -> bool:
        """Send keep-alive comments (providers send them while a model thinks), so the
        client's read timeout never ends the stream, until `until` is set (None: never).
        False if the client left or the server stops."""
        sent = time.monotonic()
        while until is None or not until.is_set():
            if not self._pause(_POLL_INTERVAL):
                return False
            if time.monotonic() - sent >= _HOLD_KEEPALIVE:
                if not self._send(_frame(_COMMENT)):
                    return False
                sent = time.monotonic()
        return True

    def _pause(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (inf = forever); False if the client left or server stops."""
        deadline = time.monotonic() + seconds
        stopping = self.owner._stopping
        while True:
            if stopping.is_set():
                self.close_connection = True
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            try:
                readable, _, _ = select.select(
                    [self.connection], [], [], min(remaining, _POLL_INTERVAL)
                )
                if readable:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        self._client_gone()
                        return False
                    # The client sent unexpected bytes; don't spin on a readable socket.
                    stopping.wait(min(remaining, _POLL_INTERVAL))
            except _DISCONNECT_ERRORS:
                self._client_gone()
                return False
            except (OSError, ValueError):
                self.close_connection = True
                return False

    def _drop(self) -> None:
        """Drop the connection abruptly (FIN without finishing the response body)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_simple(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> None:
        """Send a complete, non-streamed response with Content-Length."""
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        if self._send_headers(status, {**headers, **(extra or {})}):
            self._send(body)

    def _send_headers(self, status: int, headers: dict[str, str]) -> bool:
        """Send the status line and headers; False when the client is already gone."""
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
        except _DISCONNECT_ERRORS:
            self._client_gone()
            return False
        return True

    # -- routing ------------------------------------------------------------------------

    def _route(self) -> None:
        """Dispatch one request."""
        body = self._record()
        path = self.path.split("?", 1)[0].rstrip("/")
        if self.command == "POST" and path == "/v1/chat/completions":
            self._chat_completions(body)
        elif self.command == "POST" and path == "/v1/embeddings":
            self._embeddings(body)
        elif self.command == "GET" and path == "/v1/models" and self.owner.models_redirect:
            self._send_simple(307, b"", "text/plain", {"Location": self.owner.models_redirect})
        elif self.command == "GET" and path == "/v1/models" and self.owner.models_status != 200:
            status = self.owner.models_status
            self._send_simple(status, _error_json(f"Error {status}", "invalid_request_error"))
        elif self.command == "GET" and path == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "test"}
                for m in self.owner.models
            ]
            self._send_simple(200, json.dumps({"object": "list", "data": data}).encode())
        else:
            message = f"Invalid URL ({self.command} {self.path})"
            self._send_simple(404, _error_json(message))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _route

    def _chat_completions(self, body: Any) -> None:
        """Serve POST /v1/chat/completions according to the next Script."""
        if not isinstance(body, dict):
            msg = "We could not parse the JSON body of your request."
            self._send_simple(400, _error_json(msg))
            return
        script = self.owner._next_script()
        if script.redirect_to is not None:
            status = script.status if 300 <= script.status < 400 else 307
            location = {"Location": script.redirect_to}
            self._send_simple(status, b"", "text/plain", {**script.headers, **location})
        elif script.status != 200:
            self._send_error_status(script)
        elif script.body is not None:
            self._send_simple(200, script.body.encode(), script.content_type, script.headers)
        elif body.get("stream") is True and not script.ignore_stream:
            self._stream(script, body)
        else:
            self._non_stream(script, body)

    def _embeddings(self, body: Any) -> None:
        """Serve POST /v1/embeddings: `embedding_of` each input, or the set error status."""
        status = self.owner.embeddings_status
        if status != 200:
            message = self.owner.embeddings_error.replace(
                "{authorization}", self.headers.get("Authorization", "")
            )
            self._send_simple(status, _error_json(message or f"Error {status}"))
            return
        inputs = body.get("input") if isinstance(body, dict) else None
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
            self._send_simple(400, _error_json("'input' must be a string or a list of strings"))
            return
        data = [
            {"object": "embedding", "index": i, "embedding": embedding_of(text)}
            for i, text in enumerate(inputs)
        ]
        words = sum(len(_WORD.findall(text)) for text in inputs)
        answer = {
            "object": "list",
            "data": data,
            "model": body.get("model") or "unknown",
            "usage": {"prompt_tokens": words, "total_tokens": words},
        }
        self._send_simple(200, json.dumps(answer).encode())

    def _send_error_status(self, script: Script) -> None:
        """Reply with script.status and script.error_body."""
        err = script.error_body
        if err is None:
            payload = _error_json(f"Error {script.status}", "server_error")
            ctype = "application/json"
        elif isinstance(err, str):
            payload = err.encode()
            ctype = "text/html" if err.lstrip().startswith("<") else "text/plain"
            ctype += "; charset=utf-8"
        elif isinstance(err, bytes):
            payload, ctype = err, "application/octet-stream"
        else:
            payload, ctype = json.dumps(err).encode(), "application/json"
        if script.echo_authorization:
            sent = self.headers.get("Authorization", "").encode()
            payload = payload.replace(b"{authorization}", sent)
        self._send_simple(script.status, payload, ctype, script.headers)

    def _non_stream(self, script: Script, body: dict[str, Any]) -> None:
        """Reply with a regular (non-streamed) chat.completion object."""
        if script.hang and not self._pause(math.inf):
            return
        if script.first_delay and not self._pause(script.first_delay):
            return
        message: dict[str, Any] = {"role": "assistant", "content": "".join(script.content)}
        if script.reasoning:
            message[script.reasoning_field] = "".join(script.reasoning)
        if script.tool_calls:
            message["tool_calls"] = tool_calls_message(script.tool_calls)
        completion = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": script.model or body.get("model") or "unknown",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": script.finish_reason,
                }
            ],
            "usage": script.usage if script.usage_mode != "none" else None,
        }
        payload = json.dumps(completion).encode()
        if script.cut_after is None:
            self._send_simple(200, payload, extra=script.headers)
            return
        # Promise the full body, deliver half of it, then drop the connection.
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        if not self._send_headers(200, {**headers, **script.headers}):
            return
        if self._send(payload[: len(payload) // 2]):
            self._drop()

    def _stream(self, script: Script, body: dict[str, Any]) -> None:
        """Stream a chat completion as SSE over hand-written chunked encoding."""
        headers = {
            "Content-Type": "text/event-stream",
            "Transfer-Encoding": "chunked",
            "Cache-Control": "no-cache",
            # send_header("Connection", ...) also sets close_connection: echo the current one.
            "Connection": "close" if self.close_connection else "keep-alive",
        }
        if not self._send_headers(200, {**headers, **script.headers}):
            return

        if script.hang:
            # Nothing more until the client disconnects or the server stops.
            self._pause(math.inf)
            self.close_connection = True
            return
        if script.first_delay and not self._pause(script.first_delay):
            return

        model = script.model or body.get("model") or "unknown"
        created = int(time.time())
        opts = body.get("stream_options")
        include_usage = isinstance(opts, dict) and opts.get("include_usage") is True
        usage = script.usage
        mode = script.usage_mode
        n_content = len(script.content)
        cut = None if script.cut_after is None else min(n_content, max(script.cut_after, 0))
        eof = None if script.eof_after is None else min(n_content, max(script.eof_after, 0))
        n_content = min(x for x in (n_content, cut, eof) if x is not None)
        has_finish = (
            script.finish_reason is not None
            and script.inband_error is None
            and cut is None
            and eof is None
        )
        calls = script.tool_call_chunks() if cut is None and eof is None else []
        # How many choice-carrying chunks will be sent (for cumulative usage).
        total = 1 + len(script.reasoning) + n_content + len(calls) + has_finish
        sent = 0
        first = True

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            nonlocal sent
            sent += 1
            chunk_usage: dict[str, Any] | None = None
            if usage is not None:
                if mode == "every_chunk":
                    chunk_usage = _scaled_usage(usage, sent / total) if sent < total else usage
                elif mode == "last_content_chunk" and finish is not None:
                    chunk_usage = usage
            choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
            if mode == "in_choice" and finish is not None and usage is not None:
                choice["usage"] = usage
            obj = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [choice],
                "usage": chunk_usage,
            }
            return _event(obj)

        def emit(data: bytes) -> bool:
            nonlocal first
            if not first:
                if script.delay and not self._pause(script.delay):
                    return False
                if script.comments and not self._send(_frame(_COMMENT)):
                    return False
            first = False
            return self._send(data)

        if not emit(chunk({"role": "assistant", "content": ""})):
            return
        for text in script.reasoning:
            value: Any = text
            if script.reasoning_field == "reasoning_details":
                value = [{"type": "reasoning.text", "text": text, "format": "unknown"}]
            if not emit(chunk({"content": None, script.reasoning_field: value})):
                return
        for index, text in enumerate(script.content):
            if index >= n_content:
                break
            if index == script.malformed_after and not emit(_frame(_MALFORMED)):
                return
            gated = script.gate is not None and index == script.gate_after
            if gated and not self._keep_alive(script.gate):
                return
            if not emit(chunk({"content": text})):
                return
        for delta in calls:
            if not emit(chunk(delta)):
                return
        if script.hold:
            self._keep_alive(None)
            self.close_connection = True
            return
        if cut == n_content:
            self._drop()
            return
        if eof == n_content:
            self._send(_TERMINATOR)
            return
        if script.inband_error is not None:
            if not emit(_event({"error": script.inband_error})):
                return
        else:
            if script.finish_reason is not None and not emit(chunk({}, script.finish_reason)):
                return
            if script.end_gate is not None and not self._keep_alive(script.end_gate):
                return
            wants_usage = mode == "final_chunk_always" or (mode == "final_chunk" and include_usage)
            if wants_usage and usage is not None:
                final = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
                if not emit(_event(final)):
                    return
        if script.send_done and not emit(_frame(_DONE)):
            return
        self._send(_TERMINATOR)


class FakeOpenAIServer:
    """OpenAI-compatible server on 127.0.0.1 with a random free port, in a background thread."""

    handler_class: type[BaseHTTPRequestHandler] = _Handler
    """Serves each connection; a subclass adds endpoints (tests/image_server.py)."""

    def __init__(self, models: list[str] | None = None) -> None:
        # The port to bind; 0: a free one (tests). Set before start() to run standalone.
        self.bind_port: int = 0
        self.models: list[str] = list(models) if models is not None else ["gpt-4o-mini", "gpt-4o"]
        # != 200: GET /v1/models answers with this status (404 = a provider without a list).
        self.models_status: int = 200
        # Set: GET /v1/models answers with a 307 to this Location.
        self.models_redirect: str | None = None
        # != 200: POST /v1/embeddings answers with this status (404 = no embeddings endpoint).
        self.embeddings_status: int = 200
        # The error message of a failed /v1/embeddings; "{authorization}" becomes the request's
        # Authorization header (a server that echoes the key).
        self.embeddings_error: str = ""
        self.default: Script = Script()
        self.requests: list[dict[str, Any]] = []
        self._queue: collections.deque[Script] = collections.deque()
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._disconnected = threading.Event()
        self._conns: dict[socket.socket, threading.Thread] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        """Bind a free port and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="FakeOpenAIServer",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (returns promptly even if hanging)."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._cond:
            conns = dict(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 2.0
        for thread in conns.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(1.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- public API ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """Base URL for the SDK, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *scripts: Script) -> None:
        """Queue scripts for the next /chat/completions requests (FIFO)."""
        with self._cond:
            self._queue.extend(scripts)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> None:
        """Block until at least ``n`` requests were received (TimeoutError otherwise)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= n, timeout):
                raise TimeoutError(f"expected {n} requests, got {len(self.requests)}")

    def wait_disconnected(self, timeout: float = 5.0) -> bool:
        """True once a client closed a stream before the server finished it."""
        return self._disconnected.wait(timeout)

    # -- used by the handler ------------------------------------------------------------

    def _next_script(self) -> Script:
        with self._cond:
            return self._queue.popleft() if self._queue else self.default

    def _add_request(self, record: dict[str, Any]) -> None:
        with self._cond:
            self.requests.append(record)
            self._cond.notify_all()

    def _register(self, conn: socket.socket, thread: threading.Thread) -> None:
        with self._cond:
            self._conns[conn] = thread
        if self._stopping.is_set():
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _unregister(self, conn: socket.socket, thread: threading.Thread) -> None:
        with self._cond:
            if self._conns.get(conn) is thread:
                del self._conns[conn]
