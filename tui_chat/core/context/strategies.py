"""The context strategies that pick, per exchange, what a request keeps (request.py plans).

Each works on the planned entries of the messages that may be sent at all, one entry per
message: a turn that called tools is one entry, so its calls go or stay with its results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.core.context.request import Planned, State

DEFAULT_TURNS = 4
"""N for last_turns when the session does not say."""
RECALL_RECENT_TURNS = 2
"""Exchanges recall always keeps before the new question (context_turns overrides)."""
RECALL_HITS = 4
"""Most older turns recall brings back."""
RECALL_MIN_SCORE = 0.3
"""Cosine similarity below which an old turn is not worth recalling."""


def with_state(
    entry: Planned, state: State, score: float | None = None, reason: str | None = None
) -> Planned:
    return dataclasses.replace(entry, state=state, score=score, reason=reason)


def _turn_starts(entries: list[Planned]) -> list[int]:
    """Indexes of the user messages that start each exchange."""
    return [i for i, e in enumerate(entries) if e.role == "user"]


def keep_last_turns(entries: list[Planned], turns: int | None) -> None:
    """Keep the last N exchanges (each answer with its question, and what came between
    them) and the new question; drop the rest. N=1 is the "chain" style: the previous
    exchange and the new question; N=0 sends the new question alone."""
    n = DEFAULT_TURNS if turns is None else turns
    answers = [i for i, e in enumerate(entries) if e.role == "assistant" and e.state == "kept"]
    if n <= 0:
        first = len(entries)
        if entries and entries[-1].state == "new":
            first = len(entries) - 1
    elif len(answers) >= n:
        first = answers[-n]
        if first > 0 and entries[first - 1].role == "user":
            first -= 1  # the answer's question: a request starts with a question
    else:
        first = 0
    for i in range(first):
        if entries[i].state == "kept":
            entries[i] = with_state(entries[i], "dropped")


def keep_within(entries: list[Planned], budget: int) -> None:
    """Keep the newest sent messages that fit in `budget` (always the newest one); drop
    the older ones, from the first that does not fit."""
    used = 0
    full = False
    for i in range(len(entries) - 1, -1, -1):
        entry = entries[i]
        if entry.state not in ("kept", "new", "recalled"):
            continue
        if not full and (used + entry.tokens <= budget or used == 0):
            used += entry.tokens
            continue
        full = True
        entries[i] = with_state(entry, "dropped")


def recall(entries: list[Planned], scores: Mapping[str, float], recent: int) -> None:
    """Keep the last `recent` exchanges and the new question; of the older exchanges,
    bring back the RECALL_HITS most similar to the question (whole exchanges)."""
    starts = _turn_starts(entries)
    keep_from = len(entries)
    n = recent + (1 if entries and entries[-1].state == "new" else 0)
    if n > 0:
        keep_from = starts[-n] if len(starts) >= n else 0
    # Older exchanges: [start, next start) ranges before keep_from.
    bounds = [s for s in starts if s < keep_from]
    if not bounds or bounds[0] != 0:
        bounds.insert(0, 0)
    ranges = [
        (start, bounds[k + 1] if k + 1 < len(bounds) else keep_from)
        for k, start in enumerate(bounds)
        if start < keep_from
    ]
    ranked: list[tuple[float, int, int]] = []
    for start, end in ranges:
        best = max(
            (scores.get(entries[i].message_id or "", -1.0) for i in range(start, end)),
            default=-1.0,
        )
        if best >= RECALL_MIN_SCORE:
            ranked.append((best, start, end))
    ranked.sort(reverse=True)
    chosen = {(start, end): score for score, start, end in ranked[:RECALL_HITS]}
    for start, end in ranges:
        score = chosen.get((start, end))
        for i in range(start, end):
            entry = entries[i]
            if entry.state != "kept":
                continue
            if score is None:
                entries[i] = with_state(entry, "dropped")
            else:
                entries[i] = with_state(entry, "recalled", score)
