"""What changed between two submissions of a step: field by field, and word by word for texts."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
# A text longer than this (or spread over lines) is read as prose: its change is shown word by word.
PROSE_LENGTH = 60
_WORDS = re.compile(r"(\s+)")


@dataclass(frozen=True)
class Piece:
    """A run of words of a compared text: kept ("equal"), taken out ("delete") or put in ("insert")."""

    op: str
    text: str


@dataclass(frozen=True)
class Change:
    """One field that differs between two submissions; `words` is set for prose."""

    field: str
    kind: str
    before: Any
    after: Any
    words: tuple[Piece, ...] = ()


def as_text(value: Any) -> str:
    """A field's value as a reader sees it: lines of a list, JSON for anything nested."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _is_prose(before: Any, after: Any) -> bool:
    texts = (as_text(before), as_text(after))
    return any(len(text) > PROSE_LENGTH or "\n" in text for text in texts)


def word_diff(before: str, after: str) -> tuple[Piece, ...]:
    """The change from `before` to `after` word by word (white space kept), as runs of pieces."""
    old, new = _WORDS.split(before), _WORDS.split(after)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("equal", "delete", "replace") and i2 > i1:
            pieces.append(Piece("equal" if op == "equal" else "delete", "".join(old[i1:i2])))
        if op in ("insert", "replace") and j2 > j1:
            pieces.append(Piece("insert", "".join(new[j1:j2])))
    return tuple(pieces)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The fields that differ between two submissions, in the order of the later one (removed ones last)."""
    changes = []
    for name, value in after.items():
        if name not in before:
            changes.append(Change(name, ADDED, None, value))
        elif before[name] != value:
            words = word_diff(as_text(before[name]), as_text(value)) if _is_prose(before[name], value) else ()
            changes.append(Change(name, CHANGED, before[name], value, words))
    changes += [Change(name, REMOVED, value, None) for name, value in before.items() if name not in after]
    return changes
