"""Which messages of a session belong to `/image` turns, and the files they own.

An `/image` turn is a question with `image_request` and its replies. A reply is told apart
by its parent (the question) as well as by its own fields, because a reply that failed
before the provider answered has neither images nor a task. Such turns are never sent to
the chat model (core/context), and their files go when the turn is deleted
(services/conversation.py) or with the session (core/store/trash.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from tui_chat.core.images import ImageRequest
from tui_chat.core.message import Message
from tui_chat.core.message_tree import MessageTree

LEFT_OUT_REASON = "left out: an /image turn (attach an image to show it to the model)"
"""The context inspector's word for both messages of an `/image` turn."""
CONTINUE_REFUSAL = "An image reply cannot be continued: regenerate it for new images."


def image_turn_ids(messages: Iterable[Message]) -> set[str]:
    """Ids of the messages of `messages` that are part of an `/image` turn: questions with
    an `image_request`, replies to them, and replies holding images or a provider task."""
    listed = list(messages)
    requests = {m.id for m in listed if m.image_request is not None}
    return {
        m.id
        for m in listed
        if m.is_image_turn or (m.role == "assistant" and m.parent_id in requests)
    }


def is_image_reply(tree: MessageTree, message: Message) -> bool:
    """`message` is the reply of an `/image` turn (by its fields or by its question)."""
    if message.role != "assistant":
        return False
    return message.is_image_turn or image_request_for(tree, message) is not None


def image_request_for(tree: MessageTree, reply: Message) -> tuple[Message, ImageRequest] | None:
    """The question and request an `/image` reply answers (what regenerate asks again);
    None when `reply` is not the reply of an `/image` turn."""
    if reply.role != "assistant" or reply.parent_id is None:
        return None
    question = tree.get(reply.parent_id)
    if question is None or question.image_request is None:
        return None
    return question, question.image_request


def image_files(messages: Iterable[Message]) -> list[str]:
    """The image files (relative to the data directory) these messages refer to."""
    return [image.file for message in messages for image in message.images]


def orphaned_files(removed: Iterable[Message], kept: Iterable[Message]) -> list[str]:
    """Files of `removed` messages that no `kept` message still refers to (a merge or a
    hand-edited file may share one), each once: what a delete may remove from disk."""
    still = set(image_files(kept))
    return list(dict.fromkeys(f for f in image_files(removed) if f not in still))
