"""Code blocks of a message: found in its Markdown source (to copy) and marked in its
widget (to show which one was copied, Alt+C)."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets.markdown import MarkdownFence

from tui_chat.core.session import Message
from tui_chat.ui.render.stream_markdown import markdown_parser
from tui_chat.ui.widgets.message_find import after_pending
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced or indented code block, in document order."""
    blocks = []
    for token in markdown_parser().parse(markdown):
        if token.type in ("fence", "code_block"):
            blocks.append((token.info.strip().split(" ")[0] if token.info else "", token.content))
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
