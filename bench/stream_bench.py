"""Streaming benchmark: how long until the last token of a long Markdown reply is on screen.

Three clients stream the same reply from the OpenAI-compatible test server
(``tests/sse_server.py``, run in this process) inside a fresh 200×50 tmux session each:

- ``print``: prints each content delta (``clients/print_client.py``);
- ``markdown``: a minimal Textual app streaming into one Markdown widget
  (``clients/markdown_stream_app.py``);
- ``tui-chat``: the app itself, sent the prompt "go" with tmux send-keys.

The clock starts when the server receives the chat request and stops when the reply's last
chunk, the end marker, is visible in ``tmux capture-pane``. See bench/README.md.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchlib as bl
from longreply import END_MARKER, generate_chunks, generate_reasoning

sys.path.insert(0, str(bl.REPO_DIR / "tests"))
import sse_server
from sse_server import FakeOpenAIServer, Script

INFO = bl.BenchInfo("Streaming benchmark", "stream_bench.py", "latest", width=9)
MODEL = "bench-model"
SETTLE_QUIET = 1.0
"""Settled: the screen has not changed and the client has been idle for this long."""
IDLE_CPU = 0.1
"""Idle: the client uses less than this share of one core (sampled every CPU_WINDOW)."""
CPU_WINDOW = 0.2
SETTLE_MAX = 60.0
CLIENT_KEYS = ("print", "markdown", "tui-chat")
LABELS = {
    "print": "print baseline",
    "markdown": "minimal Markdown app",
    "tui-chat": "tui-chat",
}


class _TimedHandler(sse_server._Handler):
    """The test server's handler, noting when a stream has been sent completely."""

    def _stream(self, script: Script, body: dict[str, Any]) -> None:
        try:
            super()._stream(script, body)
        finally:
            owner = self.owner
            assert isinstance(owner, TimedServer)
            owner.sent_at = time.monotonic()


class TimedServer(FakeOpenAIServer):
    """FakeOpenAIServer that timestamps the chat request (and the client's CPU time then)."""

    def __init__(self) -> None:
        super().__init__(models=[MODEL])
        self.watch: list[int] = []
        self.request_at: float | None = None
        self.cpu_at_request: float | None = None
        self.sent_at: float | None = None

    def start(self) -> TimedServer:
        super().start()
        assert self._httpd is not None
        self._httpd.RequestHandlerClass = _TimedHandler
        return self

    def arm(self, pids: list[int]) -> None:
        """Forget the last request; sample the CPU time of `pids` when the next one arrives."""
        self.watch = pids
        self.request_at = self.cpu_at_request = self.sent_at = None

    def _add_request(self, record: dict[str, Any]) -> None:
        path = str(record.get("path", "")).split("?", 1)[0].rstrip("/")
        if record.get("method") == "POST" and path.endswith("/chat/completions"):
            self.request_at = time.monotonic()
            self.cpu_at_request = bl.cpu_seconds(self.watch)
        super()._add_request(record)


@dataclass(kw_only=True)
class Run(bl.Attempt):
    """One client streaming the reply once. Times are seconds after the request arrived;
    `cpu` is the client's CPU seconds from the request until the marker was visible, `rss_mb`
    its peak memory once settled."""

    KEY_FIELD = "client"
    client: str
    last_token: float | None = None
    lag: float | None = None
    """Marker visible minus the moment the server had sent the whole stream."""
    settled: float | None = None
    """The later of the screen's last change and the client's last busy moment (after the
    marker), once both have been quiet for SETTLE_QUIET."""
    cpu_settled: float | None = None
    send_to_request: float | None = None
    """tui-chat only: from send-keys "go" Enter to the request reaching the server."""
    marker_left: bool | None = None
    """Whether the marker went out of view at some point after it first appeared."""


@dataclass
class Bench(bl.Workspace):
    """Everything a run needs."""

    server: TimedServer
    content: str
    profile: float = 0
    """Seconds to run tui-chat under py-spy (0: not at all); the samples go to
    OUT_DIR/profile-<session>.txt."""


