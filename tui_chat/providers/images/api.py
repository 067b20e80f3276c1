"""The contract of image generation: a job in, progress out while it runs, downloaded images
back (the dialect modules beside this one do the talking)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.config.provider import ProviderConfig
from tui_chat.providers.events import ProviderError

if TYPE_CHECKING:
    from tui_chat.providers.images.wire import Job


@dataclass(frozen=True)
class ImageJob:
    """What to generate. `size` is "WIDTHxHEIGHT" or None (the provider's default)."""

    prompt: str
    model: str
    size: str | None = None
    count: int = 1
    seed: int | None = None
    negative_prompt: str | None = None


@dataclass(frozen=True)
class ImageProgress:
    """Told while a job runs: after submitting, after each poll, before each download."""

    stage: str
    """"submitting", "queued" (a task was accepted: `task_id` is set), "polling",
    "downloading"."""
    status: str = ""
    """The provider's own word for the task's state ("PENDING", "RUNNING"), if any."""
    task_id: str | None = None
    polls: int = 0
    elapsed: float = 0.0
    """Seconds since the job (or the resumed task) started."""


@dataclass(frozen=True)
class ImageResult:
    """One generated image, downloaded."""

    data: bytes
    mime: str
    """Sniffed from the bytes ("image/png", "image/jpeg", "image/webp")."""
    source_url: str | None = None
    revised_prompt: str | None = None
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    """Read from the image header when the format allows."""


class ImageGenerationError(Exception):
    """A job failed; `error` says why in the words chat errors use."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.title)
        self.error = error


ProgressCallback = Callable[[ImageProgress], None]


class ImageGenerator:
    """Generates images with one provider. One instance per provider and key; `aclose()`
    when done. Cancelling the awaiting task (Esc) stops it at once."""

    def __init__(
        self,
        config: ProviderConfig,
        api_key: str,
        *,
        timeout: float = 300.0,
        poll_interval: float = 2.0,
        key_source: str | None = None,
    ) -> None:
        from tui_chat.providers.images.download import Downloader
        from tui_chat.providers.images.wire import Wire

        self.config = config
        self.timeout = timeout
        """Seconds the whole job may take: submitting, polling and downloading."""
        self.poll_interval = poll_interval
        self._wire = Wire(config, api_key, key_source or config.key_source())
        self._downloader = Downloader(min(timeout, config.timeout))

    async def generate(
        self,
        job: ImageJob,
        on_progress: ProgressCallback,
        resume_task_id: str | None = None,
    ) -> list[ImageResult]:
        """The images of `job`. With `resume_task_id` (an asynchronous API's task saved
        before a restart) no new task is submitted: that one is polled."""
        from tui_chat.providers.images.wire import Job, Progress

        run = Job(self._wire, job, Progress(on_progress), self.poll_interval)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._run(run, resume_task_id)
        except TimeoutError:  # only the deadline's: _run turns every other error into ours
            raise ImageGenerationError(self._too_late()) from None

    async def _run(self, run: Job, resume_task_id: str | None) -> list[ImageResult]:
        from tui_chat.providers.images.shapes import shape_for

        try:
            found = await shape_for(self.config.image_api_name)(run, resume_task_id)
            run.progress("downloading", task_id=resume_task_id)
            return await self._downloader.fetch_all(found)
        except ImageGenerationError:
            raise
        except Exception as exc:
            raise ImageGenerationError(self._wire.classify(exc, run.job.model)) from None

    def _too_late(self) -> ProviderError:
        return ProviderError(
            "timeout",
            "The image did not come in time",
            f"No image arrived within {self.timeout:g} s ([images] timeout). The provider "
            "may be busy: try again later, or allow more time.",
        )

    async def aclose(self) -> None:
        await self._wire.aclose()
        await self._downloader.aclose()
