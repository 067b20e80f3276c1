"""Where lines of CJK text break (tui_chat.core.line_breaks) and the hooks that make
Content and the TextArea use it (tui_chat.ui.render.line_breaks)."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from rich.cells import cell_len, chop_cells

from tui_chat.core.line_breaks import break_offsets, divide_line, has_cjk, segments
from tui_chat.ui.render import line_breaks as hooks

CLOSE = set("，。、；：？！）」』》】〕〉｝］ー々")
OPEN = set("（「『《【〔〈｛［“‘")


def offsets(text: str, width: int, fold: bool = True, spaces: bool = False) -> list[int]:
    return divide_line(
        text, width, fold, cell_len=cell_len, chop_cells=chop_cells, count_trailing_spaces=spaces
    )


def lines(text: str, width: int, fold: bool = True) -> list[str]:
    cuts = [0, *offsets(text, width, fold), len(text)]
    return [text[a:b].rstrip() for a, b in pairwise(cuts)]


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        # no break before closing punctuation: the ideograph before it goes down with it
        ("复杂度是O(n)，最坏", 9, ["复杂度是", "O(n)，最", "坏"]),
        ("一二三四，五", 8, ["一二三", "四，五"]),
        ("一二「三」。四", 8, ["一二", "「三」。", "四"]),
        # none after opening punctuation
        ("一二三（四五）", 8, ["一二三", "（四五）"]),
        ("用“三数取中”方法", 6, ["用“三", "数取", "中”方", "法"]),
        # Latin words stay whole
        ("中文median-of-three中文", 20, ["中文median-of-three", "中文"]),
        ("是Timsort，它", 11, ["是Timsort，", "它"]),
        ("中文 median-of-three 中文", 12, ["中文", "median-of-th", "ree 中文"]),
        # the mixed run: `O(n log` then `n)，` stays with what follows it
        ("复杂度是 O(n log n)，最坏情况下", 16, ["复杂度是 O(n log", "n)，最坏情况下"]),
        ("复杂度是 O(n log n)，最坏情况下", 22, ["复杂度是 O(n log n)，", "最坏情况下"]),
        # dashes and ellipses whole
        ("破折号——不分开", 7, ["破折号", "——不分", "开"]),
        ("你好……再见", 5, ["你", "好……", "再见"]),
        # the ideographic space is a space: a break after it, never a line starting with it
        ("第一句。\u3000第二句", 10, ["第一句。", "第二句"]),
        # emoji and other wide characters break like ideographs
        ("好的🙂🙂谢谢", 6, ["好的🙂", "🙂谢谢"]),
        ("ＡＢＣ全角", 4, ["ＡＢ", "Ｃ全", "角"]),
        # Japanese: small kana and ー never start a line
        ("コーヒーを飲みます", 6, ["コー", "ヒーを", "飲みま", "す"]),
        # Korean breaks between syllables (UAX #14's default)
        ("안녕하세요 세계", 6, ["안녕하", "세요", "세계"]),
    ],
)
def test_break_points(text: str, width: int, expected: list[str]) -> None:
    assert lines(text, width) == expected
    assert all(cell_len(line) <= width for line in expected)


def test_a_run_wider_than_the_line_fills_every_line() -> None:
    run = "很长的中文句子" * 30  # 420 cells, no punctuation
    got = lines(run, 51)
    assert "".join(got) == run
    assert all(cell_len(line) == 50 for line in got[:-1])  # 25 ideographs: 51 is odd


def test_a_piece_wider_than_the_line_is_folded_or_left_to_crop() -> None:
    text = "中文supercalifragilisticexpialidocious中文"
    assert lines(text, 10) == ["中文", "supercalif", "ragilistic", "expialidoc", "ious中文"]
    assert lines(text, 10, fold=False) == ["中文", "supercalifragilisticexpialidocious", "中文"]


def test_the_textarea_variant_counts_trailing_spaces() -> None:
    assert offsets("一二三四，五", 8, spaces=True) == [3]
    assert offsets("一二 三四", 4) == [3]  # the space may overhang
    assert offsets("一二 三四", 4, spaces=True) == [1, 3]


def test_pieces_cover_the_text() -> None:
    text = "  快速排序（Quicksort）是 O(n²)，“三数取中”……——好。  "
    pieces = list(segments(text))
    assert "".join(piece for _start, piece in pieces) == text
    assert [start for start, _piece in pieces] == [0, *break_offsets(text)]
    assert pieces[0][1].startswith("  快")


def test_what_counts_as_cjk() -> None:
    assert has_cjk("中") and has_cjk("カ") and has_cjk("한") and has_cjk("，") and has_cjk("🙂")
    assert not has_cjk("O(n log n) — “quoted” … café naïve")


ALPHABET = "一二三四五六七八九十中文カタ한글" + "，。、）」』（「『“”" + "abc xyz()., " + "\u3000"


@pytest.mark.parametrize("seed", range(40))
def test_random_mixed_text_breaks_only_where_allowed(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 120)))
    width = rng.randint(4, 40)
    allowed = set(break_offsets(text))
    for fold in (True, False):
        cuts = offsets(text, width, fold)
        assert cuts == sorted(set(cuts))
        for cut in cuts:
            if cut in allowed:
                # after whitespace a line may start anywhere, as today (UAX #14 would
                # keep a space before a closing mark: rare, and Rich breaks there too)
                assert text[cut - 1].isspace() or text[cut] not in CLOSE
                assert text[cut - 1] not in OPEN
            else:  # only a fold cuts inside a piece, and only one wider than the line
                assert fold
                start = max(s for s, _piece in segments(text) if s <= cut)
                piece = dict(segments(text))[start]
                assert cell_len(piece.rstrip()) > width
        shown = [0, *cuts, len(text)]
        for a, b in pairwise(shown):
            line = text[a:b].rstrip()
            if fold:
                assert cell_len(line) <= width, line
            else:  # only a piece wider than the line may be, left whole to be cropped
                assert cell_len(line) <= width or a in dict(segments(text)), line


ENGLISH = (
    "The quick brown fox jumps over the lazy dog, again and again; then it sleeps. "
    "A supercalifragilisticexpialidocious word, some   spaces, O(n log n) — “quoted”."
)


@pytest.mark.parametrize("width", [1, 5, 10, 17, 30, 52, 80, 125])
def test_text_without_cjk_wraps_exactly_as_before(width: int) -> None:
    for fold in (True, False):
        assert hooks.divide_line(ENGLISH, width, fold) == hooks.ORIGINAL_DIVIDE_LINE(
            ENGLISH, width, fold
        )
        assert hooks.compute_wrap_offsets(ENGLISH, width, 4, fold) == (
            hooks.ORIGINAL_WRAP_OFFSETS(ENGLISH, width, 4, fold)
        )


@pytest.mark.parametrize("seed", range(20))
def test_random_ascii_wraps_exactly_as_before(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice("ab c.-()  xyz,\t") for _ in range(rng.randint(0, 200)))
    width = rng.randint(1, 60)
    assert hooks.divide_line(text, width) == hooks.ORIGINAL_DIVIDE_LINE(text, width, True)
    assert hooks.compute_wrap_offsets(text, width, 4) == hooks.ORIGINAL_WRAP_OFFSETS(
        text, width, 4
    )


def test_install_replaces_the_globals_textual_calls() -> None:
    import textual.content
    from textual.content import Content

    was_installed = hooks.installed()
    try:
        hooks.uninstall()
        assert textual.content.divide_line is hooks.ORIGINAL_DIVIDE_LINE
        text = "一二三四五六七八九十"
        assert Content(text).get_height({}, 8) == 3  # one word: folded at 8 cells
        hooks.install()
        hooks.install()  # twice is once
        assert hooks.installed()
        assert Content("一二三四，五").get_height({}, 8) == 2
    finally:
        (hooks.install if was_installed else hooks.uninstall)()
