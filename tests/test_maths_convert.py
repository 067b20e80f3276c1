"""LaTeX → Unicode (core.maths.convert): the corpus of issue 18 and the failure paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_hygiene import loaded_after_import

from tui_chat.core.maths import latex_to_unicode

CORPUS = Path(__file__).parent / "data" / "maths_formulas.txt"


def corpus() -> list[tuple[str, bool, str]]:
    """(latex, display, expected) for every entry of tests/data/maths_formulas.txt."""
    entries = []
    for block in CORPUS.read_text(encoding="utf-8").rstrip("\n").split("\n\n"):
        lines = [line for line in block.split("\n") if not line.startswith("#")]
        if not lines or not lines[0]:
            continue
        kind, latex = lines[0].split("\t", 1)
        entries.append((latex, kind == "display", "\n".join(lines[1:])))
    return entries


ENTRIES = corpus()


def test_the_corpus_is_all_there() -> None:
    """50 formulas (on 47 lines) and 15 held out: 68 spans."""
    assert len(ENTRIES) == 68


@pytest.mark.parametrize(("latex", "display", "expected"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_every_formula_converts_to_its_unicode(latex: str, display: bool, expected: str) -> None:
    assert latex_to_unicode(latex, display) == expected
    assert "\\" not in expected


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}", "x = (-b ± √(b² - 4ac))/(2a)"),
        (r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}", "∑ᵢ₌₁ⁿ i = n(n+1)/2"),
        (r"\frac{a+b}{2} \ge \sqrt{ab}", "(a+b)/2 ≥ √(ab)"),
        (r"\sqrt[3]{27} = 3", "∛27 = 3"),
        (r"\binom{n}{k}", "C(n,k)"),
        (r"e^{-x^2}", "e^(-x²)"),
        (r"x_{max}", "xₘₐₓ"),
        (r"x_{ab}", "x_(ab)"),  # b has no subscript form: no mixing of the two forms
        (r"a \ne c", "a ≠ c"),
        (r"\alpha + \beta", "α + β"),
        (r"\text{若 } n > 1 \text{，则 } n! > n", "若 n > 1，则 n! > n"),
    ],
)
def test_key_cases(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex, display=False) == expected


def test_display_blocks_are_drawn_on_several_lines_with_cjk_aligned_by_cells() -> None:
    cases = r"|x| = \begin{cases} x & \text{当 } x \ge 0 \\ -x & \text{当 } x < 0 \end{cases}"
    assert latex_to_unicode(cases, display=True) == "|x| = ⎧ x    当 x ≥ 0\n      ⎩ -x   当 x < 0"
    matrix = r"\det\begin{bmatrix} a & b \\ c & d \end{bmatrix} = ad - bc"
    assert latex_to_unicode(matrix, display=True) == "det ⎡ a  b ⎤ = ad - bc\n    ⎣ c  d ⎦"
    wide = r"\begin{pmatrix} 当当 & 1 \\ x̅ & 2 \end{pmatrix}"
    assert latex_to_unicode(wide, display=True) == "⎛ 当当  1 ⎞\n⎝ x̅     2 ⎠"


def test_inline_blocks_are_written_on_one_line() -> None:
    matrix = r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
    assert latex_to_unicode(matrix, display=False) == "A = [[1, 2], [3, 4]]"
    cases = r"f(x) = \begin{cases} x^2, & x \ge 0 \\ -x, & x < 0 \end{cases}"
    assert latex_to_unicode(cases, display=False) == "f(x) = {x² if x ≥ 0; -x if x < 0}"


STACKED = [
    (
        r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}",
        "    -b ± √(b²-4ac)\nx = ──────────────\n          2a",
    ),
    (r"\frac{a}{b} + \frac{c}{d}", "a   c\n─ + ─\nb   d"),
    (r"\frac{a}{b}\frac{c}{d}", "a c\n─ ─\nb d"),  # never one long bar
    (
        r"\sum_{i=1}^{n} \frac{1}{i^2} = \frac{\pi^2}{6}",
        "      1    π²\n∑ᵢ₌₁ⁿ ── = ──\n      i²   6",
    ),
    (r"\dfrac{1}{1+e^{-x}}", "  1\n─────\n1+e⁻ˣ"),
    (r"-\frac{\partial B}{\partial t}", "  ∂B\n- ──\n  ∂t"),  # the minus is not the bar
    (r"\frac{\frac{a}{b}}{c+d}", "a/b\n───\nc+d"),  # one level: the inner one linear
    (r"\frac{当当}{\bar{x}}", "当当\n────\n x̅"),  # widths in cells
    (
        r"\lim_{n\to\infty} \left(1 + \frac{1}{n}\right)^n = e",
        "          ⎛    1⎞\nlim_(n→∞) ⎜1 + ─⎟ⁿ = e\n          ⎝    n⎠",
    ),
    (r"\left\{ \frac{a}{b} \right\}", "⎧a⎫\n⎨─⎬\n⎩b⎭"),
    (r"\left\langle \frac{a}{b} \right\rangle", " a\n⟨─⟩\n b"),  # no tall ⟨: on the bar's row
    (
        r"\left(\left(\frac{a}{b}\right) + 1\right)",
        "⎛⎛a⎞    ⎞\n⎜⎜─⎟ + 1⎟\n⎝⎝b⎠    ⎠",
    ),
    (
        r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix} + \frac{1}{2}",
        "               1\nA = ⎛ 1  2 ⎞ + ─\n    ⎝ 3  4 ⎠   2",
    ),
]


@pytest.mark.parametrize(("latex", "expected"), STACKED, ids=[e[0] for e in STACKED])
def test_display_fractions_are_stacked_on_a_bar(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex, display=True) == expected


@pytest.mark.parametrize(
    ("latex", "display", "expected"),
    [
        (r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}", False, "x = (-b ± √(b²-4ac))/(2a)"),
        (
            r"\lim_{n\to\infty} \left(1 + \frac{1}{n}\right)^n = e",
            False,
            "lim_(n→∞) (1 + 1/n)ⁿ = e",
        ),
        (r"e^{-\frac{x^2}{2}}", True, "e^(-x²/2)"),  # in a script
        (r"\sqrt{\frac{a}{b}}", True, "√(a/b)"),
        (r"\begin{pmatrix} \frac{1}{2} & 0 \\ 0 & 1 \end{pmatrix}", True, "⎛ 1/2  0 ⎞\n⎝ 0    1 ⎠"),
        (r"\tfrac{1}{2} x", True, "1/2 x"),  # asks to be small
        (r"\left( x \right)", True, "(x)"),  # nothing tall: one line as before
    ],
)
def test_fractions_stay_linear_where_one_line_is_needed(
    latex: str, display: bool, expected: str
) -> None:
    assert latex_to_unicode(latex, display) == expected


@pytest.mark.parametrize(
    "latex",
    [
        r"\frac{1}{",
        r"\sqrt",
        "x^",
        "}{",
        r"\begin{pmatrix} 1 & 2",
        r"\left( x",
        r"\frac{1}",
        r"\foo{x} + \bar",
    ],
)
def test_malformed_latex_comes_back_unchanged(latex: str) -> None:
    assert latex_to_unicode(latex, display=False) == latex
    assert latex_to_unicode(latex, display=True) == latex


def test_an_unknown_macro_keeps_its_argument() -> None:
    """pylatexenc prints an unknown macro's argument and loses its name (a known gap)."""
    assert latex_to_unicode(r"\weird{x} + 1", display=False) == "x + 1"


def test_the_package_loads_pylatexenc_only_on_the_first_formula() -> None:
    assert loaded_after_import("tui_chat.core.maths", ["pylatexenc"]) == []
