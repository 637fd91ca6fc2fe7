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
# A word with the white space after it: no token of white space alone to match everything.
_WORDS = re.compile(r"\s*\S+\s*|\s+")


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


def _runs(old: list[str], new: list[str]) -> list[Piece]:
    """Pieces turning the token list `old` into `new`."""
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if i2 > i1:
            pieces.append(Piece("equal" if op == "equal" else "delete", "".join(old[i1:i2])))
        if op in ("insert", "replace") and j2 > j1:
            pieces.append(Piece("insert", "".join(new[j1:j2])))
    return pieces


def word_diff(before: str, after: str) -> tuple[Piece, ...]:
    """The change from `before` to `after` word by word (white space kept), as runs of pieces.

    Lines are matched first and only lines that changed are compared word by word: a long draft
    with one edited paragraph costs one paragraph's comparison.
    """
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", "".join(old_lines[i1:i2])))
        elif op == "replace" and i2 - i1 == j2 - j1:
            for old, new in zip(old_lines[i1:i2], new_lines[j1:j2], strict=True):
                pieces += _runs(_WORDS.findall(old), _WORDS.findall(new))
        elif op == "replace":
            pieces += _runs(_WORDS.findall("".join(old_lines[i1:i2])), _WORDS.findall("".join(new_lines[j1:j2])))
        else:
            pieces += _runs(old_lines[i1:i2], new_lines[j1:j2])
    return tuple(_merged(pieces))


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of the same kind joined into one."""
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].op == piece.op:
            merged[-1] = Piece(piece.op, merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return merged


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
