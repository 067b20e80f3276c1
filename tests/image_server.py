"""A real, local HTTP server answering every image generation shape tui-chat speaks, for
tests (API and Pilot) and for trying `/image` by hand.

It is the chat test server (tests/sse_server.py, whose machinery it reuses: chat
completions and /v1/models still work) plus:

- ``POST …/images/generations``: OpenAI's shape (``data[].url`` or, with
  ``ImagePlan.b64``, ``data[].b64_json``); SiliconFlow's (``images[].url``, ``seed``) when
  the body has ``image_size`` or ``batch_size``; ModelScope's task (``{"task_id"}``) when
  the request has ``X-ModelScope-Async-Mode: true``. The shape answered follows the
  request, as each real provider would, so a test checks what the client sent.
- ``GET …/tasks/{id}``: a ModelScope task (``task_status`` PENDING, RUNNING, then SUCCEED
  with ``output_images`` or FAILED with ``errors``); under ``/api/v1/`` a DashScope task
  (``output.task_status`` … SUCCEEDED with ``output.results[].url`` or FAILED with
  ``output.code``/``message``; UNKNOWN for an id it never made).
- DashScope's native ``POST /api/v1/services/aigc/multimodal-generation/generation`` (at
  once: ``output.choices[].message.content[].image``) and ``…/text2image/image-synthesis``
  (a task). Point a DashScope provider at ``dashscope_base_url`` (the compatible-mode URL).
- ``GET /files/<name>``: the image the answers point at: a 48x32 gradient PNG made here
  (``gradient_png``), or the bytes put in ``files[name]``.

Each image request (submit) takes the next queued ``ImagePlan`` (``plan()``), else
``image_default``. Every request is recorded in ``requests`` (method, path, lower-case
headers, JSON body). Standalone: ``python tests/image_server.py PORT``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import itertools
import json
import struct
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

try:  # works whether tests/ is on sys.path (conftest, standalone) or imported as a package
    from sse_server import FakeOpenAIServer, _Handler
except ImportError:  # pragma: no cover - package layout
    from tests.sse_server import FakeOpenAIServer, _Handler  # type: ignore[no-redef]

__all__ = [
    "DATA_INSPECTION_FAILED",
    "FakeImageServer",
    "ImagePlan",
    "content_filter_openai",
    "content_filter_zhipu",
    "gradient_png",
    "quota_429",
]

_HOLD_STEP = 0.02
"""Seconds between two looks at a gate while a response is held."""


def gradient_png(width: int = 48, height: int = 32) -> bytes:
    """A small, deterministic RGB PNG (red grows left to right, green top to bottom)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00"
        + bytes(
            value
            for x in range(width)
            for value in (x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), 128)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


PNG = gradient_png()

DATA_INSPECTION_FAILED = {
    "code": "DataInspectionFailed",
    "message": "Output data may contain inappropriate content.",
}
"""A failed task's reason, as DashScope's content filter gives it (``ImagePlan.fail``)."""


@dataclass
class ImagePlan:
    """What the server does for one image request (a submit)."""

    b64: bool = False
    """OpenAI's shape: answer ``data[].b64_json`` instead of ``data[].url``."""
    polls: int = 2
    """Tasks: how many polls answer "still running" before the one that says done."""
    fail: dict[str, Any] | None = None
    """Tasks: end FAILED with this ``{"code", "message"}`` instead of succeeding."""
    status: int = 200
    """!= 200: the submit answers this HTTP status with ``error_body`` (see the helpers
    ``content_filter_zhipu`` & co)."""
    error_body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers of an error answer (``Retry-After``)."""
    gate: threading.Event | None = None
    """Set: an answer at once is held until the test sets it; a task stays RUNNING until
    then (and for ``polls`` polls in all)."""
    file: str = "image.png"
    """The name under ``/files/`` the answer points at (put other bytes in ``files``)."""
    revised_prompt: str | None = None
    """Sent as ``revised_prompt`` (OpenAI) or ``actual_prompt`` (DashScope tasks)."""
    seed: int = 42
    """The seed SiliconFlow's answer reports."""
    empty: bool = False
    """Answer at once without any image (``data: []``, ``images: []``)."""


def content_filter_zhipu() -> ImagePlan:
    """Zhipu's content filter: HTTP 400 with code "1301"."""
    message = (
        "系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语。"
    )
    return ImagePlan(status=400, error_body={"error": {"code": "1301", "message": message}})


def content_filter_openai() -> ImagePlan:
    """OpenAI's safety system: HTTP 400 with code content_policy_violation."""
    message = "Your request was rejected as a result of our safety system."
    error = {
        "message": message,
        "type": "invalid_request_error",
        "code": "content_policy_violation",
    }
    return ImagePlan(status=400, error_body={"error": error})