def client_command(bench: Bench, key: str, data_dir: Path) -> str:
    base_url = bench.server.base_url
    if key == "print":
        return shlex.join([bl.PYTHON, str(bl.CLIENTS_DIR / "print_client.py"), base_url, MODEL])
    if key == "markdown":
        app = str(bl.CLIENTS_DIR / "markdown_stream_app.py")
        return shlex.join([bl.PYTHON, app, base_url, MODEL])
    app = [bl.TUI_CHAT, "--config", str(bench.config), "--data-dir", str(data_dir)]
    if bench.profile:
        out = bl.OUT_DIR / f"profile-{data_dir.name}.txt"
        app = [str(bl.VENV_BIN / "py-spy"), "record", "-f", "raw", "-r", "250",
               "-d", str(int(bench.profile)), "-o", str(out), "--", *app]  # fmt: skip
    return shlex.join(app)


def measure(bench: Bench, key: str, round_no: int) -> Run:
    """Run one client once, from launch to a settled screen, then kill it."""
    run = Run(client=key, round=round_no)
    tmux, server = bench.tmux, bench.server
    pane = bl.Pane(tmux, key, bench.workdir, bench.timeout)
    data_dir = pane.scratch
    data_dir.mkdir()
    with pane:
        server.arm([])
        pid = pane.launch(client_command(bench, key, data_dir))
        server.arm([pid])
        sent_keys_at: float | None = None
        if key == "tui-chat":
            pane.wait(lambda s: bl.PLACEHOLDER in s or "Quit" in s)
            server.arm(bl.process_tree(pid))
            sent_keys_at = time.monotonic()
            tmux.send_keys(pane.name, "go", "Enter")
        seen = pane.wait(lambda s: END_MARKER in s)
        pids = bl.process_tree(pid)
        if server.request_at is None or server.cpu_at_request is None:
            raise RuntimeError("the marker is on screen but no request reached the server")
        run.last_token = seen - server.request_at
        run.cpu = bl.cpu_seconds(pids) - server.cpu_at_request
        run.rss_mb = bl.peak_rss_mb(pids)
        if server.sent_at is not None:
            run.lag = seen - server.sent_at
        if sent_keys_at is not None:
            run.send_to_request = server.request_at - sent_keys_at
        pane.screen, settled, run.marker_left = settle(
            bench, pane.name, pids, pane.screen, seen, pane.deadline
        )
        run.settled = settled - server.request_at
        pids = bl.process_tree(pid)
        run.cpu_settled = bl.cpu_seconds(pids) - server.cpu_at_request
        run.rss_mb = max(run.rss_mb, bl.peak_rss_mb(pids))
        run.notes = inspect(key, pane.screen, run.marker_left, data_dir, bench.content)
    run.error = pane.error
    pane.save_screen(f"screen-{key}.txt")
    return run


def settle(
    bench: Bench, name: str, pids: list[int], screen: str, since: float, deadline: float
) -> tuple[str, float, bool]:
    """Wait until the pane stopped changing and the client went idle.

    Returns the final screen, the time it settled, and whether the marker left the screen.
    """
    last_change = busy_at = window_start = since
    window_cpu = bl.cpu_seconds(pids)
    marker_left = False
    limit = min(deadline, since + SETTLE_MAX)
    while True:
        time.sleep(bl.POLL_SECONDS)
        current = bench.tmux.capture(name)
        now = time.monotonic()
        if current != screen:
            screen, last_change = current, now
            marker_left = marker_left or END_MARKER not in current
        if now - window_start >= CPU_WINDOW:
            cpu = bl.cpu_seconds(pids)
            if cpu - window_cpu > IDLE_CPU * (now - window_start):
                busy_at = now
            window_start, window_cpu = now, cpu
        settled = max(last_change, busy_at)
        if now - settled >= SETTLE_QUIET or now >= limit:
            return screen, settled, marker_left


