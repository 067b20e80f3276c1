"""Shared helpers for the benchmarks: a private tmux server, one measured client per session
(:class:`Pane`), /proc sampling, the rounds loop, result tables and the report.

Every session lives on a tmux server of its own (``tmux -L tui-chat-bench-<pid>``, started
with a small config written by :class:`Tmux`), so the benches never touch anybody else's
tmux sessions. Sessions are named ``bench-...``; :meth:`Tmux.cleanup` kills exactly those, and
the private server exits by itself once it has no sessions left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import ClassVar, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
CLIENTS_DIR = BENCH_DIR / "clients"
VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
TUI_CHAT = str(VENV_BIN / "tui-chat")

SESSION_PREFIX = "bench-"
WIDTH, HEIGHT = 200, 50
POLL_SECONDS = 0.02
PLACEHOLDER = "Message…"
SCREEN_WARNINGS = ("⚠", "Traceback", "rror")
"""Text that, on a client's last screen, is worth a note."""

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_TMUX_CONF = """\
set -g status off
set -g remain-on-exit on
set -g default-terminal tmux-256color
set -g exit-empty on
"""


# -- tmux -----------------------------------------------------------------------------------


class Tmux:
    """A private tmux server (own socket) holding the benchmark sessions."""

    def __init__(self, workdir: Path) -> None:
        self.socket = f"tui-chat-bench-{os.getpid()}"
        self.conf = workdir / "tmux.conf"
        self.conf.write_text(_TMUX_CONF, encoding="utf-8")
        self._count = 0

    def run(self, *args: str, check: bool = True) -> str:
        """Run one tmux command on the private server; its stdout."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def new_name(self, label: str) -> str:
        """A fresh session name: bench-<label>-<n>."""
        self._count += 1
        return f"{SESSION_PREFIX}{label}-{self._count}"

    def new_session(self, name: str, command: str, env: Mapping[str, str] | None = None) -> int:
        """Start `command` (exec'd, so it IS the pane process) in a detached session; its pid."""
        env_args: list[str] = []
        for key, value in {"COLORTERM": "truecolor", **(env or {})}.items():
            env_args += ["-e", f"{key}={value}"]
        # As installed by pip: byte-compiled once, not on every start. A shell that sets
        # PYTHONDONTWRITEBYTECODE would make tui-chat compile its own modules at each start
        # (~0.1 s) while the baselines' libraries are compiled already.
        out = self.run(
            "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT),
            "-P", "-F", "#{pane_pid}", *env_args,
            f"exec env -u PYTHONDONTWRITEBYTECODE {command}",
        )  # fmt: skip
        return int(out.strip())

    def capture(self, name: str) -> str:
        """The visible text of the session's pane ('' if the session is gone)."""
        return self.run("capture-pane", "-p", "-t", name, check=False)

    def send_keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", name, *keys)

    def kill_session(self, name: str, pid: int | None = None) -> None:
        """Kill one session; make sure its process tree is gone (SIGKILL after 2 s)."""
        pids = process_tree(pid) if pid else []
        self.run("kill-session", "-t", name, check=False)
        deadline = time.monotonic() + 2.0
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if is_alive(p)]
            time.sleep(0.02)
        for leftover in pids:
            with contextlib.suppress(OSError):
                os.kill(leftover, signal.SIGKILL)

    def cleanup(self) -> None:
        """Kill every bench- session on the private server (the server then exits)."""
        out = self.run("list-sessions", "-F", "#{session_name} #{pane_pid}", check=False)
        for line in out.splitlines():
            name, _, pid = line.partition(" ")
            if name.startswith(SESSION_PREFIX):
                self.kill_session(name, int(pid) if pid.isdigit() else None)
        # The server exits once it has no sessions but leaves its socket file behind.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["tmux", "-L", self.socket, "list-sessions"], capture_output=True, check=False
            )
            if done.returncode != 0:
                socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
                (socket_dir / self.socket).unlink(missing_ok=True)
                return
            time.sleep(0.05)


class Timeout(Exception):
    """A client did not get there in time; the exception's text is its last screen."""


