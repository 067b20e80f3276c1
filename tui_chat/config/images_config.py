"""`[images]`: how generated and attached images are shown, and `/image`'s defaults."""

from __future__ import annotations

from dataclasses import dataclass

DISPLAY_MODES = ("auto", "kitty", "sixel", "halfblock", "off")
"""auto: detected before the screen starts (kitty graphics, then sixel, else half-block
cells); kitty / sixel / halfblock force one; off shows a one-line `[image: …]` instead."""

DEFAULT_IMAGE_TIMEOUT = 300.0


@dataclass(frozen=True)
class ImagesConfig:
    """`[images]`."""

    display: str = "auto"
    """One of DISPLAY_MODES."""
    size: str | None = None
    """Default "WIDTHxHEIGHT" for `/image`; None: each provider's default."""
    count: int = 1
    """Default number of images per `/image` (1-4)."""
    timeout: float = DEFAULT_IMAGE_TIMEOUT
    """Seconds one `/image` may take in all (submitting, polling, downloading)."""
