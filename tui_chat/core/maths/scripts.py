"""Text-level rules of the LaTeX → Unicode conversion: scripts, atoms, cell widths, 2-D blocks.

Kept apart from the pylatexenc glue (convert.py) because none of it needs the parser: these
are pure string functions, cheap to import and easy to test alone."""

from __future__ import annotations

import re
import unicodedata

SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ−·′",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ⁻˙′",
        strict=True,
    )
)
"""Characters with a superscript form. There is none for ∞, q or most capitals and Greek."""

SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ−",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ₋",
        strict=True,
    )
)
"""Characters with a subscript form: digits, signs and only some letters (no b, c, d, f, g…)."""

_SCRIPT_CHARS = "".join(SUPERSCRIPTS.values()) + "".join(SUBSCRIPTS.values())
_ACCENTS = "\u20d7\u0302\u0305\u0304\u0303\u0307\u0308"


def script(text: str, superscript: bool) -> str:
    """`x²`, `aᵢⱼ` when every character has a script form; else `^x` / `_(…)`.

    The two forms are never mixed inside one script: `xₐ_b` reads worse than `x_(ab)`."""
    table = SUPERSCRIPTS if superscript else SUBSCRIPTS
    mark = "^" if superscript else "_"
    stripped = text.strip()
    if stripped and all(c in table for c in stripped):
        return "".join(table[c] for c in stripped)
    compact = stripped.replace(" ", "")
    if len(compact) == 1:
        return mark + compact
    return f"{mark}({compact})"


def is_atomic(text: str) -> bool:
    """One token that needs no brackets around it as a side of `a/b`: a number, a letter
    with scripts or accents (`dy`, `∂f`, `x²`), `f(x)`, or a `(…)` / `√(…)` group."""
    if re.fullmatch(r"[0-9.]+", text):
        return True
    if re.fullmatch(r"[d∂]?[^\W\d_][" + _SCRIPT_CHARS + _ACCENTS + r"!']*", text):
        return True
    return bool(
        re.fullmatch(r"[^\W\d_]?\([^()]*\)", text)
        or re.fullmatch(r"√?\([^()]*\)", text)
        or re.fullmatch(r"√[^\W_]", text)
    )


def bracket(text: str) -> str:
    """`text` as one side of a fraction: bracketed unless it is atomic."""
    return text if is_atomic(text) else f"({text})"


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide CJK 2, combining accents (`F⃗`, `x̅`) 0, others 1.

    The same count Rich's `cell_len` gives for the characters maths produces; the domain
    may not import Rich, so the block layout counts here."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` cells."""
    return text + " " * max(0, width - cell_width(text))


# A 2-D block travels through the text as BLOCK_OPEN kind KIND_END rows BLOCK_CLOSE, rows
# separated by ROW and cells by CELL, so that a display formula can put it side by side
# with the text around it and an inline one can write it on one line.
BLOCK_OPEN, KIND_END, ROW, CELL, BLOCK_CLOSE = "\x01", "\x03", "\x04", "\x05", "\x02"
_BLOCK = re.compile("\x01([^\x03]*)\x03([^\x01\x02]*)\x02")

_BRACKETS = {
    "pmatrix": (("⎛", "⎜", "⎝", "("), ("⎞", "⎟", "⎠", ")")),
    "bmatrix": (("⎡", "⎢", "⎣", "["), ("⎤", "⎥", "⎦", "]")),
    "vmatrix": (("│",) * 4, ("│",) * 4),
    "matrix": (("",) * 4, ("",) * 4),
    "cases": (("⎧", "⎨", "⎩", "{"), ("",) * 4),
}


def encode_block(kind: str, rows: list[list[str]]) -> str:
    """A 2-D block (a matrix, cases or aligned rows) as one marked-up string."""
    return BLOCK_OPEN + kind + KIND_END + ROW.join(CELL.join(r) for r in rows) + BLOCK_CLOSE


def _decode(body: str) -> list[list[str]]:
    return [row.split(CELL) for row in body.split(ROW)]


def _one_line(kind: str, rows: list[list[str]]) -> str:
    """The block written on one line: `[[1, 2], [3, 4]]`, `{x² if x ≥ 0; -x if x < 0}`,
    `(a+b)/2`, and a `\\left`/`\\right` bracket as its character."""
    if kind == "frac":
        return f"{bracket(rows[0][0].strip())}/{bracket(rows[-1][-1].strip())}"
    if kind in ("left", "right"):
        return rows[0][0]
    if kind in ("cases",):
        parts = []
        for row in rows:
            value, condition = row[0], " ".join(c for c in row[1:] if c)
            if not condition:
                parts.append(value)
            elif re.match(r"(if|otherwise|else)\b|[^\x00-\x7f]", condition):
                parts.append(f"{value.rstrip(',')} {condition}")
            else:
                parts.append(f"{value.rstrip(',')} if {condition}")
        return "{" + "; ".join(parts) + "}"
    if kind in _BRACKETS:
        inner = "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"
        return f"det{inner}" if kind == "vmatrix" else inner
    return "; ".join(" ".join(c for c in row if c) for row in rows)


