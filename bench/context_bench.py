"""Time to build the request of a 5,000-message session under each context strategy (no
network: recall's embeddings are already stored, as after the first request).

Run: PYTHONPATH=. python bench/context_bench.py   (aim: under 50 ms per strategy)
"""

from __future__ import annotations

import random
import statistics
import time

from tui_chat.core.context.embeddings import SessionEmbeddings
from tui_chat.core.context.request import plan_context
from tui_chat.core.context.summary import Summary
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.settings import ChatSettings

MESSAGES = 5000
DIMENSIONS = 1024
RUNS = 7
EN = "We talked about topic {n} and the details that matter for the next step. "
ZH = "我们讨论了第{n}个话题以及下一步需要注意的细节。"


def make_session() -> Session:
    rng = random.Random(1)
    session = Session(provider="p", model="m", settings=ChatSettings(system_prompt="Be brief."))
    for n in range(MESSAGES // 2):
        text = (EN if n % 2 else ZH).format(n=n)
        session.add(Message(role="user", content=text * rng.randint(1, 4)))
        session.add(
            Message(
                role="assistant",
                content=text * rng.randint(3, 12),
                usage=Usage(1000, rng.randint(50, 400), 0),
            )
        )
    return session


def timed(func) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    session = make_session()
    rng = random.Random(2)
    store = SessionEmbeddings("bench")
    for message in session.messages:
        store.add(message.id, message.content, [rng.uniform(-1, 1) for _ in range(DIMENSIONS)])
    ids = [m.id for m in session.messages]
    question = [rng.uniform(-1, 1) for _ in range(DIMENSIONS)]
    session.summaries.append(Summary("Earlier: many topics.", ids[: MESSAGES // 2]))
    window = 128_000
    print(f"{MESSAGES} messages, window {window:,}; median of {RUNS} runs")
    for strategy, extra in (
        ("full", {}),
        ("last_turns", {"context_turns": 4}),
        ("budget", {}),
        ("summary", {}),
        ("recall", {}),
    ):
        session.settings = session.settings.replace(context_strategy=strategy, **extra)

        def build(strategy: str = strategy) -> None:
            scores = store.scores(question, ids[:-1]) if strategy == "recall" else None
            plan_context(session, window=window, scores=scores).messages  # noqa: B018

        ms = timed(build)
        print(f"  {strategy:<11} {ms:6.1f} ms  {'ok' if ms < 50 else 'OVER 50 ms'}")


if __name__ == "__main__":
    main()
