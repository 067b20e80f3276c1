"""Image generation over each provider's endpoint shape (`ProviderConfig.image_api_name`):

- "openai": `POST {base_url}/images/generations` answering `data[].url` or `data[].b64_json`
  (OpenAI, Zhipu CogView, most compatible servers);
- "siliconflow": the same path, with `image_size` / `batch_size`, answering `images[].url`
  and `seed`;
- "modelscope": the same path with `X-ModelScope-Async-Mode: true` answering a `task_id`,
  then `GET {base_url}/tasks/{id}` until it succeeds or fails;
- "dashscope": DashScope's native API under `/api/v1` (not the compatible-mode base URL).

Every image is downloaded at once (provider URLs expire). Errors come out as
`ImageGenerationError` holding a `ProviderError`, so the UI explains a content filter,
quota or timeout as it explains a chat error. Imported on first use only.
"""

from tui_chat.providers.images.api import (
    ImageGenerationError,
    ImageGenerator,
    ImageJob,
    ImageProgress,
    ImageResult,
)

__all__ = [
    "ImageGenerationError",
    "ImageGenerator",
    "ImageJob",
    "ImageProgress",
    "ImageResult",
]
