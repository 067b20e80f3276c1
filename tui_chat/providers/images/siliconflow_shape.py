"""SiliconFlow's `POST {base_url}/images/generations`: {model, prompt, image_size "WxH",
batch_size, seed?, negative_prompt?} -> {"images": [{"url"}], "seed", "timings"} (not
OpenAI's `data[]`)."""

from __future__ import annotations

from typing import Any

from tui_chat.providers.images.api import ImageGenerationError, ImageJob
from tui_chat.providers.images.wire import Found, Job, as_int, no_task_to_resume

KOLORS_SIZE = "1024x1024"
"""Kolors needs an `image_size`; the others choose their own when none is sent."""


def request_body(spec: ImageJob) -> dict[str, Any]:
    body: dict[str, Any] = {"model": spec.model, "prompt": spec.prompt, "batch_size": spec.count}
    size = spec.size or (KOLORS_SIZE if "kolors" in spec.model.lower() else None)
    if size:
        body["image_size"] = size
    if spec.seed is not None:
        body["seed"] = spec.seed
    if spec.negative_prompt:
        body["negative_prompt"] = spec.negative_prompt
    return body


async def run(job: Job, resume_task_id: str | None) -> list[Found]:
    if resume_task_id:
        raise no_task_to_resume("siliconflow")
    job.progress("submitting")
    answer = await job.wire.post("images/generations", request_body(job.job))
    seed = as_int(answer.get("seed"))
    found = [
        Found(url=item["url"], seed=seed)
        for item in answer.get("images") or ()
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]
    ]
    if not found:
        raise ImageGenerationError(job.wire.malformed("The answer had no images[].url"))
    return found
