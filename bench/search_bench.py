"""Search benchmark: start-up and search with 10,000 realistic sessions.

Generates 10,000 sessions (2 to 30 messages, short questions and long replies, about 40 %
in Chinese, the rest English, some mixed) in a temp data dir, then:

- start-up in tmux (the machinery of ``startup_bench.py``): time until "Message…" shows and
  until the sidebar lists every session, with no sessions (``empty``), with the 10,000
  and no indexes at all (``10k-cold``: the first start after an upgrade), and with the
  indexes the previous start wrote (``10k-warm``, the everyday case);
- search, in this process, through ``tui_chat.core.search.SearchIndex``: the cold build
  from the session files, a warm load from the index file, and queries (English, Chinese,
  several terms, one that finds nothing), each the median of several runs.

The start-up target of issue 5: ``10k-warm`` within 1.3× ``empty``.
"""

from __future__ import annotations

import contextlib
import json
import random
import resource
import shlex
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import benchlib as bl
from startup_bench import SIDEBAR_WAIT, Sightings, StartRun

from tui_chat.core.search import SearchIndex
from tui_chat.core.session import Message, Session, Usage

CASES = ("empty", "10k-cold", "10k-warm")
INFO = bl.BenchInfo("Search benchmark", "search_bench.py", "search-latest", width=18)
QUERIES = {
    "English word": "tokenizer",
    "English phrase": "rate limit",
    "Chinese phrase": "量子纠缠",
    "Chinese, two terms": "数据库 索引",
    "nothing found": "zqxjkvbnm",
    "one character (Chinese)": "量",
}
QUERY_RUNS = 7

_EN_TEXT = (
    "the a of to and in is that for it with as on be this are by or from at an which can "
    "will model token stream server client request response cache index database query "
    "python rust function error retry timeout latency context window prompt reply message "
    "session config provider key file path thread worker async await buffer parser render "
    "table column row schema migration deploy container cluster memory disk network socket "
    "tokenizer embedding vector search result score rank filter sort limit rate budget"
)
EN_WORDS = _EN_TEXT.split()
_ZH_TEXT = (
    "我们 可以 使用 这个 方法 来 解决 问题 数据库 索引 查询 性能 优化 模型 训练 推理 "
    "上下文 窗口 提示词 回复 消息 会话 配置 服务器 客户端 请求 响应 缓存 线程 异步 "
    "错误 重试 超时 延迟 文件 路径 渲染 表格 向量 检索 排序 过滤 量子 纠缠 经典 物理 "
    "机器 学习 深度 网络 语言 翻译 中文 英文 文本 分析 结果 评分 因为 所以 但是 如果 "
    "然后 首先 其次 最后 总之 例如 比如 注意 需要 应该 可能 已经 正在 一个 两个 几个"
)
ZH_PHRASES = _ZH_TEXT.split()
MARKDOWN_BITS = (
    "\n\n```python\nfor chunk in stream:\n    print(chunk)\n```\n\n",
    "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
    "\n\n- first\n- second\n- third\n\n",
    "\n\n## Summary\n\n",
)


def text_of(rng: random.Random, chars: int, chinese: bool) -> str:
    """About `chars` characters of plausible text, with some Markdown in long ones."""
    parts: list[str] = []
    size = 0
    while size < chars:
        if chinese:
            sentence = "".join(rng.choice(ZH_PHRASES) for _ in range(rng.randint(4, 12))) + "。"
            if rng.random() < 0.15:
                sentence += " " + " ".join(rng.choice(EN_WORDS) for _ in range(3)) + " "
        else:
            words = [rng.choice(EN_WORDS) for _ in range(rng.randint(6, 18))]
            sentence = " ".join(words).capitalize() + ". "
        if chars > 800 and rng.random() < 0.05:
            sentence += rng.choice(MARKDOWN_BITS)
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)


