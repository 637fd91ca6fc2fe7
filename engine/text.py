"""Text as people search it: without diacritics and case (Vietnamese typed with or without marks)."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower case, no diacritics, đ as d, single spaces: "Tham nhũng" and "tham nhung" meet."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


def extend(existing: str | None, *texts: str | None) -> str:
    """Search text that also finds `texts` (folded), keeping what it found before."""
    result = existing or ""
    for text in texts:
        folded = fold(text)
        if folded and folded not in result:
            result = f"{result} | {folded}" if result else folded
    return result
