"""Start-up benchmark: time from launching the app in tmux until "Message…" is visible.

Cases, interleaved per round:

- ``minimal``: a Textual app with a Static and an Input (``clients/minimal_app.py``);
- ``skeleton``: tui-chat's first screen from stock widgets and tui-chat's stylesheet, none of
  its code (``clients/skeleton_app.py``): the floor for a screen like tui-chat's;
- ``tui-chat 0``: tui-chat with a fresh, empty data dir;
- ``tui-chat 10k first``: 10,000 saved sessions and no session index (the app builds it);
- ``tui-chat 10k warm``: the same sessions with the index the previous start wrote;
- ``tui-chat 2k msgs``: one saved session of 2,000 messages, which tui-chat opens at start
  (the clock stops when the end of its last message is visible);
- ``tui-chat 2k open``: that session and a newer short one, which tui-chat opens at start;
  the bench then selects the long one in the sidebar (Ctrl+S, Down, Enter) and times from
  Enter until the end of its last message is visible.

See bench/README.md.
"""

from __future__ import annotations

import contextlib
import random
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import benchlib as bl
from longreply import generate_question, generate_reply

from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.store.session_store import SessionStore

CASES = (
    "minimal", "skeleton", "tui-chat 0", "tui-chat 10k first", "tui-chat 10k warm",
    "tui-chat 2k msgs", "tui-chat 2k open",
)  # fmt: skip
BASELINES = {"minimal": "minimal_app.py", "skeleton": "skeleton_app.py"}
"""The cases that are not tui-chat, and their clients."""
INFO = bl.BenchInfo("Start-up benchmark", "startup_bench.py", "startup-latest", width=18)
SIDEBAR_WAIT = 60.0
"""After "Message…" shows, how long to wait for the sidebar to list every session."""
LAST_MARKER = "ZZLASTREPLYZZ"
"""The last words of the long session's last message, and nowhere else."""
SHORT_MARKER = "ZZSHORTZZ"
"""In the reply of the short session of the "2k open" case."""
KEY_PAUSE = 0.3
"""2k open: seconds between Ctrl+S, Down and Enter (focus moves to the sidebar first)."""


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
    last_msg: float | None = None
    """2k msgs: the end of the long session's last message is visible."""
    opened: float | None = None
    """2k open: from Enter on the long session in the sidebar until the end of its last
    message is visible."""
    last_cpu: float | None = None
    """2k msgs: CPU seconds from launch until `last_msg`; 2k open: from Enter until shown."""


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


def generate_long_session(stores: list[SessionStore], count: int, updated_at: float) -> None:
    """One session of `count` messages, user and assistant in turn, saved in each of
    `stores`. Replies are Markdown of 1 to 16 blocks (paragraphs, lists, tables, code,
    Chinese...); the last message ends with LAST_MARKER."""
    rng = random.Random(3)
    start = updated_at - count * 60.0
    session = Session(provider="bench", model="bench-model", created_at=start)
    for n in range(count):
        at = start + n * 60.0
        if n % 2 == 0:
            message = Message(role="user", content=generate_question(n), created_at=at)
        else:
            blocks = rng.choice((1, 1, 2, 2, 3, 4, 6, 8, 16))
            message = Message(
                role="assistant",
                content=generate_reply(n, blocks),
                created_at=at,
                model="bench-model",
                provider="bench",
                finish_reason="stop",
                usage=Usage(prompt_tokens=20 * n, completion_tokens=150 * blocks),
            )
        session.add(message)
    last = session.messages[-1]
    last.content += f"\n\nThat is the whole answer: {LAST_MARKER}"
    session.updated_at = updated_at
    for store in stores:
        store.save(session)


def generate_short_session(store: SessionStore, updated_at: float) -> None:
    """A session of one question and a one-line reply (with SHORT_MARKER)."""
    session = Session(provider="bench", model="bench-model", created_at=updated_at - 60)
    session.add(Message(role="user", content="A short question?", created_at=updated_at - 60))
    session.add(
        Message(
            role="assistant",
            content=f"A short answer. {SHORT_MARKER}",
            created_at=updated_at,
            model="bench-model",
            provider="bench",
            finish_reason="stop",
        )
    )
    session.updated_at = updated_at
    store.save(session)


