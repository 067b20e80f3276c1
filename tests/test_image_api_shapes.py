"""Image generation over each endpoint shape, against the image test server: what is
sent, what comes back (downloaded, sniffed, measured), and the progress told."""

from __future__ import annotations

import base64

from image_api_parts import KEY, Stages, generator, job
from image_server import PNG, FakeImageServer, ImagePlan

from tui_chat.providers.images.dashscope_shape import native_base


async def test_openai_shape_downloads_the_url(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(revised_prompt="A panda drinking tea"))
    stages = Stages()
    gen = generator(image_server)
    try:
        [image] = await gen.generate(job(size="1024x1024"), stages)
    finally:
        await gen.aclose()
    assert image.data == PNG
    assert (image.mime, image.width, image.height) == ("image/png", 48, 32)
    assert image.revised_prompt == "A panda drinking tea"
    assert image.source_url == image_server.file_url("image.png")
    [sent] = image_server.requests_to("/images/generations")
    assert sent["path"] == "/v1/images/generations"
    assert sent["json"] == {"model": "cogview-4", "prompt": job().prompt, "size": "1024x1024"}
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"
    assert stages.stages == ["submitting", "downloading"]


async def test_openai_shape_decodes_b64(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(b64=True))
    gen = generator(image_server)
    try:
        [image] = await gen.generate(job("gpt-image-1"), Stages())
    finally:
        await gen.aclose()
    assert image.data == PNG and image.source_url is None
    assert not image_server.requests_to("/files/")
    sent = image_server.requests_to("/images/generations")[0]["json"]
    assert "response_format" not in sent


async def test_count_is_n_for_openai_and_requests_for_zhipu(
    image_server: FakeImageServer,
) -> None:
    gen = generator(image_server, "openai")
    try:
        images = await gen.generate(job("gpt-image-1", count=3), Stages())
    finally:
        await gen.aclose()
    assert len(images) == 3
    [sent] = image_server.requests_to("/images/generations")
    assert sent["json"]["n"] == 3

    zhipu = generator(image_server, "zhipu")
    try:
        images = await zhipu.generate(job(count=2), Stages())
    finally:
        await zhipu.aclose()
    assert len(images) == 2
    bodies = [r["json"] for r in image_server.requests_to("/images/generations")[1:]]
    assert len(bodies) == 2 and all("n" not in body for body in bodies)


async def test_siliconflow_shape(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(seed=1234))
    gen = generator(image_server, "siliconflow")
    try:
        images = await gen.generate(
            job("Kwai-Kolors/Kolors", count=2, seed=7, negative_prompt="blurry"), Stages()
        )
    finally:
        await gen.aclose()
    assert [i.seed for i in images] == [1234, 1234]
    assert all(i.data == PNG for i in images)
    [sent] = image_server.requests_to("/images/generations")
    assert sent["json"] == {
        "model": "Kwai-Kolors/Kolors",
        "prompt": job().prompt,
        "batch_size": 2,
        "image_size": "1024x1024",  # Kolors needs one
        "seed": 7,
        "negative_prompt": "blurry",
    }


async def test_modelscope_task_succeeds_after_two_polls(image_server: FakeImageServer) -> None:
    stages = Stages()
    gen = generator(image_server, "modelscope")
    try:
        [image] = await gen.generate(job("Qwen/Qwen-Image", size="1328x1328"), stages)
    finally:
        await gen.aclose()
    assert image.data == PNG and image.width == 48
    [submit] = image_server.requests_to("/images/generations")
    assert submit["headers"]["x-modelscope-async-mode"] == "true"
    assert submit["json"]["size"] == "1328x1328"
    polls = image_server.requests_to("/v1/tasks/task-1")
    assert len(polls) == 3
    assert all(p["headers"]["x-modelscope-task-type"] == "image_generation" for p in polls)
    assert stages.stages == ["submitting", "queued", "polling", "polling", "polling", "downloading"]
    assert stages.first("queued").task_id == "task-1"
    assert [p.status for p in stages.seen if p.stage == "polling"] == ["PENDING", "RUNNING", "done"]
    assert [p.polls for p in stages.seen if p.stage == "polling"] == [1, 2, 3]
    elapsed = [p.elapsed for p in stages.seen]
    assert elapsed == sorted(elapsed)


