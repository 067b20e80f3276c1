"""Which module runs a job for each image endpoint shape (`ProviderConfig.image_api_name`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tui_chat.providers.images import (
    dashscope_shape,
    modelscope_shape,
    openai_shape,
    siliconflow_shape,
)
from tui_chat.providers.images.wire import Found, Job

Shape = Callable[[Job, "str | None"], Awaitable[list[Found]]]

SHAPES: dict[str, Shape] = {
    "openai": openai_shape.run,
    "siliconflow": siliconflow_shape.run,
    "modelscope": modelscope_shape.run,
    "dashscope": dashscope_shape.run,
}


def shape_for(name: str) -> Shape:
    """The shape called `name`; OpenAI's, which most servers copy, for any other."""
    return SHAPES.get(name, openai_shape.run)
