"""Image generation when things go wrong: refusals explained like chat errors, failed
tasks, resuming a saved task, cancelling, the deadline, what the image host gets."""

from __future__ import annotations

import asyncio
import threading

import pytest
from image_api_parts import KEY, Stages, generator, job
from image_server import (
    DATA_INSPECTION_FAILED,
    FakeImageServer,
    ImagePlan,
    content_filter_openai,
    content_filter_zhipu,
    quota_429,
)

from tui_chat.providers.images import ImageGenerationError


async def failure(server: FakeImageServer, dialect: str, model: str, **kw: object) -> str:
    gen = generator(server, dialect, **kw)  # type: ignore[arg-type]
    try:
        with pytest.raises(ImageGenerationError) as caught:
            await gen.generate(job(model), Stages())
    finally:
        await gen.aclose()
    error = caught.value.error
    assert KEY not in error.title + error.message
    return f"{error.kind}|{error.title}|{error.message}"


async def test_zhipu_content_filter(image_server: FakeImageServer) -> None:
    image_server.plan(content_filter_zhipu())
    said = await failure(image_server, "zhipu", "cogview-4")
    kind, title, message = said.split("|")
    assert kind == "content_filter"
    assert title == "Blocked by the provider's content filter (400)"
    assert "Rephrase the prompt" in message and "敏感" in message


async def test_openai_content_policy(image_server: FakeImageServer) -> None:
    image_server.plan(content_filter_openai())
    said = await failure(image_server, "openai", "gpt-image-1")
    assert said.startswith("content_filter|")
    assert "safety system" in said


async def test_quota(image_server: FakeImageServer) -> None:
    image_server.plan(quota_429())
    kind, title, message = (await failure(image_server, "openai", "gpt-image-1")).split("|")
    assert (kind, title) == ("quota", "Out of balance or quota (429)")
    assert "Top up" in message


async def test_auth_error_never_shows_the_key(image_server: FakeImageServer) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}}
    image_server.plan(ImagePlan(status=401, error_body=body))
    kind, title, _ = (await failure(image_server, "openai", "gpt-image-1")).split("|")
    assert (kind, title) == ("auth", "The API key was rejected (401)")


async def test_dashscope_task_fails_on_content(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(fail=DATA_INSPECTION_FAILED))
    said = await failure(image_server, "dashscope", "wan2.2-t2i-flash")
    kind, _, message = said.split("|")
    assert kind == "content_filter"
    assert "inappropriate content" in message
    assert len(image_server.requests_to("/api/v1/tasks/task-1")) == 3


async def test_modelscope_task_failure_says_why(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(fail={"code": "InternalError", "message": "GPU fell over"}))
    kind, title, message = (await failure(image_server, "modelscope", "Qwen/Qwen-Image")).split("|")
    assert (kind, title) == ("server", "The image task failed")
    assert "GPU fell over" in message


async def test_an_answer_without_images_is_malformed(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(empty=True), ImagePlan(empty=True))
    kind, title, message = (await failure(image_server, "openai", "cogview-4")).split("|")
    assert (kind, title) == ("malformed", "The answer held no image")
    assert "data[].url" in message
    said = await failure(image_server, "siliconflow", "Kwai-Kolors/Kolors")
    assert said.startswith("malformed|") and "images[].url" in said


async def test_non_image_bytes_are_refused(image_server: FakeImageServer) -> None:
    image_server.files["page.png"] = b"<html><body>Access denied</body></html>"
    image_server.plan(ImagePlan(file="page.png"))
    kind, title, message = (await failure(image_server, "openai", "cogview-4")).split("|")
    assert (kind, title) == ("malformed", "The provider sent no image")
    assert "not an image" in message


async def test_the_image_host_gets_no_key(image_server: FakeImageServer) -> None:
    gen = generator(image_server, "siliconflow")
    try:
        await gen.generate(job("Kwai-Kolors/Kolors", count=2), Stages())
    finally:
        await gen.aclose()
    downloads = image_server.requests_to("/files/")
    assert len(downloads) == 2
    assert all("authorization" not in d["headers"] for d in downloads)
    assert all(KEY not in str(d["headers"]) for d in downloads)


async def test_resume_polls_without_submitting(image_server: FakeImageServer) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    first = generator(image_server, "modelscope")
    task = asyncio.create_task(first.generate(job("Qwen/Qwen-Image"), Stages()))
    await asyncio.to_thread(image_server.wait_for, "/tasks/", 1)
    task.cancel()  # the app quits while the task runs
    with pytest.raises(asyncio.CancelledError):
        await task
    await first.aclose()
    submits = len(image_server.requests_to("/images/generations"))
    gate.set()
    stages = Stages()
    again = generator(image_server, "modelscope")
    try:
        [image] = await again.generate(job("Qwen/Qwen-Image"), stages, resume_task_id="task-1")
    finally:
        await again.aclose()
    assert image.width == 48
    assert len(image_server.requests_to("/images/generations")) == submits == 1
    assert "submitting" not in stages.stages and stages.stages[-1] == "downloading"


async def test_cancel_while_polling_sends_nothing_more(image_server: FakeImageServer) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate, polls=0))
    gen = generator(image_server, "dashscope", poll_interval=0.01)
    task = asyncio.create_task(gen.generate(job("wan2.2-t2i-flash"), Stages()))
    await asyncio.to_thread(image_server.wait_for, "/tasks/", 3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    count = len(image_server.requests)
    gate.set()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    await gen.aclose()
    assert len(image_server.requests) == count
    assert not image_server.requests_to("/files/")


async def test_cancel_while_the_answer_is_held(image_server: FakeImageServer) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    gen = generator(image_server, "zhipu")
    task = asyncio.create_task(gen.generate(job(count=2), Stages()))
    await asyncio.to_thread(image_server.wait_for, "/images/generations", 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await gen.aclose()
    assert await asyncio.to_thread(image_server.wait_disconnected)
    gate.set()
    assert len(image_server.requests_to("/images/generations")) == 1


async def test_the_whole_job_is_bounded(image_server: FakeImageServer) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    gen = generator(image_server, "modelscope", timeout=0.3, poll_interval=0.01)
    try:
        with pytest.raises(ImageGenerationError) as caught:
            await gen.generate(job("Qwen/Qwen-Image"), Stages())
    finally:
        gate.set()
        await gen.aclose()
    error = caught.value.error
    assert (error.kind, error.title) == ("timeout", "The image did not come in time")
    assert "within 0.3 s" in error.message


async def test_progress_stages_in_order(image_server: FakeImageServer) -> None:
    stages = Stages()
    gen = generator(image_server, "dashscope")
    try:
        await gen.generate(job("wan2.2-t2i-flash"), stages)
    finally:
        await gen.aclose()
    order = {"submitting": 0, "queued": 1, "polling": 2, "downloading": 3}
    ranks = [order[s] for s in stages.stages]
    assert ranks == sorted(ranks) and set(ranks) == {0, 1, 2, 3}
    assert all(p.task_id == "task-1" for p in stages.seen if p.stage in ("queued", "polling"))
