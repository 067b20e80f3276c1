"""What both kinds of message widget share: the lines above and below a reply, the
clickable `‹ i/n ›` of alternatives, and the messages they send up to the conversation pane
(a flip, a delete, the focus that selects them)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.content import Content
from textual.message import Message as TextualMessage

from tui_chat.core.continuation import can_continue
from tui_chat.core.session import Message
from tui_chat.core.timefmt import message_time, short_count
from tui_chat.core.tool_turns import rounds_reasoning


def reply_meta(message: Message) -> Content:
    """The line above a reply: model, time, tokens, and whether it has reasoning."""
    parts = [message.model or message.provider or "assistant"]
    parts.append(message_time(message.created_at))
    if message.usage and message.usage.completion_tokens:
        parts.append(f"{short_count(message.usage.completion_tokens)} tokens")
    text = " · ".join(parts)
    thought = len(rounds_reasoning(message.tool_rounds, message.reasoning))
    if thought:
        text += f" · 💭 thought {short_count(thought)} chars"
    return Content(text)


def reply_note(message: Message) -> tuple[str, str] | None:
    """(css class, text) for how a reply ended, when it is worth saying."""
    if message.status == "error":
        return "-error", f"⚠ {message.error or 'The reply failed.'}"
    if message.status == "stopped":
        if message.error:  # stopped by the app, which says why (the tool round cap)
            return "-stopped", f"■ {message.error}"
        if not can_continue(message):  # nothing to continue from
            return "-stopped", "■ Stopped before any answer arrived. Ctrl+R asks again."
        return "-stopped", "■ Stopped — partial reply. Alt+G continues it, Ctrl+R writes a new one."
    if message.status == "streaming":
        return None
    # Imported here: a first screen with no reply shown does without it.
    from tui_chat.providers.finish_reasons import CONTINUE_HINT, describe_finish_reason

    description = describe_finish_reason(message.finish_reason)
    if description and not can_continue(message):
        description = description.replace(CONTINUE_HINT, "")
    if description:
        return "-warning", f"✂ {description} (finish_reason: {message.finish_reason})"
    if not message.content.strip() and not message.images:
        return "-warning", "∅ The model sent no answer. Ctrl+R asks again."
    return None


@dataclass
class FlipRequested(TextualMessage):
    """The user clicked ‹ or › of a message's alternatives."""

    message: Message
    step: int


def alternatives_markup(index: int, count: int) -> str:
    """`‹ 2/3 ›` whose arrows can be clicked (actions of the widget showing it)."""
    return f"[@click=flip_previous]‹[/] {index}/{count} [@click=flip_next]›[/]"


class FlipActions:
    """Click actions of the ‹ › arrows; the screen does the flipping."""

    message: Message

    def action_flip_previous(self) -> None:
        self.post_message(FlipRequested(self.message, -1))  # type: ignore[attr-defined]

    def action_flip_next(self) -> None:
        self.post_message(FlipRequested(self.message, 1))  # type: ignore[attr-defined]


def attachment_line(message: Message) -> str:
    from tui_chat.core.attachments import display_name

    return "  ".join(f"[image: {display_name(a)}]" for a in message.attachments)


class Alternatives:
    """A message that shows `‹ i/n ›` when it has versions (edits, regenerated replies)."""

    alternatives: tuple[int, int] = (1, 1)

    def set_alternatives(self, index: int, count: int) -> None:
        """Show `‹ index/count ›` (versions of this message)."""
        if self.alternatives != (index, count):
            self.alternatives = (index, count)
            self.show_alternatives()

    def show_alternatives(self) -> None:
        raise NotImplementedError

    def tell_view(self) -> None:
        """Let the view know a message was mounted (it checks the versions shown)."""
        from tui_chat.ui.widgets.messages import MessageView  # it holds message widgets

        ancestors = self.ancestors  # type: ignore[attr-defined]
        view = next((a for a in ancestors if isinstance(a, MessageView)), None)
        if view is not None:
            view.alternatives_changed()


@dataclass
class MessageFocused(TextualMessage):
    """A message widget got the focus: it becomes the selected message."""

    message: Message


@dataclass
class DeleteRequested(TextualMessage):
    """Delete was pressed on a focused message."""

    message: Message


class MessageKeys:
    """What a focused message sends up: that it is selected, and Delete."""

    message: Message

    def tell_focused(self) -> None:
        self.post_message(MessageFocused(self.message))  # type: ignore[attr-defined]

    def action_delete_message(self) -> None:
        self.post_message(DeleteRequested(self.message))  # type: ignore[attr-defined]


# On a focused message (the prompt keeps Delete for itself).
DELETE_BINDING = Binding("delete", "delete_message", "Delete message", show=False)
