"""Split inline `<think>…</think>` reasoning out of streamed content.

Some servers (vLLM without a reasoning parser, llama.cpp, older Ollama) leave the model's
reasoning inside `content`, wrapped in think tags at the start of the reply. The tags may be
split across chunks, so undecided text is held back until it can be classified.

R1-style chat templates often *prefill* the opening `<think>` in the prompt, so the reply
holds only the closing `</think>`. With `prefilled=True` everything before the first
`</think>` is reasoning even without an opening tag. A model may also skip the tags
altogether: if such a reply ends normally without any `</think>`, `flush(complete=True)`
hands the whole text back as reply text (it was shown as reasoning while it streamed).
"""

from __future__ import annotations

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


class ThinkTagSplitter:
    """Feed content chunks; get back (reasoning, text) pieces to show."""

    def __init__(self, prefilled: bool = False) -> None:
        self._state = "start"  # start -> think -> text, or start -> text
        self._pending = ""
        self._strip_leading = False
        self._prefilled = prefilled
        self._assumed: list[str] | None = None
        """Reasoning given out on the prefilled assumption (no opening tag seen), kept in
        case the reply turns out to have had no tags at all."""
        self.reclassified = False
        """True once flush() turned assumed reasoning back into reply text."""

    def feed(self, chunk: str) -> tuple[str, str]:
        if self._state == "text" and not self._strip_leading:
            return "", chunk
        self._pending += chunk
        reasoning = text = ""
        if self._state == "start":
            stripped = self._pending.lstrip()
            if stripped.startswith(OPEN_TAG):
                self._state = "think"
                self._pending = stripped[len(OPEN_TAG) :]
            elif OPEN_TAG.startswith(stripped):
                return "", ""  # could still become "<think>"
            elif self._prefilled:
                self._state = "think"  # the template opened the tag for the model
                self._assumed = []
            else:
                self._state = "text"
                text, self._pending = self._pending, ""
                return "", text
        if self._state == "think":
            end = self._pending.find(CLOSE_TAG)
            if end < 0:
                keep = _partial_suffix(self._pending, CLOSE_TAG)
                reasoning = self._pending[: len(self._pending) - keep]
                self._pending = self._pending[len(self._pending) - keep :]
                if self._assumed is not None:
                    self._assumed.append(reasoning)
                return reasoning, ""
            reasoning = self._pending[:end]
            self._pending = self._pending[end + len(CLOSE_TAG) :]
            self._state = "text"
            self._strip_leading = True
            self._assumed = None  # the closing tag confirms it was reasoning
        if self._state == "text" and self._strip_leading:
            self._pending = self._pending.lstrip()
            if self._pending:
                self._strip_leading = False
                text, self._pending = self._pending, ""
        return reasoning, text

    def flush(self, complete: bool = False) -> tuple[str, str]:
        """Whatever is held back, at the end of the stream.

        `complete`: the reply ended normally (not cut off at the token limit). Then text
        that was only assumed to be reasoning, because no `</think>` ever came, is returned
        as reply text: the model skipped the tags.
        """
        pending, self._pending = self._pending, ""
        if self._state == "think":
            if complete and self._assumed is not None:
                self.reclassified = True
                text = "".join(self._assumed) + pending
                self._assumed = None
                return "", text.lstrip()
            return pending, ""
        return "", pending


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
