"""Joining the parts of a message (a title, advice, what the server said) into one line.

A server's words often end without a full stop ("Upstream provider overloaded"): put
next to "Press Ctrl+R" they read as one sentence. Every part here ends as a sentence
before the next begins.
"""

from __future__ import annotations

ENDINGS = (".", "!", "?", "…", "。", "！", "？")


def as_sentence(text: str) -> str:
    """`text` without spaces around it, ending with a full stop unless it has an ending
    already; "" stays ""."""
    text = text.strip()
    if not text or text.endswith(ENDINGS):
        return text
    return text + "."


def join_sentences(*parts: str | None) -> str:
    """The non-empty parts, each ending as a sentence, separated by one space."""
    return " ".join(as_sentence(part) for part in parts if part and part.strip())
