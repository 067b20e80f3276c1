"""Streaming benchmark: how long until the last token of a long Markdown reply is on screen.

Four clients stream the same reply from the OpenAI-compatible test server
(``tests/sse_server.py``, run in this process) inside a fresh 200×50 tmux session each:

- ``print``: prints each content delta (``clients/print_client.py``);
- ``markdown``: a minimal Textual app streaming into one Markdown widget
  (``clients/markdown_stream_app.py``);
- ``plain``: a Textual app showing the reply as plain text, one Static
  per paragraph, 20 frames a second (``clients/plain_stream_app.py``), the floor for a
  Textual client;
- ``tui-chat``: the app itself, sent the prompt "go" with tmux send-keys.

The clock starts when the server receives the chat request and stops when the reply's last
chunk, the end marker, is visible in ``tmux capture-pane``. Along the way, numbered probe words
in the reply time each part from the server writing it to the screen showing it (display
lag). Two figures show how smoothly the end arrives: from the server writing the marker's
chunk to the marker visible, and the longest the screen went unchanged while the reply was
arriving (``stream_watch.py`` does the watching). With ``--keys N`` the bench also types N
letters into tui-chat's prompt while the reply streams and times each one's appearance
(``keys_bench.py`` runs that mode). See bench/README.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchlib as bl
from longreply import (
    END_MARKER,
    LONG_KINDS,
    PROBE_RE,
    generate_chunks,
    generate_long_chunks,
    generate_reasoning,
)

sys.path.insert(0, str(bl.REPO_DIR / "tests"))
import sse_server
from sse_server import FakeOpenAIServer, Script
from stream_watch import Sends, Typist, above_prompt, follow, settle, whole

INFO = bl.BenchInfo("Streaming benchmark", "stream_bench.py", "latest", width=9)
MODEL = "bench-model"
PROBE_EVERY = 40
"""Default chunks between probe words."""
PROBE_BYTES = re.compile(PROBE_RE.pattern.encode())
MARKER_BYTES = END_MARKER.encode()
KEY_LETTERS = "kxvwzqbjmpfhgdyucnrsltoiea"
"""What --keys types, in order: one distinct letter per key."""
CLIENT_KEYS = ("print", "markdown", "plain", "tui-chat")
LABELS = {
    "print": "print baseline",
    "markdown": "minimal Markdown app",
    "plain": "plain-text Textual app",
    "tui-chat": "tui-chat",
}


class _TimedHandler(sse_server._Handler):
    """The test server's handler, noting when the stream began and when each probe word and
    the end marker were sent (written to the socket)."""

    def _send(self, data: bytes) -> bool:
        ok = super()._send(data)
        if ok and (b"Q" in data or MARKER_BYTES in data):
            now = time.monotonic()
            sends = self._sends()
            for probe in PROBE_BYTES.findall(data):
                sends.probes.setdefault(probe.decode(), now)
            if MARKER_BYTES in data and sends.marker_at is None:
                sends.marker_at = now
                sends.marker_written.set()
        return ok

    def _stream(self, script: Script, body: dict[str, Any]) -> None:
        self._sends().stream_at = time.monotonic()
        super()._stream(script, body)

    def _sends(self) -> Sends:
        owner = self.owner
        assert isinstance(owner, TimedServer)
        return owner.sends


class TimedServer(FakeOpenAIServer):
    """FakeOpenAIServer that timestamps the chat request (and the client's CPU time then)."""

    def __init__(self) -> None:
        super().__init__(models=[MODEL])
        self.watch: list[int] = []
        self.request_at: float | None = None
        self.cpu_at_request: float | None = None
        self.sends = Sends()

    def start(self) -> TimedServer:
        super().start()
        assert self._httpd is not None
        self._httpd.RequestHandlerClass = _TimedHandler
        return self

    def arm(self, pids: list[int]) -> None:
        """Forget the last request; sample the CPU time of `pids` when the next one arrives."""
        self.watch = pids
        self.request_at = self.cpu_at_request = None
        self.sends = Sends()

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
    last_byte: float | None = None
    """Marker visible minus the moment the server wrote the chunk holding it."""
    freeze: float | None = None
    """Longest time the watched part of the screen went unchanged from the first poll that
    showed reply content to the one that showed the marker (see stream_watch.follow)."""
    settled: float | None = None
    """The later of the screen's last change and the client's last busy moment (after the
    marker), once both have been quiet for SETTLE_QUIET."""
    cpu_settled: float | None = None
    send_to_request: float | None = None
    """tui-chat only: from send-keys "go" Enter to the request reaching the server."""
    marker_left: bool | None = None
    """Whether the marker went out of view at some point after it first appeared (two
    captures in a row without it: one can be torn mid-frame, see stream_watch.settle)."""
    probes_seen: int | None = None
    """How many of the reply's probe words were seen on screen (one that scrolled past
    between two polls is not)."""
    lag_med_ms: float | None = None
    """Median over the probes seen of (first seen on screen - written by the server), ms."""
    lag_p90_ms: float | None = None
    """90th percentile (nearest rank) of the same, ms."""
    keys_typed: int | None = None
    """--keys: how many letters were typed into tui-chat's prompt while the reply streamed."""
    key_med_ms: float | None = None
    """--keys: median of (letter visible in the prompt - send-keys called), ms."""
    key_max_ms: float | None = None
    key_ms: list[float] = field(default_factory=list)
    """--keys: every typed letter's latency, ms, in typing order (a letter never seen is
    left out and counted in `notes`)."""


@dataclass
class Bench(bl.Workspace):
    """Everything a run needs."""

    server: TimedServer
    content: str
    profile: float = 0
    """Seconds to run tui-chat under py-spy (0: not at all); the samples go to
    OUT_DIR/profile-<session>.txt."""
    keys: int = 0
    """Letters to type into tui-chat's prompt while the reply streams (0: none)."""
    key_interval: float = 0.3
    screen_prefix: str = "screen-"
    """The last screens go to OUT_DIR/<screen_prefix><client>.txt."""


def client_command(bench: Bench, key: str, data_dir: Path) -> str:
    base_url = bench.server.base_url
    if key == "print":
        return shlex.join([bl.PYTHON, str(bl.CLIENTS_DIR / "print_client.py"), base_url, MODEL])
    if key in ("markdown", "plain"):
        app = str(bl.CLIENTS_DIR / f"{key}_stream_app.py")
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
        typist: Typist | None = None
        if key == "tui-chat":
            pane.wait(lambda s: bl.PLACEHOLDER in s or "Quit" in s)
            server.arm(bl.process_tree(pid))
            sent_keys_at = time.monotonic()
            tmux.send_keys(pane.name, "go", "Enter")
            if bench.keys:
                letters = KEY_LETTERS[: bench.keys]
                typist = Typist(tmux, pane.name, letters, bench.key_interval)
        watched = above_prompt if key == "tui-chat" else whole
        watch = follow(pane, server.sends, typist, watched)
        seen = watch.marker_at
        pids = bl.process_tree(pid)
        if server.request_at is None or server.cpu_at_request is None:
            raise RuntimeError("the marker is on screen but no request reached the server")
        run.last_token = seen - server.request_at
        run.cpu = bl.cpu_seconds(pids) - server.cpu_at_request
        run.rss_mb = bl.peak_rss_mb(pids)
        if server.sends.marker_at is not None:
            run.last_byte = seen - server.sends.marker_at
        run.freeze = watch.longest_freeze
        if sent_keys_at is not None:
            run.send_to_request = server.request_at - sent_keys_at
        more_notes = probe_lags(run, server.sends.probes, watch.probes)
        if typist is not None:
            run.keys_typed = len(typist.sent)
            run.key_ms = typist.latencies_ms()
            run.key_med_ms = bl.median(run.key_ms)
            run.key_max_ms = max(run.key_ms, default=None)
            if len(typist.sent) < bench.keys:
                more_notes.append(f"only {len(typist.sent)} of {bench.keys} letters typed")
            if len(run.key_ms) < len(typist.sent):
                missing = len(typist.sent) - len(run.key_ms)
                more_notes.append(f"{missing} typed letter(s) never showed in the prompt")
        pane.screen, settled, run.marker_left = settle(
            tmux, pane.name, pids, pane.screen, seen, pane.deadline
        )
        run.settled = settled - server.request_at
        pids = bl.process_tree(pid)
        run.cpu_settled = bl.cpu_seconds(pids) - server.cpu_at_request
        run.rss_mb = max(run.rss_mb, bl.peak_rss_mb(pids))
        notes = inspect(key, pane.screen, run.marker_left, data_dir, bench.content)
        run.notes = "; ".join(filter(None, [notes, *more_notes]))
    run.error = pane.error
    pane.save_screen(f"{bench.screen_prefix}{key}.txt")
    return run


def probe_lags(run: Run, sent: dict[str, float], seen: dict[str, float]) -> list[str]:
    """Fill in the run's probe figures; notes on anything odd."""
    notes: list[str] = []
    unsent = sorted(set(seen) - set(sent))
    if unsent:
        notes.append(f"probe(s) seen but never sent: {', '.join(unsent[:3])}")
    lags = sorted((seen[p] - sent[p]) * 1000 for p in seen if p in sent)
    run.probes_seen = len(lags)
    if lags:
        run.lag_med_ms = bl.median(lags)
        run.lag_p90_ms = lags[math.ceil(0.9 * len(lags)) - 1]
    elif sent:
        notes.append(f"none of {len(sent)} probes seen")
    return notes


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


RATIO_HEADERS = ("visible ×plain", "freeze ×plain", "time ×print", "time ×md", "CPU ×md", "RSS ×md")


def summarize(runs: list[Run], keys: list[str], typing: bool = False) -> bl.Table:
    """Medians per client, with ratios to the baselines (and, when typing, key latency)."""
    headers = [
        "client", "ok", "last token s", "last byte→visible s", "longest freeze s", "lag med ms",
        "lag p90 ms", "probes seen", "settled s", "CPU s", "CPU settled s", "peak RSS MB",
    ]  # fmt: skip
    values = "last_token last_byte:3 freeze:3 lag_med_ms:0 lag_p90_ms:0 probes_seen:0 settled"
    values += " cpu cpu_settled rss_mb:0"
    if typing:
        headers += ["key med ms", "key max ms"]
        values += " key_med_ms:0 key_max_ms:0"
    return bl.summary_table(
        runs,
        keys,
        [*headers, *RATIO_HEADERS],
        values=values,
        ratios="last_byte/plain freeze/plain last_token/print last_token/markdown cpu/markdown "
        "rss_mb/markdown",
        label=LABELS.__getitem__,
        error_if_none_ok=True,
    )


def main(argv: list[str] | None = None, info: bl.BenchInfo = INFO) -> int:
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
    parser.add_argument(
        "--probe-every",
        type=int,
        default=PROBE_EVERY,
        metavar="N",
        help=f"a probe word about every N content chunks, for the display lag; 0 = none "
        f"({PROBE_EVERY})",
    )
    parser.add_argument(
        "--keys",
        type=int,
        default=0,
        dest="type_keys",
        metavar="N",
        help="type N letters into tui-chat's prompt while the reply streams, from the first "
        "probe seen on, and time each (0)",
    )
    parser.add_argument(
        "--key-interval", type=float, default=0.3, metavar="S", help="seconds between letters"
    )
    parser.add_argument(
        "--long",
        choices=LONG_KINDS,
        help="the reply is one long block of this kind (a Python script, a bullet list, a "
        "table; no probe words) instead of the mixed Markdown document",
    )
    args = bl.parse_bench_args(parser, argv)
    if args.tokens < 1 or args.rate < 0 or args.reasoning < 0 or args.probe_every < 0:
        parser.error("--tokens must be positive, --rate, --reasoning and --probe-every >= 0")
    if not 0 <= args.type_keys <= len(KEY_LETTERS) or args.key_interval <= 0:
        parser.error(f"--keys must be 0 to {len(KEY_LETTERS)}, --key-interval positive")
    if args.type_keys and (args.long or not args.probe_every):
        parser.error(
            "--keys starts typing at the first probe seen: it needs --probe-every "
            "(and the mixed document: --long has no probe words)"
        )
    if args.long:
        chunks = generate_long_chunks(args.long, args.tokens)
    else:
        chunks = generate_chunks(args.tokens, probe_every=args.probe_every)
    n_probes = len(PROBE_RE.findall("".join(chunks)))
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
        bench = Bench(
            tmux, workdir, config, args.timeout, server, "".join(chunks), args.profile,
            args.type_keys, args.key_interval, "screen-" if info is INFO else f"{info.stem}-",
        )  # fmt: skip
        return lambda key, round_no: measure(bench, key, round_no)

    def progress(run: Run) -> str:
        line = (
            f"last token {bl.fmt(run.last_token)} s  settled {bl.fmt(run.settled)} s  "
            f"last byte→visible {bl.fmt(run.last_byte, 3)} s  freeze {bl.fmt(run.freeze, 3)} s  "
            f"lag med {bl.fmt(run.lag_med_ms, 0)} ms  p90 {bl.fmt(run.lag_p90_ms, 0)} ms "
            f"({run.probes_seen or 0}/{n_probes} probes)"
        )
        if run.keys_typed is not None:
            line += (
                f"  keys med {bl.fmt(run.key_med_ms, 0)} ms  max {bl.fmt(run.key_max_ms, 0)} ms "
                f"({len(run.key_ms)}/{run.keys_typed})"
            )
        return line

    def describe(runs: list[Run]) -> tuple[str, bl.Table, list[str]]:
        rate = f"{args.rate:g} tokens/s" if args.rate else "as fast as possible"
        probes = f" with {n_probes} probe words" if n_probes else ""
        setup = (
            f"{len(chunks)} content chunks ({len(''.join(chunks))} chars"
            f"{f', one long {args.long}' if args.long else ''}){probes}"
            f"{f' after {len(reasoning)} reasoning chunks' if reasoning else ''}, {rate}, "
            f"medians of {args.runs} run(s)"
        )
        extra: list[str] = []
        sent = [r.send_to_request for r in runs if r.send_to_request is not None]
        if sent:
            extra.append(f"tui-chat, Enter to request at the server: {bl.fmt(bl.median(sent))} s")
        typed = [r for r in runs if r.keys_typed is not None and r.error is None]
        if typed:
            every = [ms for r in typed for ms in r.key_ms]
            extra.append(
                f"tui-chat, keys typed while streaming ({args.type_keys} letters "
                f"{args.key_interval:g} s apart per run): {len(every)} of "
                f"{sum(r.keys_typed or 0 for r in typed)} shown, median "
                f"{bl.fmt(bl.median(every), 0)} ms, max {bl.fmt(max(every, default=None), 0)} ms "
                "over all runs"
            )
        return setup, summarize(runs, args.keys, bool(args.type_keys)), extra

    return bl.run_rounds(args, info, prepare, progress, describe)


if __name__ == "__main__":
    sys.exit(main())
