"""Maths shown as Unicode in the real app (issue 18 item 2): inline and display maths at 80
and 160 columns, code and money untouched, a formula half-arrived in a stream left raw,
`[display] maths = false` and `/maths` showing the LaTeX, copy and export giving the LaTeX,
and the reasoning pane converting too (it is the same Markdown renderer)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from app_harness import (
    make_app,
    run_command,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import FakeOpenAIServer, Script
from textual.widgets import Label

from tui_chat.core.export import session_markdown
from tui_chat.ui.render.probes import screen_lines
from tui_chat.ui.render.stream_maths import MathsBlock
from tui_chat.ui.screens.message_modals import SelectTextScreen
from tui_chat.ui.widgets.thinking import ThinkingPane

REPLY = r"""Inline: $\alpha^2 + x_1 \le \sqrt{y}$ and $\frac{a+b}{2}$.

$$
\sum_{i=1}^{n} i = \frac{n(n+1)}{2}
$$

\[
\int_0^1 x^2 \, dx = \frac{1}{3}
\]

Code: `$a^2$` stays, money: $5 and $10.

```python
price = "$x^2$"
```

勾股定理：$a^2+b^2=c^2$，其中 $c$ 是斜边。由 $$E=mc^2$$ 可知。

$$
\begin{pmatrix} a & b \\ c & d \end{pmatrix}
$$
"""
INLINE = "Inline: α² + x₁ ≤ √y and (a+b)/2."
# Display rows as `shown` gives them (leading spaces stripped): fractions stacked on a bar.
DISPLAY = ["n(n+1)", "∑ᵢ₌₁ⁿ i = ──────", "∫₀¹ x² dx = ─", "E=mc²", "⎛ a  b ⎞", "⎝ c  d ⎠"]
UNTOUCHED = ["Code: $a^2$ stays, money: $5 and $10.", 'price = "$x^2$"']
CHINESE = "勾股定理：a²+b²=c²，其中 c 是斜边。由"
REASONING = r"By Gauss, $\sum_{i=1}^{n} i$ is $\frac{n(n+1)}{2}$."


def shown(app: object) -> list[str]:
    """The conversation's lines on screen, without the sidebar and the message gutter."""
    lines = screen_lines(app.screen)  # type: ignore[attr-defined]
    return [line.split("▕", 1)[-1].lstrip(" █").rstrip() for line in lines]


@pytest.mark.parametrize("size", [(80, 60), (160, 60)])
async def test_maths_render_as_unicode_and_copy_as_latex(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    with FakeOpenAIServer() as server:
        # In pieces that cut formulas in half: each frame parses what has come.
        pieces = [REPLY[:14], REPLY[14:70], REPLY[70:]]
        server.enqueue(Script(content=pieces, reasoning=[REASONING]))
        app = make_app(tmp_path, server)
        async with app.run_test(size=size) as pilot:
            await type_and_send(pilot, "maths")
            await wait_for_replies(pilot, app)
            await wait_until(pilot, lambda: INLINE in shown(app))
            lines = shown(app)
            for formula in DISPLAY:  # display maths: each row a line of its own
                assert formula in lines, formula
            for text in UNTOUCHED:  # code spans, code blocks and money as written
                assert text in lines, text
            assert CHINESE in lines
            assert "可知。" in lines
            body = "\n".join(lines)
            assert "\\" not in body and "$$" not in body
            assert len(app.screen.query(MathsBlock)) == 3

            # Copy, select and export give the LaTeX as the model wrote it.
            await pilot.press("alt+y")
            assert app.clipboard == REPLY
            await pilot.press("alt+v")
            await wait_until(pilot, lambda: isinstance(app.screen, SelectTextScreen))
            assert app.screen.query_one("TextArea").text == REPLY  # type: ignore[attr-defined]
            await pilot.press("escape")
            session = app.chat_screen.session  # type: ignore[union-attr]
            assert session is not None
            exported = session_markdown(session)
            assert r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}" in exported
            assert "∑" not in exported

            # The reasoning is Markdown drawn by the same renderer: converted too.
            pane = app.screen.query_one(ThinkingPane)
            if pane.collapsed:
                await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: "By Gauss, ∑ᵢ₌₁ⁿ i is n(n+1)/2." in shown(app))


async def test_maths_off_in_the_config_and_by_command(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(Script(content=[REPLY]))
        config = tmp_path / "config" / "config.toml"
        write_config(config, server.base_url, "[display]\nmaths = false\n")
        app = make_app(tmp_path, server)
        async with app.run_test(size=(100, 60)) as pilot:
            await type_and_send(pilot, "maths")
            await wait_for_replies(pilot, app)
            raw = r"Inline: $\alpha^2 + x_1 \le \sqrt{y}$ and $\frac{a+b}{2}$."
            await wait_until(pilot, lambda: raw in shown(app))
            assert r"$$ \sum_{i=1}^{n} i" in "\n".join(shown(app))
            assert not app.screen.query(MathsBlock)

            await run_command(pilot, "/maths on")
            await wait_until(pilot, lambda: INLINE in shown(app))
            assert DISPLAY[0] in shown(app)

            await run_command(pilot, "/maths off")
            await wait_until(pilot, lambda: raw in shown(app))
            assert not app.screen.query(MathsBlock)
            await pilot.press("alt+y")
            assert app.clipboard == REPLY


async def test_a_formula_half_streamed_stays_raw_until_it_closes(tmp_path: Path) -> None:
    first = "Sum:\n\n$$\n\\sum_{i=1}^{n} i"
    gate = threading.Event()
    with FakeOpenAIServer() as server:
        rest = " = \\frac{n(n+1)}{2}\n$$\n"
        server.enqueue(Script(content=[first, rest], gate=gate, gate_after=1))
        app = make_app(tmp_path, server)
        async with app.run_test(size=(80, 30)) as pilot:
            await type_and_send(pilot, "sum")
            await wait_until(pilot, lambda: "\\sum_{i=1}^{n} i" in "\n".join(shown(app)))
            assert "$$ \\sum_{i=1}^{n} i" in "\n".join(shown(app))  # as written, meanwhile
            assert not app.screen.query(MathsBlock)
            gate.set()
            await wait_for_replies(pilot, app)
            await wait_until(pilot, lambda: DISPLAY[1] in shown(app))
            assert "$$" not in "\n".join(shown(app))


@pytest.mark.parametrize("size", [(80, 30), (160, 30)])
async def test_wide_display_maths_scrolls_sideways_never_cut(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    latex = " + ".join(f"\\alpha_{i} x^{i}" for i in range(1, 10)) + " = \\sum_{k=1}^{9} c_k"
    with FakeOpenAIServer() as server:
        server.enqueue(Script(content=[f"Long:\n\n$${latex}$$\n\nAfter."]))
        app = make_app(tmp_path, server)
        async with app.run_test(size=size) as pilot:
            await type_and_send(pilot, "long")
            await wait_for_replies(pilot, app)
            await wait_until(pilot, lambda: "After." in shown(app))
            block = app.screen.query_one(MathsBlock)
            text = str(block.query_one(Label).render())
            assert "\n" not in text and text.startswith("α₁ x¹ + α₂ x² + α₃ x³")
            assert text.endswith("= ∑ₖ₌₁⁹ cₖ")
            wide = len(text) + 2 > block.size.width
            assert wide == (size[0] == 80)
            assert (block.max_scroll_x > 0) == wide  # the rest is a scroll away
            assert block.show_horizontal_scrollbar == wide  # and it says so
