"""What the next message is made of besides the prompt's text: the earlier message being
edited (Alt+E) and the attached images (Ctrl+O). The line above the prompt (#prompt-info)
shows both.

Owned by the conversation pane; kept apart so that the pane is about keys and the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.core.attachments import AttachmentError, display_name, read_image
from tui_chat.core.image_command import image_command_text
from tui_chat.core.session import Message
from tui_chat.services.conversation import preview
from tui_chat.ui.widgets.prompt import PromptInput


@dataclass
class Editing:
    """An earlier user message being edited in the prompt, and what the prompt held."""

    message: Message
    saved_text: str
    saved_images: list[str]


@dataclass
class WaitingMessage:
    """A sent message whose reply waits for the key, with what the prompt held for it."""

    message: Message
    text: str
    images: list[str]
    editing: Editing | None


@dataclass
class Draft:
    """The edit in progress and the attached images of the next message, shown above the
    prompt of `owner` (a widget holding #prompt-info and the prompt)."""

    owner: Widget
    editing: Editing | None = None
    images: list[str] = field(default_factory=list)

    @property
    def prompt(self) -> PromptInput:
        return self.owner.query_one(PromptInput)

    @property
    def edited(self) -> Message | None:
        return self.editing.message if self.editing is not None else None

    def refresh_info(self) -> None:
        """The line above the prompt: an edit in progress, and attached images."""
        lines: list[str] = []
        if self.editing is not None:
            lines.append(
                f"✎ Editing “{preview(self.editing.message)}” — Enter sends it as a new "
                "branch (the old one is kept) · Esc cancels"
            )
        if self.images:
            chips = "  ".join(f"[image: {display_name(a)}]" for a in self.images)
            lines.append(f"{chips}   (Ctrl+O to add or remove)")
        info = self.owner.query_one("#prompt-info", Static)
        info.update(Content("\n".join(lines)))
        info.display = bool(lines)
        info.set_class(self.editing is not None, "-editing")

    def attachments_problem(self) -> str | None:
        """What is wrong with an attached file that can no longer be sent (checked before
        sending; the prompt keeps the text)."""
        for reference in self.images:
            if "://" in reference:
                continue
            try:
                read_image(Path(reference))
            except AttachmentError as problem:
                return str(problem)
        return None

    def edit(self, message: Message) -> None:
        """Put `message` in the prompt to be sent as a new branch; what the prompt held
        (before the first of several edits) comes back on Esc."""
        prompt = self.prompt
        if self.editing is None:
            saved_text, saved_images = prompt.text, list(self.images)
        else:
            saved_text, saved_images = self.editing.saved_text, self.editing.saved_images
        self.editing = Editing(message, saved_text, saved_images)
        self.images = list(message.attachments)
        request = message.image_request  # an /image question comes back as its command
        prompt.load_text(image_command_text(request) if request else message.content)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self.refresh_info()

    def cancel_edit(self) -> None:
        """Give the prompt back what it held before the edit."""
        editing = self.editing
        if editing is None:
            return
        self.editing = None
        self.images = editing.saved_images
        self.prompt.load_text(editing.saved_text)
        self.prompt.move_cursor(self.prompt.document.end)
        self.refresh_info()

    def attach(self, reference: str) -> None:
        """Attach an image file (`a` on an image in the conversation) to the next message."""
        if reference not in self.images:
            self.images = [*self.images, reference]
        self.refresh_info()
        self.owner.notify(
            f"{display_name(reference)} goes with your next message (Ctrl+O to change).",
            title="Attached",
            markup=False,
        )

    def sent(self) -> None:
        """The message went out: the edit and the attachments are done with."""
        self.editing = None
        self.images = []
        self.refresh_info()

    def waiting(self, message: Message, text: str) -> WaitingMessage:
        """`message` (sent with this draft) waits for a key: what to give back on Esc."""
        return WaitingMessage(message, text, list(self.images), self.editing)

    def give_back(self, waiting: WaitingMessage) -> None:
        """Put a message whose reply never started back in the prompt, before what was
        typed since, with its images and edit (unless another edit started)."""
        self.images = [*waiting.images, *(i for i in self.images if i not in waiting.images)]
        prompt = self.prompt
        draft = prompt.text
        prompt.set_prompt_text(f"{waiting.text}\n\n{draft}" if draft.strip() else waiting.text)
        prompt.focus()
        self.refresh_info()
