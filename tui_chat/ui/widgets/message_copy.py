"""Copying a message (Alt+Y), its text in part (Alt+V) or its code blocks (Alt+C, `/copy N`):
a code block is found in the Markdown source and marked in the reply's widget (to show which
one was copied). Blocks are numbered as their labels show them (`python · 2`, stream_fence)."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets.markdown import MarkdownFence

from tui_chat.core.session import Message, Session
from tui_chat.services.clipboard import copy_text
from tui_chat.ui.render.stream_fence import CODE_TOKENS, fence_language
from tui_chat.ui.render.stream_markdown import markdown_parser
from tui_chat.ui.widgets.message_find import after_pending
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced or indented code block, in document order."""
    blocks = []
    for token in markdown_parser().parse(markdown):
        if token.type in CODE_TOKENS:
            blocks.append((fence_language(token.info), token.content))
    return blocks


def code_block_said(language: str, code: str, index: int, count: int) -> str:
    """How the copy of block `index` of `count` is announced."""
    lines = len(code.splitlines())
    kind = f"{language} " if language else ""
    plural = "s" if lines != 1 else ""
    return f"code block {index + 1}/{count} ({kind}{lines} line{plural})"


def mark_code_block(owner: Widget, view: MessageView, message: Message, index: int) -> None:
    """Outline block `index` of `message`'s reply and scroll to it (once the blocks a
    reply that just ended still defers are mounted)."""
    for fence in view.query(".-code-selected"):
        fence.remove_class("-code-selected")
    widget = view.message_widget(message.id)
    if not isinstance(widget, AssistantMessage):
        return
    if widget.has_pending_blocks:  # a fast reply just ended: its blocks are still mounting
        after_pending(owner, widget, lambda: mark_code_block(owner, view, message, index))
        return
    fences = list(widget.body.query(MarkdownFence))
    view.unfold_all()
    if index < len(fences):
        fences[index].add_class("-code-selected")
        view.scroll_to_widget(fences[index], animate=False)


def copy_code_block(
    owner: Widget,
    session: Session,
    selected: Message | None,
    cycle: tuple[str, int],
    number: str | None = None,
) -> tuple[str, int]:
    """Copy a code block of `selected` (or of the last reply with code): block `number`
    (1-based, as labelled) when given, else the one after the block `cycle` names when
    that is of the same message, else the first. Returns the new cycle, so Alt+C goes on
    from the block copied; says when there is no such block and copies nothing."""
    message = selected or next(
        (m for m in reversed(session.messages) if m.role == "assistant" and code_blocks(m.content)),
        None,
    )
    blocks = code_blocks(message.content) if message is not None else []
    if message is None or not blocks:
        owner.notify("No code block to copy here.")
        return cycle
    last_id, last_index = cycle
    index = (last_index + 1) % len(blocks) if last_id == message.id else 0
    if number is not None:
        count = len(blocks)
        wanted = number.strip()
        if not wanted.isdigit() or not 1 <= int(wanted) <= count:
            which = "/copy 1" if count == 1 else f"/copy 1 to /copy {count}"
            plural = "s" if count != 1 else ""
            owner.notify(
                f"No code block {wanted}: this reply has {count} code block{plural} ({which}).",
                severity="warning",
            )
            return cycle
        index = int(wanted) - 1
    language, code = blocks[index]
    copy_text(owner.app, code, code_block_said(language, code, index, len(blocks)))
    mark_code_block(owner, owner.query_one(MessageView), message, index)
    return message.id, index


def copy_message(owner: Widget, message: Message | None) -> None:
    """Copy `message`, Markdown source as it is."""
    if message is None or not message.content:
        owner.notify("There is no message to copy.")
        return
    what = "reply" if message.role == "assistant" else "message"
    copy_text(owner.app, message.content, f"the {what} ({len(message.content)} characters)")


def select_text(owner: Widget, message: Message | None) -> None:
    """Open `message` read-only, to select and copy any part."""
    from tui_chat.ui.screens.message_modals import SelectTextScreen

    if message is None:
        owner.notify("There is no message to select text from.")
        return
    title = "Your message" if message.role == "user" else f"Reply · {message.model or ''}"
    owner.app.push_screen(SelectTextScreen(message.content, title))
