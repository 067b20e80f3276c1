"""Summarize a py-spy raw profile (collapsed stacks, one "frame;frame;... count" per line).

    .venv/bin/python bench/profile_summary.py bench/out/profile-*.txt [--top 30] [--under reflow]

Prints the functions with the most samples, inclusive (anywhere on the stack) and self (at the
top of the stack), as a share of all samples.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from collections import Counter
from pathlib import Path


def read_stacks(paths: list[Path]) -> Counter[tuple[str, ...]]:
    stacks: Counter[tuple[str, ...]] = Counter()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def function_name(frame: str) -> str:
    """'append (textual/widgets/_markdown.py:1460)' -> 'append (textual/widgets/_markdown.py)'."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({'/'.join(where.split('/')[-3:])})" if where else name


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only functions whose name contains this")
    parser.add_argument("--under", default="", help="only stacks with a frame containing this")
    args = parser.parse_args(argv)
    stacks = read_stacks(args.files)
    if args.under:
        stacks = Counter({k: v for k, v in stacks.items() if any(args.under in f for f in k)})
    total = sum(stacks.values()) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in stacks.items():
        names = [function_name(frame) for frame in stack]
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n{title}:")
        rows = [(n, c) for n, c in counter.most_common() if args.match in n][: args.top]
        for name, count in rows:
            print(f"{100 * count / total:6.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