async def test_modelscope_count_submits_a_task_per_image(image_server: FakeImageServer) -> None:
    stages = Stages()
    gen = generator(image_server, "modelscope")
    try:
        images = await gen.generate(job("Qwen/Qwen-Image", count=2, seed=10), stages)
    finally:
        await gen.aclose()
    assert [i.seed for i in images] == [10, 11]
    seeds = [r["json"]["seed"] for r in image_server.requests_to("/images/generations")]
    assert seeds == [10, 11]
    assert stages.first("queued").task_id == "task-1,task-2"
    assert stages.first("polling").task_id == "task-1,task-2"


async def test_dashscope_qwen_image_answers_at_once(image_server: FakeImageServer) -> None:
    gen = generator(image_server, "dashscope")
    try:
        images = await gen.generate(job("qwen-image-plus", size="1328x1328", count=2), Stages())
    finally:
        await gen.aclose()
    assert len(images) == 2 and images[0].data == PNG
    [sent] = image_server.requests_to("/services/")
    assert sent["path"] == "/api/v1/services/aigc/multimodal-generation/generation"
    assert sent["json"] == {
        "model": "qwen-image-plus",
        "input": {"messages": [{"role": "user", "content": [{"text": job().prompt}]}]},
        "parameters": {"n": 2, "watermark": False, "size": "1328*1328"},
    }


async def test_dashscope_wan_is_a_task(image_server: FakeImageServer) -> None:
    image_server.plan(ImagePlan(revised_prompt="A giant panda sips tea in a bamboo grove"))
    stages = Stages()
    gen = generator(image_server, "dashscope")
    try:
        [image] = await gen.generate(
            job("wan2.2-t2i-flash", size="1024x768", seed=3, negative_prompt="text"), stages
        )
    finally:
        await gen.aclose()
    assert image.revised_prompt == "A giant panda sips tea in a bamboo grove"
    assert image.seed == 3
    [submit] = image_server.requests_to("/services/")
    assert submit["path"] == "/api/v1/services/aigc/text2image/image-synthesis"
    assert submit["headers"]["x-dashscope-async"] == "enable"
    assert submit["json"] == {
        "model": "wan2.2-t2i-flash",
        "input": {"prompt": job().prompt, "negative_prompt": "text"},
        "parameters": {"n": 1, "size": "1024*768", "seed": 3},
    }
    assert len(image_server.requests_to("/api/v1/tasks/task-1", "GET")) == 3
    assert stages.stages[:2] == ["submitting", "queued"]


def test_native_base_of_dashscope() -> None:
    assert native_base("https://dashscope.aliyuncs.com/compatible-mode/v1") == (
        "https://dashscope.aliyuncs.com/api/v1"
    )
    assert native_base("https://dashscope-intl.aliyuncs.com/compatible-mode/v1/") == (
        "https://dashscope-intl.aliyuncs.com/api/v1"
    )
    assert native_base("https://dashscope.aliyuncs.com/api/v1") == (
        "https://dashscope.aliyuncs.com/api/v1"
    )


async def test_image_api_overrides_the_dialect(image_server: FakeImageServer) -> None:
    gen = generator(image_server, "generic", image_api="siliconflow")
    try:
        await gen.generate(job("Qwen/Qwen-Image"), Stages())
    finally:
        await gen.aclose()
    sent = image_server.requests_to("/images/generations")[0]["json"]
    assert sent["batch_size"] == 1 and "image_size" not in sent


def test_the_test_png_is_a_real_png() -> None:
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(PNG)) as image:
        assert image.size == (48, 32)
        assert image.getpixel((47, 31)) == (255, 255, 128)
    assert base64.b64encode(PNG)  # deterministic bytes, built in code
