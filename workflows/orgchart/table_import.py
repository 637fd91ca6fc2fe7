"""What every spreadsheet import of the org chart shares: its header read, its problems, its preview.

An import (units: `workflows.orgchart.unit_import`; users: `workflows.orgchart.user_import`) reads a
table (`workflows.orgchart.table_files`), finds each column by its Vietnamese header or field code,
checks every row naming its line and column, and shows a preview (new, changed field by field,
unchanged) before anything is stored; only a file without problems is applied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflows.forms.messages import Message
from workflows.orgchart.table_files import Column, Table

NEW, UPDATE, SAME = "new", "update", "same"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

UNKNOWN_COLUMN = Message(
    "unknown_column",
    "Not a column of the import (columns: {known}).",
    "Không phải cột của tệp nhập (các cột: {known}).",
)
TWICE_COLUMN = Message("column_twice", "The column is there twice.", "Cột này có hai lần.")
MISSING_COLUMN = Message("missing_column", "This required column is missing.", "Thiếu cột bắt buộc này.")
EMPTY = Message("required", "Must not be empty.", "Không được để trống.")
TOO_LONG = Message("too_long", "Longer than {limit} characters.", "Dài hơn {limit} ký tự.")
BAD_DATE = Message(
    "bad_date", "“{value}” is not a date written dd/mm/yyyy.", "“{value}” không phải là ngày dạng dd/mm/yyyy."
)
BAD_EMAIL = Message("bad_email", "“{value}” is not an e-mail address.", "“{value}” không phải là địa chỉ thư điện tử.")


@dataclass(frozen=True)
class ImportProblem:
    """One problem of the file: its line, its column (None: the row as a whole) and what is wrong."""

    line: int
    column: Column | None
    message: Message

    def __str__(self) -> str:
        where = f", cột {self.column.vi}" if self.column else ""
        return f"Dòng {self.line}{where}: {self.message.vi}"


@dataclass
class RowPreview:
    """One row of the file: the unit, what importing it does, each field before and after, its problems."""

    line: int
    code: str
    name: str
    action: str = NEW
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass
class ImportPreview:
    """What importing a file would do, or why it cannot."""

    filename: str
    header_problems: list[ImportProblem]
    rows: list[RowPreview]

    @property
    def problems(self) -> list[ImportProblem]:
        """Every problem, the header's first, then by line."""
        return [*self.header_problems, *(p for row in self.rows for p in row.problems)]

    @property
    def ok(self) -> bool:
        """Whether the file may be applied."""
        return not self.problems

    def count(self, action: str) -> int:
        """How many rows add (NEW), change (UPDATE) or leave (SAME) a unit."""
        return sum(1 for row in self.rows if row.action == action)


def read_header(
    table: Table, columns_known: Sequence[Column], required: Sequence[str]
) -> tuple[list[Column | None], list[ImportProblem]]:
    """Each position's column (None when unknown) and the header's problems."""
    known = ", ".join(column.vi for column in columns_known)
    by_field = {column.field: column for column in columns_known}
    names = {fold(c.vi): c for c in columns_known} | {fold(c.field): c for c in columns_known}
    columns: list[Column | None] = []
    problems: list[ImportProblem] = []
    for text in table.header:
        column = names.get(fold(text))
        if column is None and text:
            unknown = Column(text, text, text, 0)
            problems.append(ImportProblem(table.header_line, unknown, UNKNOWN_COLUMN.format(known=known)))
        elif column is not None and column in columns:
            problems.append(ImportProblem(table.header_line, column, TWICE_COLUMN))
            column = None
        columns.append(column)
    for name in required:
        if by_field[name] not in columns:
            problems.append(ImportProblem(table.header_line, by_field[name], MISSING_COLUMN))
    return columns, problems


def fold(text: str) -> str:
    """A header or a value as compared: case, spaces and underscores aside."""
    return " ".join(text.casefold().replace("_", " ").split())


def parse_date(text: str) -> date | None:
    """A date written dd/mm/yyyy (or yyyy-mm-dd, as some spreadsheets export it), else None."""
    try:
        if found := _DATE.fullmatch(text):
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
