"""Finding maths in Markdown (core.maths.spans) and the Markdown to render (core.maths.markdown)."""

from __future__ import annotations

import pytest

from tui_chat.core.maths import maths_spans, unicode_markdown

FOUND = [
    ("勾股定理：$a^2+b^2=c^2$。", [("a^2+b^2=c^2", False)]),
    ("设$x$为实数，$y$同理", [("x", False), ("y", False)]),
    ("公式：\n\n$$\\sum_{i=1}^n i$$\n\n所以", [("\\sum_{i=1}^n i", True)]),
    (
        "$$\n\\begin{aligned} a &= b \\end{aligned}\n$$",
        [("\\begin{aligned} a &= b \\end{aligned}", True)],
    ),
    ("其中 \\(x_1\\) 是初值", [("x_1", False)]),
    ("\\[\\int_0^1 x\\,dx\\]", [("\\int_0^1 x\\,dx", True)]),
    ("由 $$E=mc^2$$ 可知", [("E=mc^2", True)]),
    ("高斯积分 \\[ \\int e^{-x^2}\\,dx \\] 以及", [("\\int e^{-x^2}\\,dx", True)]),
    ("花了 $5，而 $x=5$。", [("x=5", False)]),
    ("costs $5 and $x$ more", [("x", False)]),
    ("成本$5，利润$x$元", [("x", False)]),
    ("$\\text{cost} = \\$5$", [("\\text{cost} = \\$5", False)]),
    ("| 量 | 公式 |\n|---|---|\n| 面积 | $\\pi r^2$ |", [("\\pi r^2", False)]),
    ("- 复杂度 $O(n \\log n)$\n- 空间 $O(1)$", [("O(n \\log n)", False), ("O(1)", False)]),
    ("> 引用\n>\n> $$\n> a\n> $$", [("a", True)]),
]
NOT_MATHS = [
    "\\[ 没有结束的公式 \\( 也没有",
    "> \\[ a\n\nb \\]",
    "苹果 $5 and 香蕉 $10",
    "It costs $5, or $10 with tax.",
    "价格在 $20-$30 之间",
    "从 $1.5 涨到 $2.0",
    "用 `echo $HOME $PATH` 查看",
    "`$a^2$` 是 LaTeX 源码",
    "```bash\nexport A=$x; echo $y\n```",
    "    indented $x^2$ code",
    "设置 $PATH 和 $HOME 变量",
    "价格是 \\$5 到 \\$10",
    "设 $x = \\frac{1}{",
    "推导：\n\n$$\n\\sum_{i=1}^n",
    "$5 and 10$",
]


@pytest.mark.parametrize(("markdown", "expected"), FOUND)
def test_maths_is_found(markdown: str, expected: list[tuple[str, bool]]) -> None:
    spans = maths_spans(markdown)
    assert [(s.latex, s.display) for s in spans] == expected
    for span in spans:  # the offsets cover the source with its delimiters
        source = markdown[span.start : span.end]
        assert source.startswith(("$", "\\(", "\\[")) and source.endswith(("$", "\\)", "\\]"))


@pytest.mark.parametrize("markdown", NOT_MATHS)
def test_code_money_and_unclosed_spans_are_not_maths(markdown: str) -> None:
    assert maths_spans(markdown) == []
    assert unicode_markdown(markdown) == markdown


def test_inline_maths_is_replaced_in_its_sentence_and_code_is_untouched() -> None:
    markdown = "勾股定理 $a^2+b^2=c^2$，代码 `$x^2$`，花了 $5 and $10\n\n```\n$y^2$\n```"
    assert unicode_markdown(markdown) == (
        "勾股定理 a²+b²=c²，代码 `$x^2$`，花了 $5 and $10\n\n```\n$y^2$\n```"
    )


def test_unicode_is_escaped_so_it_is_never_markdown() -> None:
    assert unicode_markdown("见 $\\int_{-\\infty}^{+\\infty} f$") == "见 ∫\\_(-∞)^(+∞) f"


def test_display_maths_gets_lines_of_its_own() -> None:
    assert unicode_markdown("由 $$E=mc^2$$ 可知") == "由 \\\nE=mc²\\\n 可知"
    matrix = "公式：\n$$A = \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$$\n下文"
    assert unicode_markdown(matrix) == (
        "公式：\n\n\nA = ⎛ 1  2 ⎞\\\n&nbsp;&nbsp;&nbsp;&nbsp;⎝ 3  4 ⎠\n\n下文"
    )


def test_a_stacked_fraction_keeps_its_rows_and_a_numerator_is_never_a_list() -> None:
    rows = unicode_markdown("$$x = \\frac{-b}{2a}$$").split("\\\n")
    assert rows == ["&nbsp;&nbsp;&nbsp;&nbsp;\\-b", "x = ──", "&nbsp;&nbsp;&nbsp;&nbsp;2a"]


def test_display_maths_in_a_quote_stays_in_the_quote() -> None:
    assert unicode_markdown("> 引用\n>\n> $$x_{max}$$\n") == "> 引用\n>\n> xₘₐₓ\n"


def test_malformed_maths_keeps_its_source() -> None:
    markdown = "设 $\\frac{1}$ 和 $$\\begin{pmatrix} 1$$ 以及 $x^2$"
    assert unicode_markdown(markdown) == "设 $\\frac{1}$ 和 $$\\begin{pmatrix} 1$$ 以及 x²"


def test_windows_newlines_are_read_as_markdown_reads_them() -> None:
    assert unicode_markdown("a\r\n$x^2$\r\n") == "a\nx²\n"
