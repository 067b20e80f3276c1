"""Start-up benchmark: time from launching the app in tmux until "Message…" is visible.

Cases, interleaved per round:

- ``minimal``: a Textual app with a Static and an Input (``clients/minimal_app.py``);
- ``tui-chat 0``: tui-chat with a fresh, empty data dir;
- ``tui-chat 10k first``: 10,000 saved sessions and no session index (the app builds it);
- ``tui-chat 10k warm``: the same sessions with the index the previous start wrote.

See bench/README.md.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import benchlib as bl

from tui_chat.session import Message, Session, Usage
from tui_chat.store import SessionStore

CASES = ("minimal", "tui-chat 0", "tui-chat 10k first", "tui-chat 10k warm")
INFO = bl.BenchInfo("Start-up benchmark", "startup_bench.py", "startup-latest", width=18)
SIDEBAR_WAIT = 60.0
"""After "Message…" shows, how long to wait for the sidebar to list every session."""


@dataclass(kw_only=True)
class StartRun(bl.Attempt):
    """One start. Times are seconds from launching the tmux session; `cpu` and `rss_mb` are
    the app's when it was ready (`rss_mb`: or, for tui-chat, when the sidebar was complete)."""

    KEY_FIELD = "case"
    case: str
    ready: float | None = None
    """The prompt placeholder "Message…" is visible."""
    listed: float | None = None
    """tui-chat: the sidebar title shows the number of saved sessions."""


def generate_sessions(data_dir: Path, count: int) -> None:
    """`count` sessions of four messages each, saved the way tui-chat saves them. The index
    is deliberately not written: the first start has to build it."""
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    now = time.time()
    for n in range(count):
        at = now - n * 600.0
        session = Session(provider="bench", model="bench-model", created_at=at, updated_at=at)
        session.add(Message(role="user", content=f"Question {n}: how do I stream tokens?"))
        session.add(
            Message(
                role="assistant",
                content=f"Answer {n}:\n\n- use a worker\n- batch updates per frame\n",
                model="bench-model",
                provider="bench",
                finish_reason="stop",
                usage=Usage(prompt_tokens=12, completion_tokens=40, total_tokens=52),
            )
        )
        session.add(Message(role="user", content="And for tables?"))
        session.add(
            Message(
                role="assistant",
                content="| a | b |\n|---|---|\n| 1 | 2 |\n",
                model="bench-model",
                provider="bench",
                finish_reason="stop",
            )
        )
        session.created_at = session.updated_at = at
        store.save(session)


@dataclass
class Setup(bl.Workspace):
    """Everything a start needs."""

    big_data: Path
    n_sessions: int


def command(setup: Setup, case: str, data_dir: Path) -> str:
    if case == "minimal":
        return shlex.join([bl.PYTHON, str(bl.CLIENTS_DIR / "minimal_app.py")])
    return shlex.join([bl.TUI_CHAT, "--config", str(setup.config), "--data-dir", str(data_dir)])


def measure(setup: Setup, case: str, round_no: int) -> StartRun:
    """Launch one case, wait for the prompt (and the sidebar), read its stats, kill it."""
    run = StartRun(case=case, round=round_no)
    pane = bl.Pane(setup.tmux, case.replace(" ", "-"), setup.workdir, setup.timeout)
    data_dir = setup.big_data if "10k" in case else pane.scratch
    expected = setup.n_sessions if "10k" in case else 0
    index = data_dir / "session-index.json"
    if case.endswith("first"):
        index.unlink(missing_ok=True)
    elif case.endswith("warm") and not index.exists():
        run.notes = "no index from the previous start"
    with pane:
        pid = pane.launch(command(setup, case, data_dir))
        seen = pane.wait(lambda s: bl.PLACEHOLDER in s)
        pids = bl.process_tree(pid)
        run.ready = seen - pane.launched
        run.cpu = bl.cpu_seconds(pids)
        run.rss_mb = bl.peak_rss_mb(pids)
        if case != "minimal":
            title = f"Sessions ({expected})"
            listed = pane.wait(lambda s: title in s, min(pane.deadline, seen + SIDEBAR_WAIT))
            run.listed = listed - pane.launched
            run.rss_mb = max(run.rss_mb, bl.peak_rss_mb(bl.process_tree(pid)))
    run.error = pane.error
    notes = [run.notes, *bl.screen_warnings(pane.screen, "could not be read")]
    if case.endswith("first") and run.error is None and not index.exists():
        notes.append("no session index written")
    run.notes = "; ".join(filter(None, notes))
    pane.save_screen(f"startup-screen-{case.replace(' ', '-')}.txt")
    return run


def summarize(runs: list[StartRun], cases: list[str]) -> bl.Table:
    return bl.summary_table(
        runs,
        cases,
        ["case", "ok", "prompt s", "sidebar s", "CPU s", "peak RSS MB",
         "time ×minimal", "CPU ×minimal", "RSS ×minimal"],
        values="ready listed cpu rss_mb:0",
        ratios="ready/minimal cpu/minimal rss_mb/minimal",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = bl.bench_parser(__doc__, runs=5, noun="case", choices=CASES)
    parser.add_argument("--sessions", type=int, default=10_000, help="saved sessions (10000)")
    args = bl.parse_bench_args(parser, argv)
    if args.sessions < 1:
        parser.error("--sessions must be positive")

    def prepare(
        workdir: Path, tmux: bl.Tmux, cleanups: contextlib.ExitStack
    ) -> Callable[[str, int], StartRun]:
        config = workdir / "config.toml"
        bl.write_config(config, "http://127.0.0.1:9/v1")  # never contacted at start-up
        big_data = workdir / "data-10k"
        if any("10k" in c for c in args.keys):
            started = time.monotonic()
            generate_sessions(big_data, args.sessions)
            print(
                f"generated {args.sessions} sessions in {time.monotonic() - started:.1f} s",
                flush=True,
            )
        setup = Setup(tmux, workdir, config, args.timeout, big_data, args.sessions)
        return lambda case, round_no: measure(setup, case, round_no)

    def progress(run: StartRun) -> str:
        return f"prompt {bl.fmt(run.ready)} s  sidebar {bl.fmt(run.listed)} s"

    def describe(runs: list[StartRun]) -> tuple[str, bl.Table, list[str]]:
        setup = f"{args.sessions} saved sessions for the 10k cases, medians of {args.runs} run(s)"
        return setup, summarize(runs, args.keys), []

    return bl.run_rounds(args, INFO, prepare, progress, describe)


if __name__ == "__main__":
    sys.exit(main())
