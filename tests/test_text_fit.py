"""Unit tests of fitting one line into a width (issue 18, items 3c and 3d): whole status
fields dropped by priority, titles cut with `…`, never half a double-width character."""

from __future__ import annotations

from rich.cells import cell_len

from tui_chat.services.live_reply import Progress
from tui_chat.ui.text_fit import ellipsize, fit_parts
from tui_chat.ui.widgets.status import COST, KEEP, LAST, SESSION, SPEED, TTFT, live_parts

PARTS = [
    (KEEP, "Local test · test-model"),
    (KEEP, "ctx ~1.6k / 128k"),
    (COST, "last $0.0042 · session $0.31"),
    (LAST, "last 1.2k in / 800 out"),
    (TTFT, "TTFT 0.02s"),
    (SPEED, "4082 tok/s"),
    (SESSION, "session 2.4k in / 1.6k out"),
]
FIELDS = [text for _, text in PARTS]


def shown_fields(line: str) -> list[str]:
    return line.split(" │ ")


def test_everything_fits_wide_and_when_the_width_is_not_known() -> None:
    assert shown_fields(fit_parts(PARTS, 160)) == FIELDS
    assert shown_fields(fit_parts(PARTS, 0)) == FIELDS


def test_ttft_goes_first_then_tok_s_then_the_session_totals() -> None:
    full = cell_len(fit_parts(PARTS, 0))
    one_less = shown_fields(fit_parts(PARTS, full - 1))
    assert "TTFT 0.02s" not in one_less and "4082 tok/s" in one_less
    two_less = shown_fields(fit_parts(PARTS, full - 14))
    assert "4082 tok/s" not in two_less and "session 2.4k in / 1.6k out" in two_less


def test_model_context_and_cost_stay_and_no_field_is_cut() -> None:
    for width in (56, 70, 78, 100, 120):
        line = fit_parts(PARTS, width)
        assert cell_len(line) <= width
        fields = shown_fields(line)
        # Model and context always, in their place; cost too when the three fit (73).
        assert fields[:2] == FIELDS[:2]
        if width >= 73:
            assert fields[2] == FIELDS[2]
        assert all(field in FIELDS for field in fields)  # whole fields only
        assert [FIELDS.index(field) for field in fields] == sorted(
            FIELDS.index(field) for field in fields
        )


def test_kept_fields_too_wide_end_with_an_ellipsis() -> None:
    line = fit_parts(PARTS, 30)
    assert line == "Local test · test-model │ ctx…"
    assert cell_len(line) == 30


def test_ellipsize_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert ellipsize("short", 10) == "short"
    assert ellipsize("exactly10!", 10) == "exactly10!"
    assert ellipsize("a longer session title", 10) == "a longer…"
    assert ellipsize("anything", 0) == ""


def test_ellipsize_never_cuts_a_wide_character_in_half() -> None:
    title = "请详细解释一下快速排序和归并排序"  # 16 characters, 32 cells
    for width in range(1, 32):
        cut = ellipsize(title, width)
        assert cell_len(cut) <= width
        assert cell_len(cut) >= width - 1  # at most one cell short (a wide char left out)
        assert cut.endswith("…")
        assert title.startswith(cut[:-1])
    assert ellipsize(title, 32) == title
    assert ellipsize(title, 8) == "请详细…"  # 6 cells + 1: the 4th character would not fit


def test_a_streaming_reply_keeps_its_head_and_drops_ttft_and_speed_first() -> None:
    live = live_parts(Progress("streaming 2.1s", "TTFT 0.30s", "~40 tok/s"))
    assert live == [(KEEP, "streaming 2.1s"), (TTFT, "TTFT 0.30s"), (SPEED, "~40 tok/s")]
    assert live_parts(Progress("waiting… 1.2s")) == [(KEEP, "waiting… 1.2s")]
    parts = [*PARTS[:2], *live]
    assert fit_parts(parts, 200).endswith("streaming 2.1s │ TTFT 0.30s │ ~40 tok/s")
    assert fit_parts(parts, 70) == "Local test · test-model │ ctx ~1.6k / 128k │ streaming 2.1s"


def test_ellipsize_content_keeps_styles_and_never_leaves_a_gap() -> None:
    from textual.content import Content

    from tui_chat.ui.text_fit import ellipsize_content

    line = Content.assemble(("请比较", "dim"), ("快速", "bold reverse"), ("排序和归并", "dim"))
    cut = ellipsize_content(line, 10, "dim")
    assert cut.plain == "请比较快…" and cut.cell_length == 9
    assert [(s.start, s.end, str(s.style)) for s in cut.spans][:2] == [
        (0, 3, "dim"),
        (3, 4, "bold reverse"),
    ]
    assert ellipsize_content(line, 20) is line