def generate(data_dir: Path, count: int, seed: int = 5) -> tuple[int, int]:
    """`count` sessions written as tui-chat writes them (without an fsync each: this is test
    data). Returns (messages, bytes)."""
    rng = random.Random(seed)
    sessions_dir = data_dir / "sessions"
    sessions_dir.mkdir(parents=True, exist_ok=True)
    now = time.time()
    messages = size = 0
    for n in range(count):
        chinese = rng.random() < 0.4
        turns = min(15, max(1, int(rng.expovariate(1 / 4)) + 1))
        at = now - n * 900.0
        session = Session(provider="bench", model="bench-model", created_at=at - 600)
        for _ in range(turns):
            session.messages.append(
                Message(role="user", content=text_of(rng, rng.randint(20, 400), chinese))
            )
            session.messages.append(
                Message(
                    role="assistant",
                    content=text_of(rng, int(rng.lognormvariate(7.0, 0.8)), chinese),
                    model="bench-model",
                    provider="bench",
                    finish_reason="stop",
                    usage=Usage(prompt_tokens=100, completion_tokens=300, total_tokens=400),
                )
            )
        session.title = session.messages[0].content[:40]
        session.created_at = at - 600
        session.updated_at = at
        data = json.dumps(session.to_dict(), ensure_ascii=False, indent=1)
        (sessions_dir / f"{session.id}.json").write_text(data, encoding="utf-8")
        messages += len(session.messages)
        size += len(data.encode())
    return messages, size


# -- search, in process -------------------------------------------------------------------


@dataclass
class SearchFigures:
    lines: list[str]
    table: bl.Table

    def rows(self) -> list[str]:
        """The table as report lines (the report has room for one table)."""
        return [
            f"search, {label} `{query}`: median {median} ms, max {most} ms, {found} results"
            for label, query, median, most, found in self.table.rows
        ]


