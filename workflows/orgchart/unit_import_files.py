"""The columns of the units import, and its file reading (`workflows.orgchart.table_files`).

The columns are the unit's fields, by their Vietnamese header or their field code; ``Mã đơn vị``,
``Tên đơn vị``, ``Loại đơn vị`` and ``Hiệu lực từ`` are required.
"""

from __future__ import annotations

from typing import Final

from workflows.forms.messages import Message
from workflows.orgchart.table_files import (
    MAX_BYTES,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    TOO_LARGE,
    TOO_MANY_ROWS,
    UNREADABLE,
    WRONG_TYPE,
    Column,
    FileRefused,
    Table,
)
from workflows.orgchart.table_files import read_table as read_any_table

__all__ = [
    "BY_FIELD",
    "COLUMNS",
    "EMPTY",
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "REQUIRED",
    "TOO_LARGE",
    "TOO_MANY_ROWS",
    "UNREADABLE",
    "WRONG_TYPE",
    "Column",
    "Table",
    "UnitFileRefused",
    "read_table",
]

COLUMNS: Final = (
    Column("code", "Mã đơn vị", "Unit code", 64),
    Column("name", "Tên đơn vị", "Unit name", 255),
    Column("short_name", "Tên viết tắt", "Short name", 255),
    Column("header_name", "Tên trên tiêu đề", "Name in headers", 255),
    Column("notation", "Ký hiệu", "Notation", 32),
    Column("display_code", "Ký hiệu hiển thị", "Display code", 32),
    Column("kind", "Loại đơn vị", "Unit kind", 32),
    Column("parent_code", "Đơn vị cấp trên", "Parent unit", 64),
    Column("email", "Thư điện tử", "Email", 255),
    Column("organ_id", "Mã định danh", "Electronic identifier", 32),
    Column("valid_from", "Hiệu lực từ", "Valid from", 10),
    Column("valid_to", "Hiệu lực đến", "Valid to", 10),
    Column("note", "Ghi chú", "Note", 2_000),
)
BY_FIELD: Final = {column.field: column for column in COLUMNS}
REQUIRED: Final = ("code", "name", "kind", "valid_from")

EMPTY = Message("empty", "The file has no rows of units.", "Tệp không có dòng đơn vị nào.")
#: The name the units import gave its refusal before the reading was shared with the users import.
UnitFileRefused = FileRefused


def read_table(filename: str, data: bytes) -> Table:
    """The table of units of a .csv or .xlsx file; UnitFileRefused when it cannot be imported as a whole."""
    return read_any_table(filename, data, empty=EMPTY)