def quota_429() -> ImagePlan:
    """Out of quota: HTTP 429 with code insufficient_quota."""
    message = "You exceeded your current quota, please check your plan and billing details."
    error = {"message": message, "type": "insufficient_quota", "code": "insufficient_quota"}
    return ImagePlan(status=429, error_body={"error": error})


@dataclass
class _Task:
    shape: str  # "modelscope" or "dashscope"
    plan: ImagePlan
    count: int
    prompt: str
    polls: int = 0


class _ImageHandler(_Handler):
    """The chat server's handler with the image endpoints in front."""

    owner: FakeImageServer

    def _route(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        method = self.command
        if method == "GET" and path.startswith("/files/"):
            self._record()
            self._file(path.removeprefix("/files/"))
        elif method == "POST" and path.endswith("/images/generations"):
            self._generations(self._record())
        elif method == "POST" and path.endswith("/services/aigc/multimodal-generation/generation"):
            self._dashscope_at_once(self._record())
        elif method == "POST" and path.endswith("/services/aigc/text2image/image-synthesis"):
            self._submit_task("dashscope", self._record())
        elif method == "GET" and "/tasks/" in path:
            self._record()
            self._poll(path.rsplit("/", 1)[1], dashscope=path.startswith("/api/v1/"))
        else:
            super()._route()

    do_GET = do_POST = _route

    # -- answers ----------------------------------------------------------------------

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_simple(status, json.dumps(obj, ensure_ascii=False).encode(), extra=headers)

    def _refused(self, plan: ImagePlan) -> bool:
        """Answer the plan's error status; False when it has none."""
        if plan.status == 200:
            return False
        body = plan.error_body or {"error": {"message": f"Error {plan.status}"}}
        self._json(plan.status, body, plan.headers)
        return True

    def _held(self, plan: ImagePlan) -> bool:
        """Hold the answer until the plan's gate is set; False if the client left."""
        while plan.gate is not None and not plan.gate.is_set():
            if not self._pause(_HOLD_STEP):
                return False
        return True

    def _file(self, name: str) -> None:
        data = self.owner.files.get(name)
        if data is None and not name.endswith(".png"):
            self._json(404, {"error": {"message": f"No file {name}"}})
            return
        self._send_simple(200, PNG if data is None else data, "image/png")

    def _generations(self, body: Any) -> None:
        if not isinstance(body, dict):
            self._json(400, {"error": {"message": "The body is not JSON"}})
            return
        if self.headers.get("X-ModelScope-Async-Mode", "").lower() == "true":
            self._submit_task("modelscope", body)
            return
        plan = self.owner._next_plan()
        if self._refused(plan) or not self._held(plan):
            return
        url = self.owner.file_url(plan.file)
        if "image_size" in body or "batch_size" in body:  # SiliconFlow
            count = 0 if plan.empty else int(body.get("batch_size") or 1)
            images = [{"url": url} for _ in range(count)]
            answer = {"images": images, "timings": {"inference": 0.1}, "seed": plan.seed}
            self._json(200, answer)
            return
        item: dict[str, Any] = (
            {"b64_json": base64.b64encode(self.owner.file_bytes(plan.file)).decode()}
            if plan.b64
            else {"url": url}
        )
        if plan.revised_prompt:
            item["revised_prompt"] = plan.revised_prompt
        count = 0 if plan.empty else int(body.get("n") or 1)
        self._json(200, {"created": int(time.time()), "data": [dict(item) for _ in range(count)]})

    def _dashscope_at_once(self, body: Any) -> None:
        plan = self.owner._next_plan()
        if self._refused(plan) or not self._held(plan):
            return
        params = body.get("parameters") if isinstance(body, dict) else None
        count = int((params or {}).get("n") or 1)
        content = [{"image": self.owner.file_url(plan.file)}]
        choices = [
            {"finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            for _ in range(count)
        ]
        self._json(200, {"output": {"choices": choices}, "request_id": "req-1"})

    def _submit_task(self, shape: str, body: Any) -> None:
        plan = self.owner._next_plan()
        if self._refused(plan):
            return
        body = body if isinstance(body, dict) else {}
        params = body.get("parameters") or {}
        count = int(params.get("n") or 1) if shape == "dashscope" else 1
        prompt = str(body.get("prompt") or (body.get("input") or {}).get("prompt") or "")
        task_id = self.owner._add_task(_Task(shape, plan, count, prompt))
        if shape == "modelscope":
            self._json(200, {"task_id": task_id, "request_id": "req-1"})
        else:
            output = {"task_id": task_id, "task_status": "PENDING"}
            self._json(200, {"output": output, "request_id": "req-1"})

    def _poll(self, task_id: str, dashscope: bool) -> None:
        task = self.owner.tasks.get(task_id)
        if task is None:
            if dashscope:
                self._json(200, {"output": {"task_id": task_id, "task_status": "UNKNOWN"}})
            else:
                self._json(404, {"errors": {"message": f"Task {task_id} not found"}})
            return
        task.polls += 1
        plan = task.plan
        gate_open = plan.gate is None or plan.gate.is_set()
        running = task.polls <= plan.polls or not gate_open
        state = ("PENDING" if task.polls == 1 else "RUNNING") if running else ""
        if task.shape == "modelscope":
            self._json(200, self._modelscope(task_id, task, state))
        else:
            self._json(200, {"output": self._dashscope(task_id, task, state), "request_id": "r"})

    def _modelscope(self, task_id: str, task: _Task, state: str) -> dict[str, Any]:
        if state:
            return {"task_id": task_id, "task_status": state}
        if task.plan.fail is not None:
            return {"task_id": task_id, "task_status": "FAILED", "errors": task.plan.fail}
        url = self.owner.file_url(task.plan.file)
        return {"task_id": task_id, "task_status": "SUCCEED", "output_images": [url]}

    def _dashscope(self, task_id: str, task: _Task, state: str) -> dict[str, Any]:
        if state:
            return {"task_id": task_id, "task_status": state}
        if task.plan.fail is not None:
            return {"task_id": task_id, "task_status": "FAILED", **task.plan.fail}
        result = {"url": self.owner.file_url(task.plan.file), "orig_prompt": task.prompt}
        if task.plan.revised_prompt:
            result["actual_prompt"] = task.plan.revised_prompt
        results = [dict(result) for _ in range(task.count)]
        return {"task_id": task_id, "task_status": "SUCCEEDED", "results": results}


class FakeImageServer(FakeOpenAIServer):
    """The chat test server answering image generation too (see the module's docstring).

    Use as a context manager: ``with FakeImageServer() as server: …``; point a provider at
    ``base_url`` (OpenAI, Zhipu, SiliconFlow, ModelScope shapes) or ``dashscope_base_url``.
    """

    handler_class = _ImageHandler

    def __init__(self, models: list[str] | None = None) -> None:
        super().__init__(models)
        self.image_default = ImagePlan()
        """The plan of a request when none is queued."""
        self.files: dict[str, bytes] = {}
        """Bytes served at ``/files/<name>`` instead of the gradient PNG (non-image bytes,
        a JPEG)."""
        self.tasks: dict[str, _Task] = {}
        self._plans: collections.deque[ImagePlan] = collections.deque()
        self._task_numbers = itertools.count(1)

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dashscope_base_url(self) -> str:
        """DashScope's compatible-mode form; the client turns it into ``/api/v1``."""
        return f"{self.root_url}/compatible-mode/v1"

    def plan(self, *plans: ImagePlan) -> None:
        """Queue plans for the next image requests (FIFO)."""
        with self._cond:
            self._plans.extend(plans)

    def file_url(self, name: str) -> str:
        return f"{self.root_url}/files/{name}"

    def file_bytes(self, name: str) -> bytes:
        return self.files.get(name, PNG)

    def requests_to(self, part: str, method: str | None = None) -> list[dict[str, Any]]:
        """The recorded requests whose path contains ``part`` (and of ``method``)."""
        with self._cond:
            return [
                r
                for r in self.requests
                if part in r["path"] and (method is None or r["method"] == method)
            ]

    def wait_for(self, part: str, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until ``n`` requests to a path containing ``part`` came; those requests."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests_to(part)) >= n, timeout):
                raise TimeoutError(f"expected {n} requests to {part}")
        return self.requests_to(part)

    # -- used by the handler ----------------------------------------------------------

    def _next_plan(self) -> ImagePlan:
        with self._cond:
            return self._plans.popleft() if self._plans else self.image_default

    def _add_task(self, task: _Task) -> str:
        with self._cond:
            task_id = f"task-{next(self._task_numbers)}"
            self.tasks[task_id] = task
            return task_id


def main(argv: list[str]) -> int:
    """Serve on 127.0.0.1:PORT until Ctrl+C, tasks succeeding after two polls."""
    server = FakeImageServer()
    server.bind_port = int(argv[1]) if len(argv) > 1 else 0
    with server:
        print(f"OpenAI, Zhipu, SiliconFlow, ModelScope base_url: {server.base_url}")
        print(f"DashScope base_url: {server.dashscope_base_url}")
        print("Any key works. Ctrl+C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