def measure_search(data_dir: Path) -> SearchFigures:
    index_file = data_dir / "search-index.jsonl"
    index_file.unlink(missing_ok=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    cold = SearchIndex(index_file, data_dir / "sessions")
    cold.load()
    cold_s = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warm_times = []
    for _ in range(3):
        started = time.perf_counter()
        warm = SearchIndex(index_file, data_dir / "sessions")
        warm.load()
        warm_times.append(time.perf_counter() - started)
    table = bl.Table(["search", "query", "median ms", "max ms", "results"])
    table.rows.append(["cold build", "(all files)", f"{cold_s * 1000:.0f}", "—", str(len(cold))])
    table.rows.append(
        ["warm load", "(index file)", f"{statistics.median(warm_times) * 1000:.0f}",
         f"{max(warm_times) * 1000:.0f}", str(len(warm))]
    )  # fmt: skip
    for label, query in QUERIES.items():
        times = []
        hits = []
        for _ in range(QUERY_RUNS):
            started = time.perf_counter()
            hits = warm.search(query)
            times.append(time.perf_counter() - started)
        table.rows.append(
            [label, query, f"{statistics.median(times) * 1000:.1f}",
             f"{max(times) * 1000:.1f}", str(len(hits))]
        )  # fmt: skip
    size_mb = index_file.stat().st_size / 1e6
    lines = [
        f"search index file: {size_mb:.1f} MB; peak RSS of this process grew by "
        f"{max(0.0, rss_after - rss_before):.0f} MB while building it",
        f"results are capped at {200} per query (newest first after title matches)",
    ]
    return SearchFigures(lines, table)


# -- start-up, in tmux ---------------------------------------------------------------------


@dataclass
class Setup:
    tmux: bl.Tmux
    workdir: Path
    config: Path
    timeout: float
    big_data: Path
    n_sessions: int


def command(setup: Setup, data_dir: Path) -> str:
    return shlex.join(
        ["env", f"PYTHONPATH={bl.REPO_DIR}", bl.PYTHON, "-m", "tui_chat",
         "--config", str(setup.config), "--data-dir", str(data_dir)]
    )  # fmt: skip


def measure_start(setup: Setup, case: str, round_no: int) -> StartRun:
    run = StartRun(case=case, round=round_no)
    pane = bl.Pane(setup.tmux, case.replace(" ", "-"), setup.workdir, setup.timeout)
    big = "10k" in case
    data_dir = setup.big_data if big else pane.scratch
    expected = setup.n_sessions if big else 0
    if case.endswith("cold"):
        for name in ("session-index.json", "search-index.jsonl"):
            (data_dir / name).unlink(missing_ok=True)
    sights = Sightings(prompt=bl.PLACEHOLDER, listed=f"Sessions ({expected})")
    with pane:
        pid = pane.launch(command(setup, data_dir))
        pane.wait(sights.until("prompt"))
        pids = bl.process_tree(pid)
        seen = sights.at["prompt"]
        run.ready = seen - pane.launched
        run.cpu = bl.cpu_seconds(pids)
        pane.wait(sights.until("listed"), min(pane.deadline, seen + SIDEBAR_WAIT))
        run.listed = sights.at["listed"] - pane.launched
        if big:
            # Let the search index load (or build) and be written before the app is killed,
            # so the warm case finds it: wait until the file exists and stops growing.
            wait_for_index(data_dir / "search-index.jsonl", pane.deadline)
        run.rss_mb = bl.peak_rss_mb(bl.process_tree(pid))
    run.error = pane.error
    run.notes = "; ".join(bl.screen_warnings(pane.screen, "could not be read"))
    pane.save_screen(f"search-screen-{case.replace(' ', '-')}.txt")
    return run


def wait_for_index(path: Path, deadline: float) -> None:
    last = -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 0 and size == last:
            return
        last = size
        time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    parser = bl.bench_parser(__doc__, runs=3, noun="case", choices=CASES)
    parser.add_argument("--sessions", type=int, default=10_000, help="saved sessions (10000)")
    args = bl.parse_bench_args(parser, argv)
    search: list[SearchFigures] = []
    generated: list[str] = []

    def prepare(
        workdir: Path, tmux: bl.Tmux, cleanups: contextlib.ExitStack
    ) -> Callable[[str, int], StartRun]:
        config = workdir / "config.toml"
        bl.write_config(config, "http://127.0.0.1:9/v1")  # never contacted
        big = workdir / "data-10k"
        started = time.monotonic()
        messages, size = generate(big, args.sessions)
        generated.append(
            f"{args.sessions} sessions, {messages} messages, {size / 1e6:.0f} MB of session "
            f"files (generated in {time.monotonic() - started:.0f} s)"
        )
        print(generated[-1], flush=True)
        search.append(measure_search(big))
        print(search[-1].table.text(), flush=True)
        (big / "search-index.jsonl").unlink()  # the start-up cases build their own
        setup = Setup(tmux, workdir, config, args.timeout, big, args.sessions)
        return lambda case, round_no: measure_start(setup, case, round_no)

    def progress(run: StartRun) -> str:
        return f"prompt {bl.fmt(run.ready)} s  sidebar {bl.fmt(run.listed)} s"

    def describe(runs: list[StartRun]) -> tuple[str, bl.Table, list[str]]:
        table = bl.summary_table(
            runs, args.keys,
            ["case", "ok", "prompt s", "sidebar s", "CPU s", "peak RSS MB", "prompt ×empty",
             "sidebar ×empty"],
            values="ready listed cpu rss_mb:0",
            ratios="ready/empty listed/empty",
        )  # fmt: skip
        extra = list(generated)
        if search:
            extra += search[0].rows() + search[0].lines
        setup = f"{args.sessions} generated sessions, medians of {args.runs} start(s) per case"
        return setup, table, extra

    return bl.run_rounds(args, INFO, prepare, progress, describe)


if __name__ == "__main__":
    raise SystemExit(main())
