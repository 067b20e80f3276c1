"""LaTeX → Unicode text for a terminal: pylatexenc's parser plus tui-chat's own rules.

Why pylatexenc (issue 18, notes/i18/maths.md): of four converters it is the only one with a
real, tolerant parser, and it takes rules per macro and per environment. Alone it scored
51/100 on 50 formulas; with the rules below 100/100, and 30/30 on 15 it was not tuned on.
Its import costs 15–20 ms, so it is loaded on the first formula, never at start-up, and a
conversion (about 0.24 ms) is cached, because a streamed reply re-renders the same spans."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from tui_chat.core.maths.scripts import (
    CELL,
    ROW,
    bracket,
    encode_block,
    has_block,
    inline_blocks,
    is_atomic,
    join_blocks,
    script,
)

_OPERATORS = ("log", "ln", "sin", "cos", "tan", "exp", "det", "lim", "max", "min", "sup", "inf")
_SPACED = {
    "ne": "≠", "neq": "≠", "le": "≤", "ge": "≥", "leq": "≤", "geq": "≥", "approx": "≈",
    "sim": "∼", "in": "∈", "mid": "|", "to": "→", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩", "notin": "∉", "equiv": "≡",
    "propto": "∝", "iff": "⟺", "implies": "⟹", "Rightarrow": "⇒", "rightarrow": "→",
    "mapsto": "↦", "ll": "≪", "gg": "≫", "perp": "⊥", "parallel": "∥",
}  # fmt: skip
"""Relations pylatexenc drops (`\\ne`) or writes unspaced: written with a space each side."""
_SYMBOLS = {
    "lor": "∨", "land": "∧", "lnot": "¬", "cdot": "·", "times": "×", "pm": "±", "mp": "∓",
    "quad": "  ", "qquad": "    ", "epsilon": "ε", "|": "‖", "arg": "arg", "gcd": "gcd ",
    "Pr": "Pr ",
}  # fmt: skip
_ARGUMENT_MACROS = {
    "frac", "dfrac", "tfrac", "sqrt", "vec", "hat", "bar", "tilde", "dot", "ddot", "overline",
    "underline", "partial", "nabla", "mathrm", "mathbf", "mathbb", "mathcal", "mathit",
    "boldsymbol", "text", "textbf", "mbox", "operatorname", "binom", "left", "right", "begin",
    "end", "sp", "sb", "widehat", "overrightarrow", "pmod",
}  # fmt: skip


def latex_to_unicode(latex: str, display: bool) -> str:
    """`latex` (without its `$` delimiters) as Unicode text; never raises.

    Display maths may span several lines (matrices, cases, aligned rows drawn in 2-D);
    inline maths is always one line. On any failure, and when the result would still hold
    a backslash (a macro nobody knows), the original LaTeX comes back unchanged."""
    return _cached(latex, display)


@lru_cache(maxsize=2048)
def _cached(latex: str, display: bool) -> str:
    if _malformed(latex):
        return latex
    try:
        text = _convert(latex, display)
    except Exception:  # the strict parser raises on malformed LaTeX (`\frac{1}{`)
        return latex
    return latex if "\\" in text or (not text.strip() and latex.strip()) else text


def _malformed(latex: str) -> bool:
    """What the strict parser lets through but is not whole: a script with nothing to
    raise (`x^`), a `\\left` without its `\\right`. (Unclosed braces, environments and
    missing arguments make the parser raise.)"""
    stripped = re.sub(r"\\\\|\\[\^_]", "", latex.rstrip())
    if stripped.endswith(("^", "_", "\\")):
        return True
    return len(re.findall(r"\\left\b", latex)) != len(re.findall(r"\\right\b", latex))


def _convert(latex: str, display: bool) -> str:
    walker_module, context, to_text = _engine()
    source = _scripts_to_macros(_delimiters_to_macros(_keep_spaces(latex)))
    walker = walker_module.LatexWalker(source, latex_context=context, tolerant_parsing=False)
    nodes, _, _ = walker.get_latex_nodes()
    text = str(to_text.nodelist_to_text(nodes))
    text = re.sub(r"(?<=[^\s(])([∑∏∫])", r" \1", text)
    text = re.sub(
        r"\b(lim|log|ln|max|min|sup|inf|argmax|argmin|arg max|arg min) +(?=[_₀-₉ₐ-ₜ])",
        r"\1",
        text,
    )
    if has_block(text):
        if display:
            try:
                drawn = join_blocks(text.strip())
            except Exception:  # drawn wrong is worse than one line: write it linear
                drawn = ""
            if "\n" in drawn:
                return drawn
        text = inline_blocks(text)
    return _tidy(text)


def _tidy(text: str) -> str:
    """One line: runs of spaces collapsed, no space inside brackets or before closers."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" +([)\],;:!，。])", r"\1", text)
    return re.sub(r"([(\[]) +", r"\1", text).strip()


def _keep_spaces(latex: str) -> str:
    """`\\alpha + \\beta` keeps its space (`\\alpha{} + `): LaTeX eats the one after a macro."""

    def keep(match: re.Match[str]) -> str:
        if match.group(1) in _ARGUMENT_MACROS:
            return match.group(0)
        return f"\\{match.group(1)}{{}} "

    return re.sub(r"\\([A-Za-z]+) (?=[^{\[ ])", keep, latex)


def _delimiters_to_macros(source: str) -> str:
    """`\\left(` → `\\tcleft{(}`, `\\right\\}` → `\\tcright{\\}}`: the walker then hands
    our rule each bracket, which display maths draws as tall as what it encloses."""
    return re.sub(r"\\(left|right)(?![A-Za-z])\s*(\\[A-Za-z]+|\\.|[^\s\\])", r"\\tc\1{\2}", source)


def _braced(source: str, start: int) -> int:
    """Index of the `}` that closes the `{` at `start` (the end of `source` if none does)."""
    depth = 0
    for index in range(start, len(source)):
        if source[index] == "\\":
            continue
        depth += (source[index] == "{") - (source[index] == "}")
        if depth == 0:
            return index
    return len(source)


def _scripts_to_macros(source: str) -> str:
    """`x^{…}`, `x_1`, `x^\\alpha` → `x\\sp{…}`, `x\\sb{1}`: the walker then hands our rule
    the script as one argument, to write in Unicode scripts when it can."""
    out: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            j = i + 1
            while j < len(source) and source[j].isalpha():
                j += 1
            j = max(j, i + 2)
            out.append(source[i:j])
            i = j
            continue
        if char in "^_":
            j = i + 1
            while j < len(source) and source[j] == " ":
                j += 1
            if j >= len(source):
                out.append(char)
                i += 1
                continue
            if source[j] == "{":
                end = _braced(source, j)
                argument, i = source[j + 1 : end], end + 1
            elif source[j] == "\\":
                k = j + 1
                while k < len(source) and source[k].isalpha():
                    k += 1
                k = max(k, j + 2)
                argument, i = source[j:k], k
            else:
                argument, i = source[j], j + 1
            macro = "\\sp{" if char == "^" else "\\sb{"
            out.append(macro + _scripts_to_macros(argument) + "}")
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _argument(node: Any, to_text: Any, index: int) -> str:
    argument = node.nodeargd.argnlist[index]
    if argument is None:
        return ""
    return inline_blocks(str(to_text.nodelist_to_text([argument]))).strip()


def _frac(node: Any, l2tobj: Any) -> str:
    """A block that display maths draws stacked and one-line text writes `(a+b)/2`, `dy/dx`:
    a side in brackets unless it is one token (pylatexenc writes `a+b/2` for
    `\\frac{a+b}{2}`, which is wrong maths). Its sides are one line: a fraction inside
    one is written linear."""
    return encode_block("frac", [[_argument(node, l2tobj, 0)], [_argument(node, l2tobj, 1)]])


def _tfrac(node: Any, l2tobj: Any) -> str:
    """`\\tfrac` asks for a small fraction: linear even in display maths."""
    return f"{bracket(_argument(node, l2tobj, 0))}/{bracket(_argument(node, l2tobj, 1))}"


def _delimiter(kind: str) -> Any:
    """A `\\left`/`\\right` bracket as a block (`\\left.` draws nothing)."""

    def write(node: Any, l2tobj: Any) -> str:
        char = _argument(node, l2tobj, 0)
        return encode_block(kind, [["" if char == "." else char]])

    return write


def _sqrt(node: Any, l2tobj: Any) -> str:
    """`√x`, `√(…)`, `∛`, `∜`, and `ⁿ√(…)` (pylatexenc drops the index: `√(27) = 3`)."""
    if node.nodeargd is None:
        return "√"
    index = _argument(node, l2tobj, 0)
    body = _argument(node, l2tobj, 1)
    root = {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index) or script(index, True) + "√"
    return root + (body if is_atomic(body) and not body.startswith("(") else f"({body})")