def generate_data(setup: Setup, keys: list[str], n_sessions: int, n_messages: int) -> None:
    """Write the data dirs the chosen cases need, saying how long it took."""
    started = time.monotonic()
    if any("10k" in c for c in keys):
        generate_sessions(setup.big_data, n_sessions)
        print(f"generated {n_sessions} sessions in {time.monotonic() - started:.1f} s", flush=True)
    if any("2k" in c for c in keys):
        started = time.monotonic()
        now = time.time()
        long_store, open_store = (
            SessionStore(d / "sessions", d / "session-index.json")
            for d in (setup.long_data, setup.open_data)
        )
        generate_long_session([long_store, open_store], n_messages, now - 3600)
        generate_short_session(open_store, now)
        size = sum(f.stat().st_size for f in (setup.long_data / "sessions").glob("*.json"))
        print(
            f"generated a session of {n_messages} messages ({size / 1e6:.1f} MB) in "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )


@dataclass
class Setup(bl.Workspace):
    """Everything a start needs."""

    big_data: Path
    n_sessions: int
    long_data: Path
    """2k msgs: one long session."""
    open_data: Path
    """2k open: the long session and a newer short one."""

    def data_dir(self, case: str, scratch: Path) -> tuple[Path, int]:
        """The case's data dir and how many sessions it holds."""
        if "10k" in case:
            return self.big_data, self.n_sessions
        if case == "tui-chat 2k msgs":
            return self.long_data, 1
        if case == "tui-chat 2k open":
            return self.open_data, 2
        return scratch, 0


def command(setup: Setup, case: str, data_dir: Path) -> str:
    if case in BASELINES:
        return shlex.join([bl.PYTHON, str(bl.CLIENTS_DIR / BASELINES[case])])
    return shlex.join([bl.TUI_CHAT, "--config", str(setup.config), "--data-dir", str(data_dir)])


class Sightings:
    """When each of some texts was first seen on screen, noted by every poll that waits."""

    def __init__(self, **texts: str) -> None:
        self.texts = texts
        self.at: dict[str, float] = {}

    def until(self, *labels: str) -> Callable[[str], bool]:
        """A `done` for :meth:`benchlib.Pane.wait`: True once every one of `labels` was seen."""

        def done(screen: str) -> bool:
            now = time.monotonic()
            for label, text in self.texts.items():
                if label not in self.at and text in screen:
                    self.at[label] = now
            return all(label in self.at for label in labels)

        return done


def measure(setup: Setup, case: str, round_no: int) -> StartRun:
    """Launch one case, wait for the prompt (and the sidebar, and the long session's last
    message), read its stats, kill it."""
    run = StartRun(case=case, round=round_no)
    pane = bl.Pane(setup.tmux, case.replace(" ", "-"), setup.workdir, setup.timeout)
    data_dir, expected = setup.data_dir(case, pane.scratch)
    index = data_dir / "session-index.json"
    if case.endswith("first"):
        index.unlink(missing_ok=True)
    elif case.endswith("warm") and not index.exists():
        run.notes = "no index from the previous start"
    sights = Sightings(prompt=bl.PLACEHOLDER, listed=f"Sessions ({expected})", last=LAST_MARKER)
    with pane:
        pid = pane.launch(command(setup, case, data_dir))
        pane.wait(sights.until("prompt"))
        pids = bl.process_tree(pid)
        seen = sights.at["prompt"]
        run.ready = seen - pane.launched
        run.cpu = bl.cpu_seconds(pids)
        run.rss_mb = bl.peak_rss_mb(pids)
        if case not in BASELINES:
            pane.wait(sights.until("listed"), min(pane.deadline, seen + SIDEBAR_WAIT))
            run.listed = sights.at["listed"] - pane.launched
        if case == "tui-chat 2k msgs":
            pane.wait(sights.until("last"))
            run.last_msg = sights.at["last"] - pane.launched
            run.last_cpu = bl.cpu_seconds(bl.process_tree(pid))
        if case == "tui-chat 2k open":
            open_long_session(pane, pid, run, sights)
        if case not in BASELINES:
            run.rss_mb = max(run.rss_mb, bl.peak_rss_mb(bl.process_tree(pid)))
    run.error = pane.error
    notes = [run.notes, *bl.screen_warnings(pane.screen, "could not be read")]
    if case.endswith("first") and run.error is None and not index.exists():
        notes.append("no session index written")
    run.notes = "; ".join(filter(None, notes))
    pane.save_screen(f"startup-screen-{case.replace(' ', '-')}.txt")
    return run


