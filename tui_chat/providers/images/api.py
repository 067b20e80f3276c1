"""The contract of image generation: a job in, progress out while it runs, downloaded images
back (the dialect modules beside this one do the talking)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui_chat.config.provider import ProviderConfig
from tui_chat.providers.events import ProviderError


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
        raise NotImplementedError  # built by the image API helper

    async def generate(
        self,
        job: ImageJob,
        on_progress: ProgressCallback,
        resume_task_id: str | None = None,
    ) -> list[ImageResult]:
        """The images of `job`. With `resume_task_id` (an asynchronous API's task saved
        before a restart) no new task is submitted: that one is polled."""
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError
