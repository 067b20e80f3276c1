"""A session's conversation: the one place that changes it and saves it.

What the user does to the conversation (send a message, take it back when its reply
cannot start, regenerate, continue, edit and resend, flip to another alternative, delete)
changes the session's message tree here. A change that is complete in itself (a flip, a
delete, a message that stays unanswered) is saved and announced through `SessionChanges`;
a change that a reply is about to follow (a new message, a rewind before a regenerated
reply) is saved by the reply manager as the reply starts (the user's words reach the disk
before the request goes out), and only announced here.

No Textual: the conversation pane (tui_chat.ui.widgets.conversation_pane) shows what these
return and says what they refuse.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tui_chat.core.continuation import can_continue
from tui_chat.core.image_turns import CONTINUE_REFUSAL, is_image_reply, orphaned_files
from tui_chat.core.images import ImageRequest
from tui_chat.core.sanitize import one_line
from tui_chat.core.session import Message, Session
from tui_chat.services.changes import SessionChanges


@dataclass(frozen=True)
class Refusal:
    """Why an operation did nothing, and for how many seconds to say it."""

    text: str
    seconds: float | None = None


@dataclass(frozen=True)
class Added:
    """The user's message as added: a new turn, or (`forked`) a new branch beside the
    message being edited, which changes the path shown above it too."""

    message: Message
    forked: bool


def preview(message: Message, width: int = 40) -> str:
    """A message on one short line (for questions and the line above the prompt)."""
    return one_line(message.content, width) or "(no text)"


def last_of_role(session: Session, role: str | None = None) -> Message | None:
    """The last message of the current path (of `role`, when given)."""
    for message in reversed(session.messages):
        if role is None or message.role == role:
            return message
    return None


def delete_question(session: Session, message: Message) -> str:
    """The confirmation asked before deleting `message`: how much goes with it."""
    doomed = session.subtree(message)
    if message.role == "user":
        replies = [m for m in doomed if m.parent_id == message.id]
        question = f"Delete your message “{preview(message)}”"
        if replies:
            count = len(replies)
            question += " and its reply" if count == 1 else f" and its {count} replies"
    else:
        question = f"Delete this reply “{preview(message)}”"
        replies = []
    later = len(doomed) - 1 - len(replies)
    if later > 0:
        question += f", and the {later} message{'s' if later != 1 else ''} after it"
        question += " (in every branch)"
    return question + "? This cannot be undone."


class Conversation:
    """Changes a session's conversation; saves and announces through `changes`."""

    def __init__(self, changes: SessionChanges) -> None:
        self.changes = changes

    # -- sending -----------------------------------------------------------------------------

    def add_user_message(
        self, session: Session, text: str, images: list[str], editing: Message | None
    ) -> Added:
        """Add what the user sends: a new turn, or, while `editing` an earlier message of
        this session, a new branch beside it (the old one is kept)."""
        if editing is not None and session.get(editing.id) is editing:
            return Added(session.fork(editing, text, attachments=images), forked=True)
        message = session.add(Message(role="user", content=text, attachments=images))
        return Added(message, forked=False)

    def add_image_request(
        self, session: Session, request: ImageRequest, editing: Message | None
    ) -> Added:
        """Add the question of an `/image` turn (its prompt as the text); while `editing`
        an earlier message of this session, a new branch beside it."""
        if editing is not None and session.get(editing.id) is editing:
            forked = session.fork(editing, request.prompt, attachments=[])
            forked.image_request = request
            return Added(forked, forked=True)
        message = Message(role="user", content=request.prompt, image_request=request)
        return Added(session.add(message), forked=False)

    def take_back(self, session: Session, message: Message, editing: Message | None) -> None:
        """Take back a user message whose reply could not start (nothing was sent); while
        `editing`, the path goes back through the edited message. A save of the session
        that failed now owes what it holds without the message."""
        session.delete(message)
        if editing is not None and session.get(editing.id) is not None:
            session.switch_to(editing.id)
        self.changes.store.refresh_unsaved(session)

    def reply_started(self, session: Session) -> None:
        """A reply started (the reply manager saved the session): announce it."""
        self.changes.announce_only(session, "sent")

    async def keep_unanswered(self, session: Session) -> bool:
        """A message whose reply never started stays in its session (no longer shown):
        save it so. Whether it is on disk."""
        return await self.changes.commit(session, "unanswered")

    # -- regenerate and continue -------------------------------------------------------------

    def rewind_for_reply(self, session: Session, target: Message) -> Message:
        """Make the path end where a new reply to `target` goes: before `target` when it is
        a reply (kept as an alternative, unless it failed without text), else at `target`
        (a question). Returns the message the path ended with, for `rewind_back`."""
        before = session.messages[-1]
        if target.role == "assistant":
            if not target.content.strip() and target.status != "complete" and not target.images:
                session.delete(target)  # a failed reply without text: nothing to keep
            else:
                session.rewind_to(target.parent_id)
        else:
            session.rewind_to(target.id)
        self.changes.announce_only(session, "rewound")
        return before

    def rewind_back(self, session: Session, before: Message) -> None:
        """The new reply could not start: the path ends where it did (when that is still
        there)."""
        if session.get(before.id) is not None:
            session.switch_to(before.id)
        self.changes.announce_only(session, "rewound")

    @staticmethod
    def continuable(session: Session, reply: Message | None) -> Message | Refusal:
        """`reply`, when it can be continued now; else why not. An `/image` reply never
        can: there is no text to go on with (regenerate asks for the images again)."""
        if reply is not None and is_image_reply(session, reply):
            return Refusal(CONTINUE_REFUSAL)
        if reply is None or not can_continue(reply):
            return Refusal("Only a stopped or cut-off reply with some text can be continued.")
        if session.messages[-1] is not reply:
            return Refusal("Only the last reply can be continued: flip to its branch end first.")
        return reply

    # -- alternatives and deleting -----------------------------------------------------------

    async def flip(self, session: Session, message: Message, step: int) -> Message | Refusal:
        """Show the alternative `step` places from `message`, with its branch, and save
        which branch is current. Returns the message shown, or why there is none."""
        if len(session.alternatives(message)) < 2:
            what = "reply" if message.role == "assistant" else "message"
            return Refusal(f"This {what} has no alternatives.", 3)
        shown = session.flip(message, step)
        if shown is None:
            return Refusal("No more alternatives that way.", 2)
        await self.changes.commit(session, "flipped")
        return shown

    async def delete(self, session: Session, message: Message) -> list[Message]:
        """Delete `message` and what follows it in every branch; save. Returns what went.

        The image files of deleted `/image` turns are removed once the session is saved
        without them (deletes cannot be undone). While the save is owed, the file on disk
        still refers to them, so they stay."""
        removed = session.delete(message)
        if await self.changes.commit(session, "deleted"):
            files = orphaned_files(removed, session.all_messages())
            if files:
                await asyncio.to_thread(self.changes.store.images.remove, files)
        return removed
