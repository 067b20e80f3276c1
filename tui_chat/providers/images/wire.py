"""What every image endpoint shape shares: one SDK client for the provider's API (so HTTP
failures are the SDK's exceptions, explained by `providers.errors`), the job's progress,
and the images an answer names.

Requests go through the `openai` SDK's low-level `post`/`get` (an absolute URL works as
the path): explicit base URL and key, no SDK retries (a billing 429 must not repeat), no
redirects (a 307 would send the key and the prompt wherever it points).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tui_chat.config.provider import ProviderConfig
from tui_chat.core.sanitize import one_line, strip_control
from tui_chat.core.sentences import join_sentences
from tui_chat.providers.dialects import dialect_for
from tui_chat.providers.errors import (
    body_message,
    explain,
    key_hint,
    kind_from_body,
    redact,
)
from tui_chat.providers.events import ProviderError
from tui_chat.providers.images.api import (
    ImageGenerationError,
    ImageJob,
    ImageProgress,
    ProgressCallback,
)

CONTENT_FILTER_ADVICE = (
    "The provider refused this prompt or the image it made on content grounds. "
    "Rephrase the prompt and try again."
)
"""Said for an image instead of the chat words ("this conversation")."""


@dataclass(frozen=True)
class Found:
    """An image an answer names: a URL to download at once (they expire), or its bytes
    (`b64_json`), with what the provider said about it."""

    url: str | None = None
    data: bytes | None = None
    revised_prompt: str | None = None
    seed: int | None = None


class Wire:
    """The provider's API for one generator: requests, and their failures in plain words
    (classified with the provider dialect's codes, the key masked out)."""

    def __init__(self, config: ProviderConfig, api_key: str, key_source: str) -> None:
        self.config = config
        self._api_key = api_key
        self._key_source = key_source
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from tui_chat.providers.openai_compat import sdk_client

            self._client = sdk_client(self.config, self._api_key)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def post(
        self, url: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """POST `body` as JSON to `url` (absolute, or relative to the base URL); the JSON
        object answered. Raises the SDK's errors, or ImageGenerationError for an answer
        that is not a JSON object."""
        options = {"headers": dict(headers)} if headers else {}
        answer = await self._get_client().post(
            url, cast_to=object, body=dict(body), options=options
        )
        return self.json_object(answer, url)

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET `url`; the JSON object answered (see `post`)."""
        options = {"headers": dict(headers)} if headers else {}
        answer = await self._get_client().get(url, cast_to=object, options=options)
        return self.json_object(answer, url)

    def json_object(self, answer: Any, url: str) -> dict[str, Any]:
        if isinstance(answer, dict):
            return answer
        shown = one_line(str(answer), 80) if answer else "nothing"
        raise ImageGenerationError(
            self.malformed(f"{one_line(url, 120)} answered {shown} instead of a JSON object")
        )

    def malformed(self, what: str) -> ProviderError:
        """An answer that holds no image; `what` says what came instead."""
        return ProviderError(
            "malformed",
            "The answer held no image",
            join_sentences(what, "Check image_model and image_api for this provider."),
        )

    def classify(self, exc: BaseException, model: str) -> ProviderError:
        """`exc` (an SDK error, a JSON body that did not parse) in plain words, the key
        masked out; a content filter is told in image words."""
        if isinstance(exc, json.JSONDecodeError):
            error = ProviderError(
                "malformed",
                "The server's answer was not JSON",
                f"{self.config.base_url} sent something else. Check base_url and image_api.",
            )
        else:
            dialect = dialect_for(self.config.dialect)
            error = dialect.classify_error(
                exc, key_hint(self._key_source), model, self.config.base_url
            )
            if error.kind == "content_filter":
                said = body_message(getattr(exc, "body", None))
                message = join_sentences(
                    CONTENT_FILTER_ADVICE, f"The server said: {said}" if said else ""
                )
                error = ProviderError(error.kind, error.title, message, error.status)
        return redact(error, [self._api_key])

    def task_failure(self, body: Any, model: str, fallback: str) -> ProviderError:
        """A task that ended FAILED: its codes and words (`body`, e.g. DashScope's
        `output` or ModelScope's `errors`) in plain words; `fallback` when it says none."""
        said = body_message(body)
        codes = dialect_for(self.config.dialect).error_codes
        kind = kind_from_body(body, said, codes)
        if kind is None:
            error = ProviderError(
                "server",
                "The image task failed",
                join_sentences(said and f"The server said: {said}", fallback),
            )
        elif kind == "content_filter":
            error = ProviderError(
                kind,
                "Blocked by the provider's content filter",
                join_sentences(CONTENT_FILTER_ADVICE, said and f"The server said: {said}"),
            )
        else:
            error = explain(kind, said, key_hint(self._key_source), model, self.config.base_url)
        return redact(error, [self._api_key])


class Progress:
    """Tells the caller how the job goes, with the seconds since it (or the resumed
    task) started."""

    def __init__(self, callback: ProgressCallback) -> None:
        self._callback = callback
        self._started = time.monotonic()

    def __call__(
        self, stage: str, status: str = "", task_id: str | None = None, polls: int = 0
    ) -> None:
        elapsed = time.monotonic() - self._started
        self._callback(ImageProgress(stage, strip_control(status), task_id, polls, elapsed))


@dataclass(frozen=True)
class Job:
    """One job's parts, handed to the shape that runs it."""

    wire: Wire
    job: ImageJob
    progress: Progress
    poll_interval: float


@dataclass(frozen=True)
class TaskState:
    """One poll's reading of a task: still running (`status` only), done (`images`), or
    failed (`failure`)."""

    status: str
    images: list[Found] | None = None
    failure: ProviderError | None = None


async def poll_tasks(
    run: Job, task_ids: list[str], check: Callable[[str], Awaitable[TaskState]]
) -> list[Found]:
    """Poll every task until all are done, `run.poll_interval` apart, telling each poll;
    the images in task order. A failed task fails the job."""
    joined = ",".join(task_ids)
    pending = list(task_ids)
    done: dict[str, list[Found]] = {}
    polls = 0
    while pending:
        await asyncio.sleep(run.poll_interval)
        statuses: list[str] = []
        for task_id in list(pending):
            state = await check(task_id)
            if state.failure is not None:
                raise ImageGenerationError(state.failure)
            if state.images is not None:
                done[task_id] = state.images
                pending.remove(task_id)
            else:
                statuses.append(state.status)
        status = statuses[0] if statuses else "done"  # the first task still running
        polls += 1
        run.progress("polling", status, joined, polls)
    return [image for task_id in task_ids for image in done[task_id]]


def split_task_ids(resume_task_id: str) -> list[str]:
    """The task ids a job saved ("a,b" when one job made several tasks)."""
    return [part.strip() for part in resume_task_id.split(",") if part.strip()]


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_text(value: Any) -> str | None:
    """A provider's string (a revised prompt) made safe to keep and show; None if absent."""
    if isinstance(value, str) and value.strip():
        return strip_control(value).strip()
    return None


def no_task_to_resume(shape: str) -> ImageGenerationError:
    return ImageGenerationError(
        ProviderError(
            "bad_request",
            "The saved image task cannot be resumed",
            f"This provider's image API ({shape}) answers at once and has no task to poll. "
            "Generate the image again.",
        )
    )