def open_long_session(pane: bl.Pane, pid: int, run: StartRun, sights: Sightings) -> None:
    """2k open: once the short session shows, select the long one in the sidebar; time it."""
    pane.wait(lambda s: SHORT_MARKER in s)
    if LAST_MARKER in pane.screen or "last" in sights.at:
        raise RuntimeError("the long session is on screen before it was selected")
    pane.tmux.send_keys(pane.name, "C-s")  # focus the session list; its cursor is on the
    time.sleep(KEY_PAUSE)  # short session, the newest, and the long one is next
    pane.tmux.send_keys(pane.name, "Down")
    time.sleep(KEY_PAUSE)
    pids = bl.process_tree(pid)
    cpu = bl.cpu_seconds(pids)
    sent = time.monotonic()
    pane.tmux.send_keys(pane.name, "Enter")
    pane.wait(sights.until("last"))
    run.opened = sights.at["last"] - sent
    run.last_cpu = bl.cpu_seconds(bl.process_tree(pid)) - cpu


def summarize(runs: list[StartRun], cases: list[str]) -> bl.Table:
    return bl.summary_table(
        runs,
        cases,
        ["case", "ok", "prompt s", "sidebar s", "last msg s", "open s", "CPU s", "last CPU s",
         "peak RSS MB", "time ×minimal", "CPU ×minimal", "RSS ×minimal"],
        values="ready listed last_msg opened cpu last_cpu rss_mb:0",
        ratios="ready/minimal cpu/minimal rss_mb/minimal",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = bl.bench_parser(__doc__, runs=5, noun="case", choices=CASES)
    parser.add_argument("--sessions", type=int, default=10_000, help="saved sessions (10000)")
    parser.add_argument(
        "--messages", type=int, default=2000, help="messages of the long session (2000)"
    )
    args = bl.parse_bench_args(parser, argv)
    if args.sessions < 1 or args.messages < 1:
        parser.error("--sessions and --messages must be positive")

    def prepare(
        workdir: Path, tmux: bl.Tmux, cleanups: contextlib.ExitStack
    ) -> Callable[[str, int], StartRun]:
        config = workdir / "config.toml"
        bl.write_config(config, "http://127.0.0.1:9/v1")  # never contacted at start-up
        setup = Setup(
            tmux, workdir, config, args.timeout, workdir / "data-10k", args.sessions,
            workdir / "data-2k", workdir / "data-2k-open",
        )  # fmt: skip
        generate_data(setup, args.keys, args.sessions, args.messages)
        return lambda case, round_no: measure(setup, case, round_no)

    def progress(run: StartRun) -> str:
        line = f"prompt {bl.fmt(run.ready)} s  sidebar {bl.fmt(run.listed)} s"
        if run.last_msg is not None:
            line += f"  last msg {bl.fmt(run.last_msg)} s"
        if run.opened is not None:
            line += f"  open {bl.fmt(run.opened)} s"
        return line

    def describe(runs: list[StartRun]) -> tuple[str, bl.Table, list[str]]:
        setup = (
            f"{args.sessions} saved sessions for the 10k cases, a session of {args.messages} "
            f"messages for the 2k cases, medians of {args.runs} run(s)"
        )
        return setup, summarize(runs, args.keys), []

    return bl.run_rounds(args, INFO, prepare, progress, describe)


if __name__ == "__main__":
    sys.exit(main())
