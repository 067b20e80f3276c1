"""DashScope's native image API (not the compatible-mode base URL), under `/api/v1`.

- qwen-image* and wan2.6* answer at once: `POST /services/aigc/multimodal-generation/
  generation` with the prompt as a user message -> `output.choices[].message.content[]
  .image`;
- the others (wan2.x-t2i, wanx, flux) are tasks: `POST /services/aigc/text2image/
  image-synthesis` with `X-DashScope-Async: enable` -> `output.task_id`, then `GET
  /tasks/{id}` until `output.task_status` is SUCCEEDED (`output.results[].url`, the
  rewritten prompt in `actual_prompt`) or FAILED / CANCELED (`output.code`, `message`).

Sizes are "W*H" there."""

from __future__ import annotations

from typing import Any

from tui_chat.providers.images.api import ImageGenerationError, ImageJob
from tui_chat.providers.images.wire import (
    Found,
    Job,
    TaskState,
    as_text,
    no_task_to_resume,
    poll_tasks,
    split_task_ids,
)

SYNC_MODELS = ("qwen-image", "wan2.6")
ASYNC_HEADERS = {"X-DashScope-Async": "enable"}
_COMPATIBLE = "/compatible-mode/v1"


def native_base(base_url: str) -> str:
    """The native API's base for a provider configured with the compatible-mode URL
    (dashscope.aliyuncs.com, dashscope-intl): `/compatible-mode/v1` -> `/api/v1`. A base
    URL without it is taken as the native one already."""
    base = base_url.rstrip("/")
    if base.endswith(_COMPATIBLE):
        base = base[: -len(_COMPATIBLE)] + "/api/v1"
    return base


def star_size(size: str | None) -> str | None:
    """A size as DashScope writes it: "1024x1024" -> "1024*1024"."""
    return size.lower().replace("x", "*") if size else None


def is_sync(model: str) -> bool:
    return model.lower().startswith(SYNC_MODELS)


def parameters(spec: ImageJob, **more: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"n": spec.count, **more}
    size = star_size(spec.size)
    if size:
        params["size"] = size
    if spec.seed is not None:
        params["seed"] = spec.seed
    return params


def sync_body(spec: ImageJob) -> dict[str, Any]:
    params = parameters(spec, watermark=False)
    if spec.negative_prompt:
        params["negative_prompt"] = spec.negative_prompt
    content = [{"text": spec.prompt}]
    return {
        "model": spec.model,
        "input": {"messages": [{"role": "user", "content": content}]},
        "parameters": params,
    }


def async_body(spec: ImageJob) -> dict[str, Any]:
    task_input: dict[str, Any] = {"prompt": spec.prompt}
    if spec.negative_prompt:
        task_input["negative_prompt"] = spec.negative_prompt
    return {"model": spec.model, "input": task_input, "parameters": parameters(spec)}


async def run(job: Job, resume_task_id: str | None) -> list[Found]:
    base = native_base(job.wire.config.base_url)
    if is_sync(job.job.model):
        if resume_task_id:
            raise no_task_to_resume("dashscope, " + job.job.model)
        return await _at_once(job, base)
    return await _as_task(job, base, resume_task_id)


async def _at_once(job: Job, base: str) -> list[Found]:
    job.progress("submitting")
    url = f"{base}/services/aigc/multimodal-generation/generation"
    answer = await job.wire.post(url, sync_body(job.job))
    found: list[Found] = []
    for choice in _output(answer).get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else ():
            image = part.get("image") if isinstance(part, dict) else None
            if isinstance(image, str) and image:
                found.append(Found(url=image, seed=job.job.seed))
    if not found:
        what = "The answer had no output.choices[].message.content[].image"
        raise ImageGenerationError(job.wire.malformed(what))
    return found


async def _as_task(job: Job, base: str, resume_task_id: str | None) -> list[Found]:
    wire, spec = job.wire, job.job
    if resume_task_id:
        task_ids = split_task_ids(resume_task_id)
    else:
        job.progress("submitting")
        url = f"{base}/services/aigc/text2image/image-synthesis"
        output = _output(await wire.post(url, async_body(spec), ASYNC_HEADERS))
        task_id = output.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise ImageGenerationError(wire.malformed("The answer had no output.task_id"))
        task_ids = [task_id]
        job.progress("queued", str(output.get("task_status") or "PENDING"), task_id)

    async def check(task_id: str) -> TaskState:
        output = _output(await wire.get(f"{base}/tasks/{task_id}"))
        status = str(output.get("task_status") or "")
        if status == "SUCCEEDED":
            return _succeeded(job, output)
        if status in ("FAILED", "CANCELED", "UNKNOWN"):
            fallback = {
                "CANCELED": "The task was cancelled.",
                "UNKNOWN": "DashScope no longer knows this task (tasks expire after a day).",
            }.get(status, "DashScope gave no reason.")
            return TaskState(status, failure=wire.task_failure(output, spec.model, fallback))
        return TaskState(status or "PENDING")

    return await poll_tasks(job, task_ids, check)


def _succeeded(job: Job, output: dict[str, Any]) -> TaskState:
    """The images of a finished task; a task whose every image failed (each result may
    carry its own `code`, e.g. DataInspectionFailed) fails with the first reason."""
    results = [r for r in output.get("results") or () if isinstance(r, dict)]
    found = [
        Found(url=r["url"], revised_prompt=as_text(r.get("actual_prompt")), seed=job.job.seed)
        for r in results
        if isinstance(r.get("url"), str) and r["url"]
    ]
    if found:
        return TaskState("SUCCEEDED", found)
    if results:
        failure = job.wire.task_failure(results[0], job.job.model, "No image was made.")
        return TaskState("SUCCEEDED", failure=failure)
    raise ImageGenerationError(job.wire.malformed("The task succeeded without output.results"))


def _output(answer: dict[str, Any]) -> dict[str, Any]:
    output = answer.get("output")
    return output if isinstance(output, dict) else {}