def _grid(kind: str, rows: list[list[str]]) -> list[str]:
    """The block's lines: cells padded to their column's width, brackets drawn around."""
    columns = max(len(r) for r in rows)
    rows = [r + [""] * (columns - len(r)) for r in rows]
    widths = [max(cell_width(r[i]) for r in rows) for i in range(columns)]
    sep = "   " if kind == "cases" else " " if kind not in _BRACKETS else "  "
    lines = [sep.join(pad(c, widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    if kind not in _BRACKETS:
        return lines
    left, right = _BRACKETS[kind]
    width = max(cell_width(line) for line in lines)
    count = len(lines)

    def piece(chars: tuple[str, ...], i: int) -> str:
        if count == 1:
            return chars[3]
        return chars[0] if i == 0 else chars[2] if i == count - 1 else chars[1]

    return [
        f"{piece(left, i)} {pad(line, width)} {piece(right, i)}".rstrip()
        for i, line in enumerate(lines)
    ]


def _stacked(numerator: str, denominator: str) -> list[str]:
    """A fraction on three rows: each side centred over or under a bar as wide as the
    wider of them (the odd cell goes to the right, as in print)."""
    width = max(cell_width(numerator), cell_width(denominator))

    def centred(text: str) -> str:
        return " " * ((width - cell_width(text)) // 2) + text

    return [centred(numerator), "─" * width, centred(denominator)]


_TALL = {
    "(": ("⎛", "⎜", "⎝"), ")": ("⎞", "⎟", "⎠"), "[": ("⎡", "⎢", "⎣"), "]": ("⎤", "⎥", "⎦"),
    "|": ("│",) * 3, "‖": ("‖",) * 3, "⌈": ("⎡", "⎢", "⎢"), "⌉": ("⎤", "⎥", "⎥"),
    "⌊": ("⎢", "⎢", "⎣"), "⌋": ("⎥", "⎥", "⎦"),
}  # fmt: skip
"""Pieces (top, middle, bottom) of the brackets `\\left`/`\\right` can stretch."""
_BRACES = {"{": ("⎧", "⎪", "⎨", "⎩"), "}": ("⎫", "⎪", "⎬", "⎭")}


def _tall(char: str, above: int, below: int) -> list[str]:
    """A `\\left`/`\\right` bracket as tall as what it encloses: `above` rows over the
    baseline and `below` under it. One without tall pieces (`⟨`) stays on the baseline."""
    height = above + below + 1
    if height == 1:
        return [char]
    if char in _TALL:
        top, middle, bottom = _TALL[char]
        return [top] + [middle] * (height - 2) + [bottom]
    if char in _BRACES:
        top, extension, centre, bottom = _BRACES[char]
        rows = [top] + [extension] * (height - 2) + [bottom]
        if 0 < above < height - 1:
            rows[above] = centre
        return rows
    return [char if row == above else " " * cell_width(char) for row in range(height)]


def inline_blocks(text: str) -> str:
    """Every block in `text` written on one line (inline maths, and blocks inside cells)."""
    return _BLOCK.sub(lambda m: _one_line(m.group(1), _decode(m.group(2))), text)


def has_block(text: str) -> bool:
    return BLOCK_OPEN in text


def _apart(before: tuple[str, list[str]], after: tuple[str, list[str]]) -> bool:
    """Whether a space must part two neighbours (kind, rows) of which one is a fraction:
    `G─────` and `-──` read as a longer bar, two bars side by side as one."""
    (kind, rows), (next_kind, next_rows) = before, after
    if "frac" not in (kind, next_kind) or kind == "left" or next_kind == "right":
        return False
    if kind == "text" and (rows[0][-1:].isspace() or rows[0].endswith(("(", "[", "{"))):
        return False
    return not (next_kind == "text" and next_rows[0][:1] in (" ", ")", "]", "}", ",", ".", ";"))


def join_blocks(text: str) -> str:
    """Blocks drawn in 2-D, side by side with the text around them on the baseline: the
    middle row of a matrix, the bar of a fraction. `det ⎡ a  b ⎤ = ad - bc` over
    `    ⎣ c  d ⎦`; `\\left(`…`\\right)` grow as tall as what they enclose."""
    text = re.sub("(\x01left\x03[^\x02]*\x02) +", r"\1", text)
    text = re.sub(" +(?=\x01right\x03)", "", text)
    columns: list[tuple[list[str], int]] = []  # (rows, the baseline's row)
    kinds: list[str] = []
    opened: list[tuple[int, str]] = []  # the `\left` brackets not yet closed

    def add(kind: str, rows: list[str], baseline: int) -> None:
        if columns and _apart((kinds[-1], columns[-1][0]), (kind, rows)):
            add("text", [" "], 0)
        columns.append((rows, baseline))
        kinds.append(kind)

    position = 0
    for match in _BLOCK.finditer(text):
        before = text[position : match.start()]
        if before.strip() or (before and columns):  # `\\frac{a}{b} \\frac{c}{d}` keep a gap
            add("text", [re.sub(r"\s+", " ", before)], 0)
        kind, rows = match.group(1), _decode(match.group(2))
        if kind == "left":
            add(kind, [rows[0][0]], 0)
            opened.append((len(columns) - 1, rows[0][0]))
        elif kind == "right" and opened:
            start, char = opened.pop()
            inside = columns[start + 1 :]
            above = max((baseline for _, baseline in inside), default=0)
            below = max((len(lines) - 1 - baseline for lines, baseline in inside), default=0)
            columns[start] = (_tall(char, above, below), above)
            add(kind, _tall(rows[0][0], above, below), above)
        elif kind == "frac":
            add(kind, _stacked(rows[0][0].strip(), rows[-1][-1].strip()), 1)
        else:
            lines = _grid(kind, rows)
            add("grid", lines, (len(lines) - 1) // 2)
        position = match.end()
    after = text[position:]
    if after.strip():
        add("text", [re.sub(r"\s+", " ", after)], 0)
    above = max(baseline for _, baseline in columns)
    below = max(len(lines) - 1 - baseline for lines, baseline in columns)
    out = [""] * (above + below + 1)
    for lines, baseline in columns:
        width = max(cell_width(x) for x in lines)
        top = above - baseline
        for row in range(len(out)):
            i = row - top
            out[row] += pad(lines[i] if 0 <= i < len(lines) else "", width)
    return "\n".join(line.rstrip() for line in out)
