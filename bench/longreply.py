"""A long, deterministic Markdown reply, split into LLM-like "tokens" (content chunks).

The reply mixes headings, paragraphs with inline styles, bullet and numbered lists, tables,
block quotes, fenced Python and Bash code, and Chinese paragraphs. Its last chunk is always
the end marker, so a watcher knows the whole reply is on screen once the marker is. On
request, plain words of the prose (never in headings, tables, code or Chinese) are replaced
by numbered probe words (``Q0001Q``, ``Q0002Q``, ...) at regular intervals, so a watcher can
tell when each part of the reply reached the screen.

``generate_reply`` and ``generate_question`` make the messages of saved sessions.
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Callable

END_MARKER = "ZZENDMARKZZ"
PROBE_RE = re.compile(r"Q\d{4,}Q")
"""Matches a probe word, and nothing else in a reply."""

_WORD_TEXT = (
    "stream token render widget layout terminal buffer latency frame model reply session "
    "context prompt server client request response chunk parser markdown table heading "
    "paragraph list code block cursor scroll anchor viewport screen update refresh batch "
    "queue worker thread event loop async await timer budget memory cache index file "
    "provider endpoint header payload usage reasoning answer question detail example "
    "simple quick careful steady large small fast slow clear exact rough the a of to and "
    "in is that it for on with as by this we can will each when then into over"
)
_WORDS = tuple(_WORD_TEXT.split())
_ZH = (
    "流式输出让用户在模型生成回答的同时就能看到内容。终端界面需要在每一帧中重新排版文本，"
    "因此渲染速度直接影响体验。表格、代码块和列表都会增加布局的复杂度。"
    "我们希望界面始终跟随最新的内容滚动，并且在回答结束时完整地显示最后一个词。"
    "中文字符在终端中占用两个单元格的宽度，换行时必须正确计算。"
)
_ZH_MATHS = (
    r"\alpha^2 + \beta^2 \le \gamma",
    r"x_1 + x_2 = -\frac{b}{a}",
    r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}",
    r"\int_0^1 x^2 \, dx = \frac{1}{3}",
    r"T(n) = 2T(n/2) + O(n) = O(n \log n)",
    r"\sqrt{a^2 + b^2} \geq \frac{a + b}{\sqrt{2}}",
)
_ZH_TABLE = (
    "| 算法名称 | 平均时间复杂度 | 最坏时间复杂度 | 是否稳定 | 说明 |\n"
    "|---|---|---|---|---|\n"
    "| 快速排序 | O(n log n) | O(n²) | 否 | 分治法，选择基准元素后把数组分成两部分 |\n"
    "| 归并排序 | O(n log n) | O(n log n) | 是 | 需要额外的 O(n) 空间来合并两个有序子数组 |\n\n"
)
_TOPICS = (
    "Streaming basics", "Layout costs", "Tables and code", "Scrolling and anchors",
    "Memory use", "Retry logic", "Reasoning models", "Session storage",
)  # fmt: skip
_TOKEN = re.compile(r"\s*\S+|\s+")
_PLAIN_WORD = re.compile(r" [a-z]+")
"""A chunk a probe may replace: one lowercase word after a space (no markup, no punctuation,
not at the start of a line)."""
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}()`"
    if rng.random() < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    return " ".join(words).capitalize() + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _bullets(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 6)):
        lines.append(f"- {_sentence(rng)}")
        if rng.random() < 0.3:
            lines.append(f"  - {_sentence(rng)}")
    return "\n".join(lines)


def _numbered(rng: random.Random) -> str:
    return "\n".join(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(3, 6) + 1))


def _table(rng: random.Random) -> str:
    header = "| Name | Kind | Latency (ms) | Notes |\n|------|------|-------------:|-------|"
    rows = [
        f"| `{rng.choice(_WORDS)}_{n}` | {rng.choice(_WORDS)} | {rng.uniform(0.5, 90):.1f} "
        f"| {' '.join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6)))} |"
        for n in range(rng.randint(3, 7))
    ]
    return "\n".join([header, *rows])


def _python(rng: random.Random) -> str:
    name = f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}"
    field = rng.choice(_WORDS)
    return (
        "```python\n"
        f"async def {name}(items: list[str], limit: int = {rng.randint(2, 64)}) -> dict:\n"
        f'    """Group {field} items; stop after `limit`."""\n'
        "    result: dict[str, list[str]] = {}\n"
        "    for index, item in enumerate(items):\n"
        "        if index >= limit:\n"
        "            break\n"
        f"        key = item.split(':')[0] or {field!r}\n"
        "        result.setdefault(key, []).append(item)\n"
        f"        await asyncio.sleep({rng.random():.3f})\n"
        "    return result\n"
        "```"
    )


def _bash(rng: random.Random) -> str:
    word = rng.choice(_WORDS)
    return (
        "```bash\n"
        f"for f in logs/{word}-*.txt; do\n"
        f'  grep -c "{rng.choice(_WORDS)}" "$f" | tee -a counts.txt\n'
        "done\n"
        f"curl -sS http://127.0.0.1:{rng.randint(2000, 9000)}/v1/models | jq '.data[].id'\n"
        "```"
    )


def _chinese(rng: random.Random) -> str:
    start = rng.randrange(len(_ZH) // 2)
    return _ZH[start:] + _ZH[:start]


def _quote(rng: random.Random) -> str:
    return f"> {_sentence(rng)}\n> {_sentence(rng)}"


_BLOCKS: tuple[Callable[[random.Random], str], ...] = (
    _paragraph, _bullets, _paragraph, _table, _python, _paragraph, _numbered,
    _chinese, _bash, _quote, _paragraph, _bullets,
)  # fmt: skip
_PROSE = frozenset({_paragraph, _bullets, _numbered, _quote})
"""Blocks whose words every client shows verbatim, where probes may go."""


def probe_word(n: int) -> str:
    """The n-th probe word: Q0001Q, Q0002Q, ..."""
    return f"Q{n:04d}Q"


def tokenize(text: str) -> list[str]:
    """Split text into word-ish pieces that keep their leading whitespace; Chinese runs
    become pieces of two characters (roughly what LLM tokenizers produce)."""
    pieces: list[str] = []
    for piece in _TOKEN.findall(text):
        if _CJK.search(piece) and len(piece) > 2:
            lead = len(piece) - len(piece.lstrip())
            body = piece[lead:]
            parts = [body[i : i + 2] for i in range(0, len(body), 2)]
            parts[0] = piece[:lead] + parts[0]
            pieces.extend(parts)
        else:
            pieces.append(piece)
    return pieces


def _tokenize_parts(parts: list[tuple[str, bool]]) -> tuple[list[str], list[bool]]:
    """Tokenize the concatenation of `parts` ((text, is prose) pairs) exactly as
    :func:`tokenize` does; with each piece, whether its last character is in a prose part."""
    ends: list[int] = []
    for text, _ in parts:
        ends.append((ends[-1] if ends else 0) + len(text))
    pieces = tokenize("".join(text for text, _ in parts))
    prose: list[bool] = []
    at = 0
    for piece in pieces:
        at += len(piece)
        prose.append(parts[bisect.bisect_left(ends, at)][1])
    return pieces, prose


def generate_chunks(n_tokens: int, seed: int = 1, probe_every: int = 0) -> list[str]:
    """Exactly `n_tokens` content chunks (at least 1) of one Markdown reply; the last one
    is the end marker.

    With `probe_every` > 0, a probe word (:func:`probe_word`, numbered from 1) replaces a
    plain word of a paragraph, list or quote about every `probe_every` chunks: at the first
    such word at least `probe_every` chunks after the previous probe. Everything else is the
    same as without probes.
    """
    rng = random.Random(seed)
    chunks = tokenize("# A long answer\n\n")
    prose = [False] * len(chunks)
    section = 0
    while True:
        section += 1
        title = f"\n\n## {section}. {_TOPICS[section % len(_TOPICS)]}\n\n"
        kinds = [_BLOCKS[(section + i) % len(_BLOCKS)] for i in range(5)]
        parts = [(title, False)]
        for i, kind in enumerate(kinds):
            parts += [("\n\n", False)] if i else []
            parts.append((kind(rng), kind in _PROSE))
        candidate, candidate_prose = _tokenize_parts(parts)
        # Keep room for a closing paragraph of at least a few words plus the marker.
        if len(chunks) + len(candidate) > n_tokens - 8:
            break
        chunks.extend(candidate)
        prose.extend(candidate_prose)
    chunks = chunks[: max(0, n_tokens - 1)]
    prose = prose[: len(chunks)]
    # Close with a plain paragraph that fills up to exactly n_tokens - 1 pieces.
    filler_needed = n_tokens - 1 - len(chunks)
    if filler_needed > 0:
        filler = tokenize("\n\n" + " ".join(rng.choice(_WORDS) for _ in range(filler_needed)))
        chunks.extend(filler[:filler_needed])
        prose.extend([True] * filler_needed)
    if probe_every > 0:
        probes, due = 0, probe_every
        for index, chunk in enumerate(chunks):
            if index >= due and prose[index] and _PLAIN_WORD.fullmatch(chunk):
                probes += 1
                chunks[index] = " " + probe_word(probes)
                due = index + probe_every
    chunks.append(f" {END_MARKER}" if chunks and not chunks[-1].endswith("\n") else END_MARKER)
    return chunks


LONG_KINDS = ("code", "list", "table", "zh")


def generate_long_chunks(kind: str, n_tokens: int, seed: int = 1) -> list[str]:
    """Exactly `n_tokens` content chunks (at least 8) of a reply that is one long block of
    `kind` (LONG_KINDS: a Python script, a bullet list, a table, or Chinese prose with
    inline and display maths and a Chinese table now and then, which exercises CJK line
    breaking and maths conversion), closed, then the end marker. No probe words."""
    rng = random.Random(seed)
    if kind == "code":
        head = tokenize("Here is the whole script:\n\n```python\nimport asyncio\n")
        tail = tokenize("\n```\n\n")

        def more() -> str:
            function = _python(rng).removeprefix("```python\n").removesuffix("```")
            return "\n\n" + function.rstrip("\n")
    elif kind == "list":
        head = tokenize("Here is the list:\n\n- first item")
        tail = tokenize("\n\n")

        def more() -> str:
            return "\n- " + _sentence(rng)
    elif kind == "table":
        head = tokenize("Here is the table:\n\n| name | kind | value | notes |\n|---|---|---|---|")
        tail = tokenize("\n\n")

        def more() -> str:
            words = " ".join(rng.choice(_WORDS) for _ in range(3))
            return f"\n| {rng.choice(_WORDS)}_{rng.randint(1, 99)} | {rng.choice(_WORDS)} | " + (
                f"{rng.random() * 100:.1f} | {words} |"
            )
    elif kind == "zh":
        head = tokenize("下面是完整的推导：\n\n")
        tail = tokenize("\n\n")
        count = 0

        def more() -> str:
            nonlocal count
            count += 1
            if count % 6 == 0:
                return "\n\n" + _ZH_TABLE
            formula = rng.choice(_ZH_MATHS)
            if count % 3 == 0:
                return f"\n\n$$\n{formula}\n$$\n\n" + _chinese(rng)[:60]
            return f"{_chinese(rng)[:40]}，其中 ${formula}$，{_chinese(rng)[:30]}。"
    else:
        raise ValueError(f"kind must be one of {LONG_KINDS}")
    body: list[str] = []
    while len(head) + len(body) + len(tail) < n_tokens - 1:
        body.extend(tokenize(more()))
    body = body[: max(0, n_tokens - 1 - len(head) - len(tail))]
    return [*head, *body, *tail, END_MARKER]


def generate_reply(seed: int, blocks: int) -> str:
    """A Markdown reply of `blocks` blocks picked at random (any kind, code and Chinese
    included), with a heading before every fourth block when there are more than three."""
    rng = random.Random(seed)
    parts: list[str] = []
    for i in range(max(1, blocks)):
        if blocks > 3 and i % 4 == 0:
            parts.append(f"## {rng.choice(_TOPICS)}")
        parts.append(rng.choice(_BLOCKS)(rng))
    return "\n\n".join(parts)


def generate_question(seed: int) -> str:
    """A user message: one or two sentences."""
    rng = random.Random(seed)
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 2)))


def generate_reasoning(n_tokens: int, seed: int = 2) -> list[str]:
    """`n_tokens` chunks of plain-prose reasoning."""
    rng = random.Random(seed)
    pieces: list[str] = []
    while len(pieces) < n_tokens:
        pieces.extend(tokenize(_paragraph(rng) + "\n\n"))
    return pieces[:n_tokens]


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    every = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sys.stdout.write("".join(generate_chunks(n, probe_every=every)) + "\n")