def _rows(node: Any, to_text: Any) -> list[list[str]]:
    """An environment's body split on `\\\\` and `&` into rows of cell texts."""
    chars_node = _engine_nodes()
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[Any] = []

    def close_cell() -> None:
        text = inline_blocks(str(to_text.nodelist_to_text(cell)))
        row.append(re.sub(r"\s+", " ", text).strip().replace(ROW, " ").replace(CELL, " "))
        cell.clear()

    for child in node.nodelist:
        if child.isNodeType(chars_node.LatexMacroNode) and child.macroname == "\\":
            close_cell()
            rows.append(row)
            row = []
        elif child.isNodeType(chars_node.LatexSpecialsNode) and child.specials_chars == "&":
            close_cell()
        elif child.isNodeType(chars_node.LatexCharsNode) and "&" in child.chars:
            parts = child.chars.split("&")
            for part in parts[:-1]:
                cell.append(_chars(chars_node, child, part))
                close_cell()
            cell.append(_chars(chars_node, child, parts[-1]))
        else:
            cell.append(child)
    close_cell()
    if any(row):
        rows.append(row)
    return rows or [[""]]


def _chars(nodes: Any, like: Any, chars: str) -> Any:
    return nodes.LatexCharsNode(parsing_state=like.parsing_state, chars=chars, pos=like.pos, len=0)


def _environment(kind: str) -> Any:
    return lambda node, l2tobj: encode_block(kind, _rows(node, l2tobj))


@cache
def _engine_nodes() -> Any:
    from pylatexenc import latexwalker

    return latexwalker


@cache
def _engine() -> tuple[Any, Any, Any]:
    """pylatexenc, imported and configured on the first formula: (walker module, walker
    context, text converter)."""
    from pylatexenc import latexwalker, macrospec
    from pylatexenc.latex2text import (
        EnvironmentTextSpec,
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    def with_argument(name: str, write: Any) -> Any:
        return MacroTextSpec(name, simplify_repl=write)

    macros = [
        *(with_argument(name, _frac) for name in ("frac", "dfrac")),
        with_argument("tfrac", _tfrac),
        with_argument("tcleft", _delimiter("left")),
        with_argument("tcright", _delimiter("right")),
        with_argument("sqrt", _sqrt),
        with_argument(
            "binom", lambda n, l2tobj: f"C({_argument(n, l2tobj, 0)},{_argument(n, l2tobj, 1)})"
        ),
        with_argument("sp", lambda n, l2tobj: script(_argument(n, l2tobj, 0), True)),
        with_argument("sb", lambda n, l2tobj: script(_argument(n, l2tobj, 0), False)),
        with_argument("operatorname", lambda n, l2tobj: _argument(n, l2tobj, 1) + " "),
        with_argument("pmod", lambda n, l2tobj: f" (mod {_argument(n, l2tobj, 0)})"),
        with_argument(
            "overline", lambda n, l2tobj: "".join(c + "\u0305" for c in _argument(n, l2tobj, 0))
        ),
        *(MacroTextSpec(name, f" {symbol} ") for name, symbol in _SPACED.items()),
        *(MacroTextSpec(name, symbol) for name, symbol in _SYMBOLS.items()),
        *(MacroTextSpec(name, name + " ") for name in _OPERATORS),
    ]
    environments = [
        EnvironmentTextSpec(name, simplify_repl=_environment(kind))
        for name, kind in (
            ("pmatrix", "pmatrix"),
            ("bmatrix", "bmatrix"),
            ("vmatrix", "vmatrix"),
            ("matrix", "matrix"),
            ("cases", "cases"),
            ("aligned", "aligned"),
            ("align", "aligned"),
            ("align*", "aligned"),
            ("gathered", "aligned"),
        )
    ]
    text_context = get_default_latex_context_db()
    text_context.add_context_category(
        "tui-chat", prepend=True, macros=macros, environments=environments
    )
    walker_context = latexwalker.get_default_latex_context_db()
    walker_context.add_context_category(
        "tui-chat",
        prepend=True,
        macros=[
            macrospec.MacroSpec(name, arguments)
            for name, arguments in (
                ("sp", "{"),
                ("sb", "{"),
                ("binom", "{{"),
                ("dfrac", "{{"),
                ("tfrac", "{{"),
                ("operatorname", "*{"),
                ("pmod", "{"),
                ("tcleft", "{"),
                ("tcright", "{"),
            )
        ],
    )
    to_text = LatexNodes2Text(
        latex_context=text_context, math_mode="text", strict_latex_spaces=False
    )
    return latexwalker, walker_context, to_text