def wait_screen(
    tmux: Tmux, name: str, pid: int, deadline: float, done: Callable[[str], bool]
) -> tuple[str, float]:
    """Poll the pane every POLL_SECONDS until `done(screen)`; (screen, monotonic time seen).

    Raises RuntimeError (with the last screen) if the client exits, Timeout after `deadline`.
    """
    while True:
        screen = tmux.capture(name)
        now = time.monotonic()
        if done(screen):
            return screen, now
        if not is_alive(pid):
            raise RuntimeError("the client exited:\n" + screen.rstrip())
        if now > deadline:
            raise Timeout(screen)
        time.sleep(POLL_SECONDS)


class Pane:
    """One measured run of a client in a session of its own.

    Used as a context manager around the measuring: a :class:`Timeout` or RuntimeError inside
    becomes :attr:`error` (and its text the last :attr:`screen`) instead of propagating, and on
    the way out the session is killed and the run's scratch dir (:attr:`scratch`) removed.
    """

    def __init__(self, tmux: Tmux, label: str, workdir: Path, timeout: float) -> None:
        self.tmux = tmux
        self.name = tmux.new_name(label)
        self.scratch = workdir / f"data-{self.name}"
        """A data dir for this run only (not created here); removed at the end."""
        self.timeout = timeout
        self.pid: int | None = None
        self.launched = self.deadline = 0.0
        self.screen = ""
        self.error: str | None = None

    def launch(self, command: str) -> int:
        """Start the client; the clock (`launched`) and the run's `deadline` start now."""
        self.launched = time.monotonic()
        self.deadline = self.launched + self.timeout
        self.pid = self.tmux.new_session(self.name, command)
        return self.pid

    def wait(self, done: Callable[[str], bool], deadline: float | None = None) -> float:
        """Poll until `done(screen)` (see :func:`wait_screen`); when it was seen."""
        assert self.pid is not None, "launch() first"
        limit = self.deadline if deadline is None else deadline
        self.screen, seen = wait_screen(self.tmux, self.name, self.pid, limit, done)
        return seen

    def save_screen(self, filename: str) -> None:
        """Write the last screen to OUT_DIR/filename."""
        (OUT_DIR / filename).write_text(self.screen, encoding="utf-8")

    def __enter__(self) -> Pane:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            if isinstance(exc, Timeout):
                self.error, self.screen = "timeout", str(exc)
                return True
            if isinstance(exc, RuntimeError):
                self.error, self.screen = str(exc).splitlines()[0], str(exc)
                return True
            return False
        finally:
            if self.pid is not None:
                self.tmux.kill_session(self.name, self.pid)
            shutil.rmtree(self.scratch, ignore_errors=True)


def screen_warnings(screen: str, *more: str) -> list[str]:
    """A note for each of SCREEN_WARNINGS (and `more`) found on `screen`."""
    return [f"{word!r} on screen" for word in (*SCREEN_WARNINGS, *more) if word in screen]


@dataclass
class Workspace:
    """What every run of a bench shares: the tmux server, the temp dir, a tui-chat config."""

    tmux: Tmux
    workdir: Path
    config: Path
    timeout: float
    """Seconds per run."""


# -- /proc ----------------------------------------------------------------------------------


def is_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """`root` and all its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if is_alive(pid):
            tree.append(pid)
            todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds of these processes (incl. children they already reaped)."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            # utime, stime, cutime, cstime are stat fields 14-17 (index 11-14 here).
            ticks += sum(int(x) for x in fields[11:15])
    return ticks / _CLOCK_TICKS


def peak_rss_mb(pids: Iterable[int]) -> float:
    """Sum of VmHWM (peak resident set) of these processes, in MB."""
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


# -- misc -----------------------------------------------------------------------------------


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt so `finally` blocks clean up."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tui-chat-bench-"))


@dataclass(kw_only=True)
class Attempt:
    """One measured run: what the rounds loop, the tables and the report use. A bench's runs
    add the field named by KEY_FIELD (the client or case run) and their own timings."""

    KEY_FIELD: ClassVar[str]
    round: int
    error: str | None = None
    """None if the run got through; else "timeout" or the first line of what went wrong."""
    cpu: float | None = None
    """CPU seconds of the client's process tree (up to a moment each bench defines)."""
    rss_mb: float | None = None
    """Peak resident memory (VmHWM) of the client's process tree, MB."""
    notes: str = ""
    """Anything odd seen, "; "-separated."""

    @property
    def key(self) -> str:
        """The client or case this is a run of."""
        return str(getattr(self, self.KEY_FIELD))


