"""Make untrusted text (model output, file contents) safe to put on a terminal."""

from __future__ import annotations

import re
from typing import Any

# ESC-introduced sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC strings
# (terminated by BEL or ST), and two-character escapes. 8-bit C1 forms are covered by
# the control-character class below.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?            # CSI
    | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]?                   # other ESC sequences (and a lone ESC)
    """,
    re.VERBOSE,
)
# C0 controls except tab (\x09) and newline (\x0a), DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    """Remove terminal escape sequences and control characters, keeping newline and tab.

    Carriage returns in CRLF pairs become plain newlines; a lone CR is dropped, since it
    could be used to overwrite what is already on a line.
    """
    if not text or not _CONTROL.search(text):
        return text
    text = text.replace("\r\n", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def one_line(text: str, limit: int = 80) -> str:
    """A safe single-line version of `text`, shortened to `limit` characters with an ellipsis."""
    line = " ".join(strip_control(text).split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def single_line(text: str) -> str:
    """`strip_control` with line breaks and tabs turned into spaces, for names shown on one
    line (a model, provider, label). Not trimmed or shortened: a model name goes back to the
    server, and a clean name must come out unchanged."""
    clean = strip_control(text)
    if "\n" in clean or "\t" in clean:
        clean = clean.replace("\n", " ").replace("\t", " ")
    return clean


def clean_tree(value: Any) -> Any:
    """A parsed document (JSON or TOML: dicts, lists, strings, numbers) with every string
    passed through `strip_control` and every key through `single_line` (keys are names).
    For input read whole, such as the config file, before any of it is used."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, dict):
        return {
            single_line(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    return value
