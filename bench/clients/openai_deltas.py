"""The stream every baseline client reads: one chat completion through the `openai` SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai


async def content_deltas(base_url: str, model: str) -> AsyncIterator[str]:
    """Each content delta of the reply to "go", as the SDK delivers it."""
    client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=600)
    stream = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "go"}], stream=True
    )
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                yield choice.delta.content
