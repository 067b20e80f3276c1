"""ModelScope's asynchronous form: `POST {base_url}/images/generations` with
`X-ModelScope-Async-Mode: true` answers {"task_id"}; `GET {base_url}/tasks/{id}` with
`X-ModelScope-Task-Type: image_generation` until `task_status` is SUCCEED (read
`output_images`) or FAILED. One image per task: several images are several tasks."""

from __future__ import annotations

from typing import Any

from tui_chat.providers.images.api import ImageGenerationError, ImageJob
from tui_chat.providers.images.wire import (
    Found,
    Job,
    TaskState,
    poll_tasks,
    split_task_ids,
)

SUBMIT_HEADERS = {"X-ModelScope-Async-Mode": "true"}
POLL_HEADERS = {"X-ModelScope-Task-Type": "image_generation"}


def request_body(spec: ImageJob, index: int) -> dict[str, Any]:
    """The task for image `index` of the job: a set seed counts up, so the images differ."""
    body: dict[str, Any] = {"model": spec.model, "prompt": spec.prompt}
    if spec.size:
        body["size"] = spec.size
    if spec.seed is not None:
        body["seed"] = spec.seed + index
    if spec.negative_prompt:
        body["negative_prompt"] = spec.negative_prompt
    return body


async def run(job: Job, resume_task_id: str | None) -> list[Found]:
    wire, spec = job.wire, job.job
    if resume_task_id:
        task_ids = split_task_ids(resume_task_id)
    else:
        job.progress("submitting")
        task_ids = []
        for index in range(spec.count):
            answer = await wire.post(
                "images/generations", request_body(spec, index), SUBMIT_HEADERS
            )
            task_id = answer.get("task_id")
            if not isinstance(task_id, str | int) or isinstance(task_id, bool) or not task_id:
                raise ImageGenerationError(wire.malformed("The answer had no task_id"))
            task_ids.append(str(task_id))
        job.progress("queued", "PENDING", ",".join(task_ids))

    async def check(task_id: str) -> TaskState:
        answer = await wire.get(f"tasks/{task_id}", POLL_HEADERS)
        status = str(answer.get("task_status") or "")
        if status == "SUCCEED":
            urls = [u for u in answer.get("output_images") or () if isinstance(u, str) and u]
            if not urls:
                raise ImageGenerationError(wire.malformed("The task succeeded without images"))
            return TaskState(status, [Found(url=url) for url in urls])
        if status == "FAILED":
            said = answer.get("errors") or answer
            failure = wire.task_failure(said, spec.model, "ModelScope gave no reason.")
            return TaskState(status, failure=failure)
        return TaskState(status or "PENDING")

    found = await poll_tasks(job, task_ids, check)
    if spec.seed is not None:
        found = [Found(url=f.url, seed=spec.seed + i) for i, f in enumerate(found)]
    return found
