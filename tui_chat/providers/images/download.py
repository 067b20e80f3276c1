"""Fetching the images an answer names, at once (provider URLs expire within hours or
days): a plain HTTP client of its own, so the image host never gets the API key; capped
in size; every byte checked to be an image before it is kept."""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from typing import Any
from urllib.parse import urlsplit

from tui_chat.core.attachments import sniff_image
from tui_chat.core.sanitize import one_line
from tui_chat.providers.events import ProviderError
from tui_chat.providers.images.api import ImageGenerationError, ImageResult
from tui_chat.providers.images.wire import Found

MAX_IMAGE_BYTES = 30 * 1024 * 1024
"""Larger answers are refused: no generated image comes near it, a wrong URL might."""


class Downloader:
    """Downloads images; one client for the generator's life, `aclose()` when done."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import httpx2  # the HTTP library the openai SDK uses; deferred like it

            self._client = httpx2.AsyncClient(
                timeout=httpx2.Timeout(self._timeout, connect=min(10.0, self._timeout)),
                follow_redirects=True,  # no key is sent here: a CDN's redirect is harmless
                trust_env=True,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def fetch_all(self, found: list[Found]) -> list[ImageResult]:
        """Every image at once, in order; the first failure cancels the others."""
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self.fetch(item)) for item in found]
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def fetch(self, found: Found) -> ImageResult:
        if found.data is not None:
            data = found.data
        elif found.url is not None:
            data = await self._download(found.url)
        else:
            raise ImageGenerationError(_not_an_image("The answer named an image without a URL"))
        return to_result(found, data)

    async def _download(self, url: str) -> bytes:
        if url.startswith("data:"):
            return _data_url(url)
        parts = urlsplit(url)
        host = one_line(parts.hostname or url, 80)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageGenerationError(
                _not_an_image(f"The image's address is not a web address ({one_line(url, 80)})")
            )
        import httpx2

        try:
            async with self._get_client().stream("GET", url) as response:
                if response.status_code != 200:
                    raise ImageGenerationError(_refused(host, response.status_code))
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > MAX_IMAGE_BYTES:
                    raise ImageGenerationError(_too_big(host))
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_IMAGE_BYTES:
                        raise ImageGenerationError(_too_big(host))
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx2.TimeoutException:
            raise ImageGenerationError(
                ProviderError(
                    "timeout",
                    "The image did not come in time",
                    f"Downloading it from {host} took too long. Try again.",
                )
            ) from None
        except httpx2.HTTPError as exc:
            raise ImageGenerationError(
                ProviderError(
                    "connection",
                    "The image could not be downloaded",
                    f"The connection to {host} failed ({type(exc).__name__}). Check the "
                    "network and try again.",
                )
            ) from None


def to_result(found: Found, data: bytes) -> ImageResult:
    """`data` as an ImageResult: its type sniffed from the bytes (a web page or an error
    text is refused), its size read from the header."""
    mime = sniff_image(data)
    if mime is None:
        start = one_line(data[:40].decode("utf-8", "replace"), 40)
        what = f"The image's address gave {len(data)} bytes that are not an image"
        raise ImageGenerationError(_not_an_image(f"{what} ({start or 'empty'})"))
    width, height = image_size(data)
    return ImageResult(
        data=data,
        mime=mime,
        source_url=found.url if found.url and not found.url.startswith("data:") else None,
        revised_prompt=found.revised_prompt,
        seed=found.seed,
        width=width,
        height=height,
    )


def image_size(data: bytes) -> tuple[int | None, int | None]:
    """Width and height from the image's header (Pillow reads only that much)."""
    try:
        from PIL import Image  # deferred: Pillow is heavy and only images need it

        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            return int(width), int(height)
    except Exception:  # a truncated or odd header: the image is kept, its size unknown
        return None, None


def _data_url(url: str) -> bytes:
    head, _, payload = url.partition(",")
    if not head.endswith(";base64"):
        raise ImageGenerationError(_not_an_image("The image came as a data: URL without base64"))
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        raise ImageGenerationError(_not_an_image("The image's data: URL is not base64")) from None


def _not_an_image(what: str) -> ProviderError:
    return ProviderError("malformed", "The provider sent no image", f"{what}. Try again.")


def _refused(host: str, status: int) -> ProviderError:
    if status in (401, 403, 404, 410):
        advice = "The link may have expired already. Generate the image again."
        return ProviderError(
            "not_found",
            f"The image could not be downloaded ({status})",
            f"{host} refused it. {advice}",
            status,
        )
    return ProviderError(
        "server",
        f"The image could not be downloaded ({status})",
        f"{host} answered with an error. Try again.",
        status,
    )


def _too_big(host: str) -> ProviderError:
    limit = MAX_IMAGE_BYTES // (1024 * 1024)
    return ProviderError(
        "malformed",
        "The image is too large",
        f"{host} sent more than {limit} MB, which no generated image needs; it was not kept.",
    )
