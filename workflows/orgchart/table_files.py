"""Read a table from a CSV or XLSX file as an administrator's spreadsheet writes it (units, users…).

A CSV may be UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8") or Windows-1258 (Excel's
plain CSV on a Vietnamese system), its cells separated by commas, semicolons (Excel where the
decimal mark is a comma) or tabs. An XLSX is read from its first sheet. Either way the first
non-empty row names the columns, in Vietnamese (``Mã đơn vị``) or by field (``code``); every later
row keeps the line number the administrator sees in their spreadsheet, so a problem can name it.
A file that is too large, of another type or unreadable is refused as a whole with one message.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from workflows.forms.messages import Message

MAX_BYTES: Final = 1_000_000
MAX_ROWS: Final = 5_000
#: What an XLSX may hold once unzipped: a small file that unzips to gigabytes is refused unread.
MAX_UNZIPPED_BYTES: Final = 50_000_000


@dataclass(frozen=True)
class Column:
    """A column of an import: the row's field, its Vietnamese and English headers, its longest text."""

    field: str
    vi: str
    en: str
    limit: int


TOO_LARGE = Message(
    "file_too_large",
    "The file is larger than 1 MB; split it into smaller files.",
    "Tệp lớn hơn 1 MB; hãy chia thành nhiều tệp nhỏ hơn.",
)
TOO_MANY_ROWS = Message(
    "too_many_rows",
    "The file has more than {limit} rows; split it into smaller files.",
    "Tệp có hơn {limit} dòng; hãy chia thành nhiều tệp nhỏ hơn.",
)
WRONG_TYPE = Message(
    "wrong_type",
    "Only CSV (.csv) or Excel (.xlsx) files can be imported.",
    "Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx).",
)
UNREADABLE = Message(
    "unreadable",
    "The file cannot be read as {kind}; save it again from the spreadsheet and retry.",
    "Không đọc được tệp {kind}; hãy lưu lại từ bảng tính rồi thử lại.",
)


class FileRefused(ValueError):
    """The file as a whole cannot be imported; `message` says why in both languages."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.vi)
        self.message = message


@dataclass(frozen=True)
class Table:
    """The file's header row and its other rows, each with its line number, cells as text."""

    filename: str
    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def to_plain(self) -> dict[str, Any]:
        """The table as JSON-ready data (to carry it from the preview to the confirmation)."""
        return {"filename": self.filename, "header_line": self.header_line, "header": self.header, "rows": self.rows}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Table:
        """The table `to_plain` gave."""
        rows = [(int(line), [str(cell) for cell in cells]) for line, cells in data["rows"]]
        return cls(str(data["filename"]), int(data["header_line"]), [str(h) for h in data["header"]], rows)


def read_table(filename: str, data: bytes, *, empty: Message) -> Table:
    """The table of a .csv or .xlsx file; FileRefused when it is too large, of another type or unreadable,
    and with `empty` when it has no rows below its header."""
    if len(data) > MAX_BYTES:
        raise FileRefused(TOO_LARGE)
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        lines = _xlsx_lines(data)
    elif lowered.endswith(".csv"):
        lines = _csv_lines(data)
    else:
        raise FileRefused(WRONG_TYPE)
    filled = ((line, cells) for line, cells in lines if any(cell for cell in cells))
    try:
        header_line, header = next(filled)
    except StopIteration:
        raise FileRefused(empty) from None
    rows: list[tuple[int, list[str]]] = []
    for line, cells in filled:
        if len(rows) == MAX_ROWS:
            raise FileRefused(TOO_MANY_ROWS.format(limit=f"{MAX_ROWS:,}".replace(",", ".")))
        rows.append((line, cells))
    if not rows:
        raise FileRefused(empty)
    return Table(filename, header_line, header, rows)


def _clean(text: str) -> str:
    # NFC: the same letter typed on macOS (decomposed) and on Windows (composed) must compare equal.
    return unicodedata.normalize("NFC", text).strip()


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            raise FileRefused(UNREADABLE.format(kind="CSV")) from None
    if "\x00" in text:
        raise FileRefused(UNREADABLE.format(kind="CSV"))
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            yield start, [_clean(cell) for cell in cells]
    except csv.Error:
        raise FileRefused(UNREADABLE.format(kind="CSV")) from None


def _xlsx_lines(data: bytes) -> Iterable[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # imported on use: it is slow to load

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise FileRefused(TOO_LARGE)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        lines = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            if any(cells):
                lines.append((number, cells))
            if len(lines) > MAX_ROWS + 1:  # enough for read_table to refuse it
                break
        workbook.close()
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; each means "unreadable"
        raise FileRefused(UNREADABLE.format(kind="XLSX")) from None
    return lines


def _cell_text(value: object) -> str:
    """A cell as the administrator reads it: dates dd/mm/yyyy, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))
