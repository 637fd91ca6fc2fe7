"""The reference công văn and the documents composed in the tests: how they are read and compared.

The reference text (tests/data/reference/, the published directive as plain text) lost its header
blocks and carries markdown emphasis; the comparison ignores emphasis and white space and reads Đ
as D, as the seed's own quirks require.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from workflows.directive import reference_case
from workflows.directive.document import Document, compose, compose_for_case
from workflows.registers.models import OutgoingDocument

SEED = Path(__file__).resolve().parents[1] / "data" / "reference" / "cong-van-2023-SVHTTDL-QLVHGD.txt"

_BLOCKS = frozenset({"p", "div", "td", "th", "tr", "table", "br", "li", "h1", "h2", "h3", "title", "body"})
_HIDDEN = frozenset({"style", "script", "head", "title"})


class _Lines(HTMLParser):
    """The visible text of a page, one line per block-level element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden -= 1
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)

    def _break(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.lines.append(text)
        self._current = []

    def close(self) -> None:
        super().close()
        self._break()


def visible_lines(page: str) -> list[str]:
    """The non-empty text lines a reader sees on the page."""
    parser = _Lines()
    parser.feed(page)
    parser.close()
    return parser.lines


def loose(text: str) -> str:
    """A line without emphasis marks or white space, and with Đ read as D (the seed's quirks)."""
    text = unicodedata.normalize("NFC", text).replace("*", "")
    text = text.replace("Đ", "D").replace("đ", "d")
    return re.sub(r"\s+", "", text)


def reference_document(session: Session, issued: OutgoingDocument | None = None) -> Document:
    """The reference directive composed from the reference case, drafted by cv.hvd in March 2023."""
    data: dict[str, Any] = {**reference_case.INCOMING, **reference_case.INSTRUCTION, **reference_case.draft()}
    return compose_for_case(session, data, "cv.hvd", issued, drafted_on=date(2023, 3, 8))


def plain(**overrides: Any) -> Document:
    """A document from plain values; overrides change one value."""
    values: dict[str, Any] = {
        "parent_body": "UBND TỈNH LẠNG SƠN",
        "issuing_body": "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "agency_notation": "SVHTTDL",
        "division_notation": "QLVHGĐ",
        "division_display_code": "QLVH&GĐ",
        "place": "Lạng Sơn",
        "number": None,
        "issued_on": None,
        "drafted_on": date(2023, 3, 8),
        "subject": "Thử",
        "addressees": ["Các đơn vị trực thuộc Sở"],
        "basis": "Căn cứ.",
        "intro": "Mở đầu:",
        "tasks": ["Việc một.", "Việc hai."],
        "closing": "Kết./.",
        "cc": [],
        "drafter_initials": "HVĐ",
        "capacity": "KT.",
        "head_title": "Giám đốc",
        "signer_title": "Phó Giám đốc",
        "signer_name": "Phan Văn Hòa",
    }
    values.update(overrides)
    return compose(**values)


def assert_in_order(wanted: Sequence[str], lines: Sequence[str]) -> None:
    """Each wanted line is one of `lines`, after the previous one (in the seed's loose comparison)."""
    got = [loose(line) for line in lines]
    position = 0
    for line in wanted:
        assert loose(line) in got[position:], f"line not found in order: {line!r}"
        position = got.index(loose(line), position) + 1


def seed_lines() -> list[str]:
    """The non-empty lines of the reference công văn, its date line as the product writes a draft's.

    The reference draft has its month written in before signing; the product leaves day and month
    blank until the letter is issued (docs/nd30.md §2), so that one line is compared without it.
    """
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [re.sub(r", ngày tháng [0-9]+ năm ", ", ngày tháng năm ", line) for line in lines]
