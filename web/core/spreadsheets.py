"""Tables as downloads: CSV that Excel opens in Vietnamese, and XLSX, with dates as dd/mm/yyyy.

One helper for every page that offers its table to take away (supervision charts, the board, a
directive's unit table): the page gives a header row and data rows; this module gives the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from flask import send_file

# openpyxl ships no type hints and its stubs are not a dependency; the three names used are plain.
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from werkzeug.wrappers import Response

from workflows.calendar import LOCAL_TZ

SpreadsheetFormat = Literal["csv", "xlsx"]
FORMATS: tuple[SpreadsheetFormat, ...] = ("csv", "xlsx")

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel takes a CSV without a byte-order mark for the local code page and garbles Vietnamese.
UTF8_BOM = "\ufeff"
# A cell that begins with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
SHEET_TITLE_LIMIT = 31  # Excel's limit on a sheet's name


class UnknownSpreadsheetFormat(ValueError):
    """A format other than csv or xlsx was asked for."""

    def __init__(self, fmt: str) -> None:
        super().__init__(f"unknown spreadsheet format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.fmt = fmt


def _local(moment: datetime) -> datetime:
    """A moment in Vietnam's time, without its zone (spreadsheet cells carry none)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


def cell_text(value: object) -> str:
    """A value as a CSV cell shows it: dd/mm/yyyy for days, dd/mm/yyyy HH:MM for moments, "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark, one header line, CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell_text(header) for header in headers])
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]], sheet_title: str = "Sheet1") -> bytes:
    """The table as an XLSX workbook: a bold header row, days as real dates shown dd/mm/yyyy."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = _sheet_title(sheet_title)
    sheet.append([str(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(header)) for header in headers]
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, datetime):
                cell.value = _local(value)
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = XLSX_DATE_FORMAT
            elif isinstance(value, str):
                cell.value = value
                # openpyxl would store a text beginning with "=" as a formula; it is text.
                cell.data_type = "s"
            else:
                cell.value = value  # numbers, booleans and None as they are
            if column_number <= len(widths):
                widths[column_number - 1] = max(widths[column_number - 1], len(cell_text(value)))
    for column_number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return bytes(buffer.getvalue())


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return (cleaned or "Sheet1")[:SHEET_TITLE_LIMIT]


def spreadsheet_response(
    filename_stem: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    fmt: str,
    *,
    sheet_title: str | None = None,
) -> Response:
    """A download of the table as `<filename_stem>.csv` or `.xlsx` (Vietnamese names kept, RFC 5987)."""
    if fmt == "csv":
        body, mimetype = csv_bytes(headers, rows), CSV_MIMETYPE
    elif fmt == "xlsx":
        body, mimetype = xlsx_bytes(headers, rows, sheet_title or filename_stem), XLSX_MIMETYPE
    else:
        raise UnknownSpreadsheetFormat(fmt)
    response = send_file(
        io.BytesIO(body),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{filename_stem}.{fmt}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
