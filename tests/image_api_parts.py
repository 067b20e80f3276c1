"""What the image API tests share: a generator pointed at the image test server, and a
progress recorder."""

from __future__ import annotations

from image_server import FakeImageServer

from tui_chat.config.provider import ProviderConfig
from tui_chat.providers.images import ImageGenerator, ImageJob, ImageProgress

KEY = "sk-image-test-SECRET-0123456789abcdef"


def generator(
    server: FakeImageServer,
    dialect: str = "openai",
    *,
    image_api: str | None = None,
    timeout: float = 30.0,
    poll_interval: float = 0.0,
) -> ImageGenerator:
    """A generator for a provider of `dialect` at the server (DashScope at its
    compatible-mode URL, as users configure it)."""
    base_url = server.dashscope_base_url if dialect == "dashscope" else server.base_url
    config = ProviderConfig(
        name=dialect, base_url=base_url, dialect=dialect, image_api=image_api, timeout=10.0
    )
    return ImageGenerator(config, KEY, timeout=timeout, poll_interval=poll_interval)


def job(model: str = "cogview-4", **fields: object) -> ImageJob:
    return ImageJob(prompt="一只在竹林里喝茶的熊猫", model=model, **fields)  # type: ignore[arg-type]


class Stages:
    """Records the progress a job reports."""

    def __init__(self) -> None:
        self.seen: list[ImageProgress] = []

    def __call__(self, progress: ImageProgress) -> None:
        self.seen.append(progress)

    @property
    def stages(self) -> list[str]:
        return [p.stage for p in self.seen]

    def first(self, stage: str) -> ImageProgress:
        return next(p for p in self.seen if p.stage == stage)
