"""The prompt wraps Chinese between characters (issue 18 item 1, ui/render/line_breaks); the
cursor still moves over the wrapped rows as a user expects: Up/Down keep the column on screen,
Left/Right cross row ends, Home/End stay on the row, typing and deleting in the middle of a
wrapped line keep the text and the cursor right, and the cursor is never drawn in the
middle of a double-width character (at even and odd widths).

End on a row that is not the line's last puts the cursor on the row's last character, as
Textual does for every wrapped row (a Latin row ends with its space, so it sits there): the
place after that character is the next row's start, and a TextArea has one place for both."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import make_app, wait_until
from rich.cells import cell_len

from tui_chat.ui.widgets.prompt import PromptInput

TEXT = (
    "快速排序是一种分治算法，它先选一个基准元素 pivot，把数组分成小于和大于基准的两部分，"
    "再递归地排序这两部分。平均情况下的时间复杂度是 O(n log n)，最坏情况下是 O(n²)。"
)


def starts(section: str) -> set[int]:
    """The cells where the characters of a wrapped row (and the place after it) begin."""
    return {cell_len(section[:n]) for n in range(len(section) + 1)}


def cursor_cell(prompt: PromptInput) -> tuple[int, int, str]:
    """The cursor's (x, row) in the wrapped prompt, and that row's text."""
    document = prompt.wrapped_document
    x, y = document.location_to_offset(prompt.cursor_location)
    line, _ = prompt.cursor_location
    sections = document.get_sections(line)
    row = y - document.location_to_offset((line, 0)).y
    return x, row, sections[row]


def on_a_character(prompt: PromptInput) -> bool:
    x, _, section = cursor_cell(prompt)
    return x in starts(section)


@pytest.mark.parametrize("width", [60, 61])
async def test_cursor_moves_over_wrapped_chinese(tmp_path: Path, width: int) -> None:
    app = make_app(tmp_path, None)
    async with app.run_test(size=(width, 24)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        prompt.insert(TEXT)
        await wait_until(pilot, lambda: len(prompt.wrapped_document.get_sections(0)) > 2)
        await pilot.pause()  # the prompt grew: laid out again, at its final wrap width
        document = prompt.wrapped_document
        sections = document.get_sections(0)
        assert "".join(sections) == TEXT
        assert all(cell_len(s) <= prompt.wrap_width for s in sections)
        first, second = sections[0], sections[1]

        # Every place of the line is drawn at a character's start, and every cell of a
        # row maps back to the start of the character covering it.
        for column in range(len(TEXT) + 1):
            x, y = document.location_to_offset((0, column))
            assert x in starts(sections[y]), column
        for row, section in enumerate(sections):
            for x in range(cell_len(section)):
                _, column = document.offset_to_location((x, row))
                assert document.location_to_offset((0, column)).x in starts(section)
                assert (
                    document.location_to_offset((0, column)).x
                    <= x
                    < (document.location_to_offset((0, column)).x + cell_len(TEXT[column]))
                )

        # Down and Up keep the cursor's column on screen.
        prompt.move_cursor((0, 2))
        await pilot.press("down")
        assert cursor_cell(prompt)[:2] == (4, 1) and on_a_character(prompt)
        await pilot.press("down")
        assert cursor_cell(prompt)[:2] == (4, 2)
        await pilot.press("up", "up")
        assert prompt.cursor_location == (0, 2)
        # From the middle of `pivot` (odd cells) down to a row of Chinese: the character there.
        prompt.move_cursor((0, len(first) + len("元素 pi")))
        x, _, _ = cursor_cell(prompt)
        await pilot.press("down")
        below_x, row, _ = cursor_cell(prompt)
        assert row == 2 and on_a_character(prompt) and below_x in (x - 1, x)

        # Right at a row's end goes to the next row's start; Left comes back.
        prompt.move_cursor((0, len(first) - 1))
        await pilot.press("right")
        assert prompt.cursor_location == (0, len(first)) and cursor_cell(prompt)[:2] == (0, 1)
        await pilot.press("left")
        assert cursor_cell(prompt)[:2] == (cell_len(first) - 2, 0)

        # Home and End stay on the wrapped row.
        prompt.move_cursor((0, len(first) + 5))
        await pilot.press("home")
        assert prompt.cursor_location == (0, len(first)) and cursor_cell(prompt)[1] == 1
        await pilot.press("end")
        assert prompt.cursor_location == (0, len(first) + len(second) - 1)
        assert cursor_cell(prompt)[:2] == (cell_len(second) - cell_len(second[-1]), 1)
        await pilot.press("home")
        assert prompt.cursor_location == (0, len(first))

        # Typing in the middle of the second row: the text takes it there, the cursor
        # follows it; Backspace and Delete take back exactly one character.
        middle = len(first) + 8
        prompt.move_cursor((0, middle))
        await pilot.press("中", "文")
        assert prompt.text == TEXT[:middle] + "中文" + TEXT[middle:]
        assert prompt.cursor_location == (0, middle + 2) and on_a_character(prompt)
        await pilot.press("backspace", "backspace")
        assert prompt.text == TEXT and prompt.cursor_location == (0, middle)
        await pilot.press("delete")
        assert prompt.text == TEXT[:middle] + TEXT[middle + 1 :]
        assert prompt.cursor_location == (0, middle) and on_a_character(prompt)

        # Typing at the end of the first row pushes its last characters to the next row;
        # the cursor stays after what was typed, on whichever row that now is.
        prompt.text = ""
        prompt.insert(TEXT)
        prompt.move_cursor((0, len(first)))
        await pilot.press("字")
        assert prompt.text == TEXT[: len(first)] + "字" + TEXT[len(first) :]
        assert prompt.cursor_location == (0, len(first) + 1) and on_a_character(prompt)
        x, row, section = cursor_cell(prompt)
        column = prompt.wrapped_document.get_offsets(0)[row - 1] if row else 0
        assert section[: len(first) + 1 - column].endswith("字")
        assert x == cell_len(section[: len(first) + 1 - column])
