"""The conversation pane's keys (`ConversationPane.BINDINGS`), kept apart because they are
many: each has an id for the config's [keymap] and F1.

They work while the focus is anywhere in the pane (the prompt, a message, the find bar).
Alt+letter arrives with the letter as its character, so a focused text box (the prompt)
would type it: those bindings take priority. None of them is a text box's own key, but
PageUp/PageDown, which a prompt of a few lines has no use for, scroll the conversation.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

CONVERSATION_KEYS: list[BindingType] = [
    Binding(
        "alt+r",
        "regenerate",
        "Regenerate reply",
        id="reply.regenerate",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+g",
        "continue_reply",
        "Continue reply",
        id="reply.continue",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+left",
        "previous_alternative",
        "Previous alternative",
        id="reply.previous",
        show=False,
    ),
    Binding("alt+right", "next_alternative", "Next alternative", id="reply.next", show=False),
    Binding(
        "alt+up",
        "select_previous_message",
        "Select previous message",
        id="message.select_previous",
        show=False,
    ),
    Binding(
        "alt+down",
        "select_next_message",
        "Select next message",
        id="message.select_next",
        show=False,
    ),
    Binding(
        "pageup", "page(-1)", "Scroll up a page", id="view.page_up", show=False, priority=True
    ),
    Binding(
        "pagedown",
        "page(1)",
        "Scroll down a page",
        id="view.page_down",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+y", "copy_message", "Copy message", id="message.copy", show=False, priority=True
    ),
    Binding(
        "alt+c",
        "copy_code",
        "Copy code block (cycles)",
        id="message.copy_code",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+v",
        "select_text",
        "Select text of message",
        id="message.select_text",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+e",
        "edit_message",
        "Edit and resend message",
        id="message.edit",
        show=False,
        priority=True,
    ),
    Binding(
        "alt+d",
        "delete_message",
        "Delete message",
        id="message.delete",
        show=False,
        priority=True,
    ),
    Binding("ctrl+f", "find", "Find", id="message.find", show=False),
    Binding(
        "alt+n", "find_next", "Find next", id="message.find_next", show=False, priority=True
    ),
    Binding(
        "alt+p",
        "find_previous",
        "Find previous",
        id="message.find_previous",
        show=False,
        priority=True,
    ),
    Binding("ctrl+o", "attach_image", "Attach image", id="message.attach_image", show=False),
]
