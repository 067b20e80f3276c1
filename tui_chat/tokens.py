"""Token estimates for text the server has not counted yet."""

from __future__ import annotations

import re

# CJK ideographs, kana and hangul: roughly one token per character in common tokenizers.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def estimate_tokens(text: str) -> int:
    """About one token per CJK character and per four other characters."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4
