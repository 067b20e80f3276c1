"""Automatic session titles: after the first reply, one short request for a 3-8 word title.

Off by default (`[defaults] auto_title`). The model's answer is untrusted text: control
characters, quotes, Markdown and "Title:" prefixes are removed and it is cut to one line.
"""

from __future__ import annotations

import re
from typing import Any

from tui_chat.core.sanitize import one_line, strip_control
from tui_chat.core.session import TITLE_LENGTH, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.core.side_requests import _Streams, ask_text

TITLE_MAX_TOKENS = 40
EXCERPT_CHARS = 1500
"""How much of the first message and reply is sent: enough to name the topic, and cheap."""
PROMPT = (
    "Write a title of 3 to 8 words for the conversation below, in the language the user "
    "writes in. Reply with the title only: no quotes, no punctuation at the end, no "
    "explanation."
)
_PREFIX = re.compile(r"^\s*(title|标题|題名|titre|titel|título)\s*[:：]\s*", re.IGNORECASE)
_WRAPPERS = "\"'“”‘’«»「」『』《》*_`#"


def wants_title(session: Session) -> bool:
    """The session just got its first complete reply and still has the automatic title.
    Not after an `/image` turn: it keeps the prompt as its title, and the prompt is not
    sent to the chat model (core/image_turns.py)."""
    if session.title_is_custom or any(m.is_image_turn for m in session.messages):
        return False
    users = [m for m in session.messages if m.role == "user"]
    replies = [m for m in session.messages if m.role == "assistant"]
    return len(users) == 1 and len(replies) == 1 and replies[0].status == "complete"


def title_request(session: Session) -> list[dict[str, Any]]:
    first = next(m.content for m in session.messages if m.role == "user")
    reply = next((m.content for m in session.messages if m.role == "assistant"), "")
    conversation = f"User: {first[:EXCERPT_CHARS]}\n\nAssistant: {reply[:EXCERPT_CHARS]}"
    return [
        {"role": "system", "content": PROMPT},
        {"role": "user", "content": conversation},
    ]


def clean_title(text: str) -> str:
    """A usable title from the model's answer, or "" when there is none."""
    for line in strip_control(text).splitlines():
        line = _PREFIX.sub("", line.strip())
        line = line.strip(_WRAPPERS + " ").rstrip("。.!！?？;；,，:：").strip(_WRAPPERS + " ")
        if line:
            return one_line(line, TITLE_LENGTH)
    return ""


async def suggest_title(provider: _Streams, model: str, session: Session) -> str:
    """Ask `provider` for a title of `session`; "" when the answer has none. Raises
    SideRequestError (and whatever the provider raises) on failure."""
    settings = ChatSettings(thinking="off", max_tokens=TITLE_MAX_TOKENS, temperature=0.3)
    answer = await ask_text(provider, model, title_request(session), settings)
    return clean_title(answer)
