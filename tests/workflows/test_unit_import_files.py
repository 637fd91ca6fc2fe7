"""Reading a spreadsheet of units: Excel's CSVs and XLSX, line numbers as the spreadsheet shows them, and
files refused as a whole with one clear message."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from workflows.orgchart.unit_import_files import MAX_ROWS, UnitFileRefused, read_table

TONES = "\u0300\u0301\u0303\u0309\u0323"
HEADER = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Hiệu lực từ"]


def xlsx(rows: list[list[object]]) -> bytes:
    """An Excel workbook of one sheet holding `rows`."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_gives_its_cells_as_text_and_its_excel_row_numbers() -> None:
    data = xlsx([[], HEADER, ["XA_1", "Xã Một", "commune", datetime(2025, 1, 1)], [], ["XA_2", 2.0, 3.5, None]])
    table = read_table("Don vi.XLSX", data)
    assert (table.header_line, table.header) == (2, HEADER)
    assert table.rows == [(3, ["XA_1", "Xã Một", "commune", "01/01/2025"]), (5, ["XA_2", "2", "3.5", ""])]


def test_excel_s_vietnamese_csv_is_read_with_its_line_numbers() -> None:
    # Excel's plain CSV on a Vietnamese system is Windows-1258, its tones written as combining marks.
    text = 'Mã đơn vị;Tên đơn vị\r\nXA_1;"Xã\r\nMột"\r\n\r\nXA_2;Xã Hai\r\n'
    table = read_table("a.csv", b"".join(_windows_1258(letter) for letter in text))
    assert table.header == ["Mã đơn vị", "Tên đơn vị"]
    assert table.rows == [(2, ["XA_1", "Xã\r\nMột"]), (5, ["XA_2", "Xã Hai"])]
    assert read_table("a.csv", ("\ufeff" + text).encode()).rows == table.rows


def _windows_1258(letter: str) -> bytes:
    """A letter as Windows-1258 writes it: precomposed when the code page has it, else base and tone mark."""
    try:
        return letter.encode("cp1258")
    except UnicodeEncodeError:
        split = unicodedata.normalize("NFD", letter)
        tone = next(mark for mark in split if mark in TONES)
        return (unicodedata.normalize("NFC", split.replace(tone, "")) + tone).encode("cp1258")


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.csv", b"x" * 1_000_001, "Tệp lớn hơn 1 MB; hãy chia thành nhiều tệp nhỏ hơn."),
        ("a.xlsx", b"", "Không đọc được tệp XLSX; hãy lưu lại từ bảng tính rồi thử lại."),
        ("a.xlsx", b"PK\x03\x04 not a workbook", "Không đọc được tệp XLSX; hãy lưu lại từ bảng tính rồi thử lại."),
        ("a.xlsx", "Mã đơn vị,Tên đơn vị\n".encode(), "Không đọc được tệp XLSX; hãy lưu lại từ bảng tính rồi thử lại."),
        ("a.csv", b"\x00\x01\x02", "Không đọc được tệp CSV; hãy lưu lại từ bảng tính rồi thử lại."),
        ("a.xls", b"whatever", "Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx)."),
        ("don_vi", b"code\nA\n", "Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx)."),
        ("a.csv", b"\xef\xbb\xbf\r\n;;\r\n", "Tệp không có dòng đơn vị nào."),
        ("a.csv", "Mã đơn vị\n".encode(), "Tệp không có dòng đơn vị nào."),
        ("a.csv", ("Mã đơn vị\n" + "A\n" * (MAX_ROWS + 1)).encode(), "Tệp có hơn 5.000 dòng"),
        ("a.xlsx", _bomb(), "Tệp lớn hơn 1 MB"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_why(filename: str, data: bytes, message: str) -> None:
    with pytest.raises(UnitFileRefused) as refused:
        read_table(filename, data)
    assert refused.value.message.vi.startswith(message)
    assert refused.value.message.en  # the English page says it too


def test_five_thousand_rows_are_read() -> None:
    table = read_table("a.xlsx", xlsx([HEADER, *([f"XA_{n}", "Xã", "commune", "01/01/2025"] for n in range(MAX_ROWS))]))
    assert len(table.rows) == MAX_ROWS and table.rows[-1][0] == MAX_ROWS + 1
