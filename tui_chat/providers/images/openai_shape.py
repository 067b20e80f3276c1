"""OpenAI's `POST {base_url}/images/generations` (OpenAI, Zhipu CogView, most compatible
servers): {model, prompt, size?, n?} -> `data[].url` or `data[].b64_json`, with
`revised_prompt` where the model rewrote the prompt."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from tui_chat.providers.images.api import ImageGenerationError
from tui_chat.providers.images.wire import Found, Job, as_text, no_task_to_resume


def takes_n(dialect: str, model: str) -> bool:
    """Whether one request may ask for several images: Zhipu's CogView takes no `n`, and
    dall-e-3 makes one image per request; those get one request per image."""
    return dialect != "zhipu" and not model.lower().startswith("dall-e-3")


def request_body(job_model: str, prompt: str, size: str | None, n: int) -> dict[str, Any]:
    """The JSON sent. No `response_format`: gpt-image-* refuse it (they answer b64 only)
    and the others answer URLs by default; both are read."""
    body: dict[str, Any] = {"model": job_model, "prompt": prompt}
    if size:
        body["size"] = size
    if n > 1:
        body["n"] = n
    return body


async def run(job: Job, resume_task_id: str | None) -> list[Found]:
    if resume_task_id:
        raise no_task_to_resume("openai")
    spec, wire = job.job, job.wire
    batches = [spec.count] if takes_n(wire.config.dialect, spec.model) else [1] * spec.count
    job.progress("submitting")
    found: list[Found] = []
    for n in batches:
        answer = await wire.post(
            "images/generations", request_body(spec.model, spec.prompt, spec.size, n)
        )
        found.extend(images_of(job, answer))
    return found


def images_of(job: Job, answer: dict[str, Any]) -> list[Found]:
    """The images of one answer; ImageGenerationError when it names none."""
    found: list[Found] = []
    for item in answer.get("data") or ():
        if not isinstance(item, dict):
            continue
        revised = as_text(item.get("revised_prompt"))
        url, b64 = item.get("url"), item.get("b64_json")
        if isinstance(b64, str) and b64:
            try:
                data = base64.b64decode(b64, validate=False)
            except (binascii.Error, ValueError):
                raise ImageGenerationError(
                    job.wire.malformed("An image came as b64_json that is not base64")
                ) from None
            found.append(Found(data=data, revised_prompt=revised))
        elif isinstance(url, str) and url:
            found.append(Found(url=url, revised_prompt=revised))
    if not found:
        raise ImageGenerationError(
            job.wire.malformed("The answer had no data[].url or data[].b64_json")
        )
    return found