R = TypeVar("R", bound=Attempt)


@dataclass(frozen=True)
class BenchInfo:
    """How a bench names itself in its output."""

    title: str
    """The heading of the Markdown report."""
    script: str
    """The script's file name, for the command line in the report."""
    stem: str
    """The report is written to OUT_DIR/<stem>.md, the runs to OUT_DIR/<stem>.json."""
    width: int
    """Progress lines pad the key to this width."""


def run_rounds(
    args: Namespace,
    info: BenchInfo,
    prepare: Callable[[Path, Tmux, contextlib.ExitStack], Callable[[str, int], R]],
    progress: Callable[[R], str],
    describe: Callable[[list[R]], tuple[str, Table, list[str]]],
) -> int:
    """Run every key (`args.keys`) once per round (`args.runs`), interleaved; report; the exit
    status.

    `prepare(workdir, tmux, cleanups)` sets the bench up (registering what to undo on
    `cleanups`) and returns `measure(key, round)`. After each run a line is printed: the round,
    the key, `progress(run)`, the run's CPU and RSS, error and notes. Ctrl+C, SIGTERM or SIGHUP
    stop the rounds; the tmux sessions, `cleanups` and the temp dir are cleaned up either way,
    and whatever was measured is reported (see :func:`report`) with
    `describe(runs) = (setup line, table, extra lines)`.
    """
    OUT_DIR.mkdir(exist_ok=True)
    workdir = make_workdir()
    tmux = Tmux(workdir)
    cleanups = contextlib.ExitStack()
    runs: list[R] = []
    interrupted = False
    with interrupt_on_sigterm():
        try:
            measure = prepare(workdir, tmux, cleanups)
            for round_no in range(1, args.runs + 1):
                for key in args.keys:
                    run = measure(key, round_no)
                    runs.append(run)
                    print(
                        f"round {round_no} {key:{info.width}} {progress(run)}  "
                        f"CPU {fmt(run.cpu)} s  RSS {fmt(run.rss_mb, 0)} MB  "
                        f"{run.error or ''}{run.notes}",
                        flush=True,
                    )
        except KeyboardInterrupt:
            interrupted = True
            print("interrupted: cleaning up", file=sys.stderr)
        finally:
            tmux.cleanup()
            cleanups.close()
            shutil.rmtree(workdir, ignore_errors=True)
    if not runs:
        return 130 if interrupted else 1
    report(info, args.load, runs, *describe(runs))
    return 130 if interrupted else 0


def bench_parser(doc: str, *, runs: int, noun: str, choices: Sequence[str]) -> ArgumentParser:
    """An argument parser with --runs, --only and --timeout; add the bench's own options, then
    parse with :func:`parse_bench_args`."""
    parser = ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=runs, help=f"rounds, {noun}s interleaved ({runs})"
    )
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(choices)}")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run (300)")
    parser.set_defaults(noun=noun, choices=list(choices))
    return parser


def parse_bench_args(parser: ArgumentParser, argv: Sequence[str] | None) -> Namespace:
    """Parse; `keys` is the --only selection (every choice if not given); `load` is the 1-min
    load average now."""
    args = parser.parse_args(argv)
    args.keys = [k.strip() for k in args.only.split(",") if k.strip()] or args.choices
    unknown = set(args.keys) - set(args.choices)
    if unknown:
        parser.error(f"unknown {args.noun}(s): {', '.join(sorted(unknown))}")
    if args.runs < 1:
        parser.error("--runs must be positive")
    args.load = os.getloadavg()[0]
    return args


def write_config(path: Path, base_url: str) -> None:
    """A tui-chat config with one provider, `bench`, at `base_url`."""
    path.write_text(
        'default_provider = "bench"\n'
        "[providers.bench]\n"
        f'base_url = "{base_url}"\n'
        'models = ["bench-model"]\n',
        encoding="utf-8",
    )


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Group:
    """The runs of one client or case, with the medians of their fields."""

    key: str
    runs: list[Attempt]
    median: dict[str, float | None]

    @property
    def ok(self) -> int:
        return sum(r.error is None for r in self.runs)

    @property
    def errors(self) -> list[str]:
        return sorted({r.error for r in self.runs if r.error})

    def ok_cell(self) -> str:
        """`ok/total`, with the errors: "2/3 (timeout)"."""
        errors = f" ({', '.join(self.errors)})" if self.errors else ""
        return f"{self.ok}/{len(self.runs)}{errors}"

    def cell(self, name: str, digits: int = 2) -> str:
        return fmt(self.median[name], digits)

    def ratio(self, name: str, base: Group | None) -> str:
        """This group's median of `name` over `base`'s ("—" without a base)."""
        return ratio(self.median[name], base.median[name] if base else None)


