"""Maths in replies: LaTeX spans found in Markdown and written as Unicode text (issue 18).

`latex_to_unicode` converts one formula, `maths_spans` finds them in Markdown (never in
code, never money), `unicode_markdown` gives the Markdown to render, and `use_maths` puts
the same detection rules on a renderer's markdown-it parser. pylatexenc is imported on the
first formula converted, not with this package."""

from tui_chat.core.maths.convert import latex_to_unicode
from tui_chat.core.maths.markdown import unicode_markdown
from tui_chat.core.maths.spans import MathSpan, is_money, maths_spans, normalize, use_maths

__all__ = [
    "MathSpan",
    "is_money",
    "latex_to_unicode",
    "maths_spans",
    "normalize",
    "unicode_markdown",
    "use_maths",
]
