"""Baseline: stream a chat completion and print each content delta as it arrives.

Usage: print_client.py BASE_URL [MODEL]. After the stream ends the process stays alive (the
benchmark reads its CPU time and peak memory, then kills it).
"""

from __future__ import annotations

import asyncio
import sys

from openai_deltas import content_deltas


async def main(base_url: str, model: str) -> None:
    """Print the reply's content deltas, then wait to be killed."""
    async for delta in content_deltas(base_url, model):
        sys.stdout.write(delta)
        sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "bench-model"))
