"""Where a person may be sent back to after signing in or switching language: a path of this site only."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit


def _harmless(text: str) -> bool:
    # Browsers drop tabs and newlines from a URL ("/\t/evil.example" becomes "//evil.example") and a
    # newline would split the Location header; control characters and spaces have no place here at all.
    return not any(c.isspace() or unicodedata.category(c)[0] == "C" for c in text)


def is_local_path(target: str | None) -> bool:
    """Whether `target` is a path on this site: one leading "/", nothing a browser could read as a host."""
    if not target:
        return False
    for text in (target, unquote(target)):
        if not text.startswith("/") or text.startswith(("//", "/\\")):
            return False
        # Browsers read a backslash as a slash, so "/\\evil.example" would leave the site too.
        if "\\" in text or not _harmless(text):
            return False
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return False
    return True


def local_or(target: str | None, fallback: str) -> str:
    """`target` when it is a local path, `fallback` otherwise."""
    return target if target is not None and is_local_path(target) else fallback
