"""Baseline: stream a chat completion and print each content delta as it arrives.

Usage: print_client.py BASE_URL [MODEL]. After the stream ends the process stays alive (the
benchmark reads its CPU time and peak memory, then kills it).
"""

from __future__ import annotations

import asyncio
import sys

import openai


async def main(base_url: str, model: str) -> None:
    """Print the reply's content deltas, then wait to be killed."""
    client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=600)
    stream = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "go"}], stream=True
    )
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                sys.stdout.write(choice.delta.content)
                sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench-model"))