def inspect(key: str, screen: str, marker_left: bool, data_dir: Path, content: str) -> str:
    """Anything odd about the final screen, or (tui-chat) about the saved session."""
    notes: list[str] = []
    if marker_left:
        notes.append("the marker left the screen after it had appeared")
    if END_MARKER not in screen:
        notes.append("the marker is not on the final screen")
    notes += bl.screen_warnings(screen)
    if key == "tui-chat":
        files = list((data_dir / "sessions").glob("*.json"))
        if len(files) != 1:
            notes.append(f"{len(files)} session files saved")
        else:
            data = json.loads(files[0].read_text(encoding="utf-8"))
            reply = data["messages"][-1]
            if reply.get("status") != "complete":
                notes.append(f"saved reply status {reply.get('status')!r}")
            if reply.get("content") != content:
                notes.append("saved reply differs from what was sent")
    return "; ".join(notes)


def summarize(runs: list[Run], keys: list[str]) -> bl.Table:
    """Medians per client, with ratios to the baselines."""
    return bl.summary_table(
        runs,
        keys,
        [
            "client", "ok", "last token s", "lag s", "settled s", "CPU s", "CPU settled s",
            "peak RSS MB", "time ×print", "time ×md", "CPU ×md", "RSS ×md",
        ],
        values="last_token lag settled cpu cpu_settled rss_mb:0",
        ratios="last_token/print last_token/markdown cpu/markdown rss_mb/markdown",
        label=LABELS.__getitem__,
        error_if_none_ok=True,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = bl.bench_parser(__doc__, runs=3, noun="client", choices=CLIENT_KEYS)
    parser.add_argument("--tokens", type=int, default=10_000, help="content chunks (10000)")
    parser.add_argument(
        "--rate", type=float, default=0, help="tokens per second; 0 = as fast as possible"
    )
    parser.add_argument("--reasoning", type=int, default=0, help="reasoning chunks first (0)")
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="sample tui-chat with py-spy for SECONDS from its start (pip install py-spy); "
        "summarize with profile_summary.py",
    )
    args = bl.parse_bench_args(parser, argv)
    if args.tokens < 1 or args.rate < 0 or args.reasoning < 0:
        parser.error("--tokens must be positive, --rate and --reasoning >= 0")
    chunks = generate_chunks(args.tokens)
    reasoning = generate_reasoning(args.reasoning)

    def prepare(
        workdir: Path, tmux: bl.Tmux, cleanups: contextlib.ExitStack
    ) -> Callable[[str, int], Run]:
        server = TimedServer()
        cleanups.callback(server.stop)
        server.start()
        server.default = Script(
            content=chunks,
            reasoning=reasoning,
            delay=1 / args.rate if args.rate else 0.0,
            usage={
                "prompt_tokens": 1,
                "completion_tokens": len(chunks) + len(reasoning),
                "total_tokens": 1 + len(chunks) + len(reasoning),
            },
        )
        config = workdir / "config.toml"
        bl.write_config(config, server.base_url)
        bench = Bench(tmux, workdir, config, args.timeout, server, "".join(chunks), args.profile)
        return lambda key, round_no: measure(bench, key, round_no)

    def progress(run: Run) -> str:
        return f"last token {bl.fmt(run.last_token)} s  settled {bl.fmt(run.settled)} s"

    def describe(runs: list[Run]) -> tuple[str, bl.Table, list[str]]:
        rate = f"{args.rate:g} tokens/s" if args.rate else "as fast as possible"
        setup = (
            f"{len(chunks)} content chunks ({len(''.join(chunks))} chars)"
            f"{f' after {len(reasoning)} reasoning chunks' if reasoning else ''}, {rate}, "
            f"medians of {args.runs} run(s)"
        )
        sent = [r.send_to_request for r in runs if r.send_to_request is not None]
        enter = f"tui-chat, Enter to request at the server: {bl.fmt(bl.median(sent))} s"
        return setup, summarize(runs, args.keys), [enter] if sent else []

    return bl.run_rounds(args, INFO, prepare, progress, describe)


if __name__ == "__main__":
    sys.exit(main())
