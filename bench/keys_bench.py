"""Key latency benchmark: letters typed into tui-chat's prompt while a fast reply streams.

tui-chat gets the streaming bench's reply at 1,000 tokens/s; from the first probe word seen
on, the bench types 5 distinct letters 300 ms apart (``tmux send-keys -l``) and times each
from send-keys until the prompt box shows it. Every option of ``stream_bench.py`` works and
overrides these defaults: ``--only tui-chat --rate 1000 --tokens 4000 --keys 5``. The report
goes to bench/out/keys-latest.md / .json, the last screen to keys-latest-tui-chat.txt. See
bench/README.md.
"""

from __future__ import annotations

import sys

import benchlib as bl
import stream_bench

INFO = bl.BenchInfo("Key latency during a fast stream", "keys_bench.py", "keys-latest", width=9)
DEFAULTS = ["--only", "tui-chat", "--rate", "1000", "--tokens", "4000", "--keys", "5"]


def main(argv: list[str] | None = None) -> int:
    return stream_bench.main([*DEFAULTS, *(sys.argv[1:] if argv is None else argv)], INFO)


if __name__ == "__main__":
    sys.exit(main())