def group_runs(
    runs: Sequence[Attempt], keys: Sequence[str], names: Sequence[str]
) -> dict[str, Group]:
    """Per key, in order: its runs and the medians of the fields `names` over the runs that
    did not fail (values that are None left out)."""
    groups = {}
    for key in keys:
        mine = [r for r in runs if r.key == key]
        ok = [r for r in mine if r.error is None]
        medians = {
            name: median([getattr(r, name) for r in ok if getattr(r, name) is not None])
            for name in names
        }
        groups[key] = Group(key, mine, medians)
    return groups


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None or base <= 0:
        return "—"
    return f"{value / base:.2f}×"


@dataclass
class Table:
    """A result table printed as aligned text and written as Markdown."""

    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def text(self) -> str:
        widths = [
            max(len(str(cell)) for cell in col)
            for col in zip(self.headers, *self.rows, strict=True)
        ]
        lines = ["  ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        for row in self.rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |"]
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def summary_table(
    runs: Sequence[Attempt],
    keys: Sequence[str],
    headers: Sequence[str],
    values: str,
    ratios: str,
    label: Callable[[str], str] = str,
    error_if_none_ok: bool = False,
) -> Table:
    """A row per key: `label(key)`, ok/total, the medians of `values`, then the `ratios`.

    `values` names fields, space-separated; `name:0` shows one with 0 decimals instead of 2.
    `ratios` is space-separated `field/base`: the key's median of `field` over the `base`
    key's. With `error_if_none_ok`, a key whose runs all failed shows its first error in the
    first value column instead of "—".
    """
    fields = [(v.partition(":")[0], int(v.partition(":")[2] or 2)) for v in values.split()]
    pairs = [r.split("/") for r in ratios.split()]
    groups = group_runs(runs, keys, [name for name, _ in fields])
    table = Table(list(headers))
    for key, g in groups.items():
        cells = [g.cell(name, digits) for name, digits in fields]
        if error_if_none_ok and not g.ok:
            cells[0] = g.errors[0] if g.errors else "—"
        ratio_cells = [g.ratio(name, groups.get(base)) for name, base in pairs]
        table.rows.append([label(key), g.ok_cell(), *cells, *ratio_cells])
    return table


def report(
    info: BenchInfo,
    load: float,
    runs: Sequence[Attempt],
    setup: str,
    table: Table,
    extra: Sequence[str],
) -> None:
    """Print `setup`, the table, `extra` lines and the runs' notes and errors; write the same
    as OUT_DIR/<stem>.md (with the title, the machine, `load` at the start and the command
    line) and the runs as OUT_DIR/<stem>.json."""
    notes = sorted({f"{r.key}: {r.notes}" for r in runs if r.notes})
    notes += sorted({f"{r.key}: {r.error}" for r in runs if r.error})
    lines = [*extra, *notes]
    print()
    print(setup)
    print(table.text())
    for line in lines:
        print(line)
    md = [
        f"# {info.title}",
        "",
        machine_line(load),
        "",
        "`" + shlex.join(["python", f"bench/{info.script}", *sys.argv[1:]]) + "`",
        "",
        setup + ".",
        "",
        table.markdown(),
        "",
        *[f"- {line}" for line in lines],
    ]
    md_path = OUT_DIR / f"{info.stem}.md"
    md_path.write_text("\n".join(md).rstrip() + "\n", encoding="utf-8")
    (OUT_DIR / f"{info.stem}.json").write_text(
        json.dumps([asdict(r) for r in runs], indent=1), encoding="utf-8"
    )
    print(f"\nwritten: {md_path}")


def machine_line(load: float) -> str:
    """One line about where the numbers came from; `load` = 1-min load average at start."""
    import platform

    from textual import __version__ as textual_version

    return (
        f"{time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} CPUs · Python "
        f"{platform.python_version()} · Textual {textual_version} · terminal {WIDTH}×{HEIGHT} "
        f"(tmux) · load average {load:.2f} at start"
    )
