"""Tables as downloads: CSV that Excel opens with its Vietnamese intact, XLSX with real dates shown dd/mm/yyyy."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]  # no type hints shipped

from web.core.spreadsheets import UnknownSpreadsheetFormat, csv_bytes, spreadsheet_response, xlsx_bytes

HEADERS = ["Đơn vị", "Hạn báo cáo", "Ngày báo cáo", "Số báo cáo đúng hạn", "Tỷ lệ đúng hạn (%)"]
ROWS: list[list[object]] = [
    ["Bảo tàng tỉnh Lạng Sơn", date(2023, 3, 31), datetime(2023, 3, 30, 20, 15, tzinfo=UTC), 3, 75.0],
    ["Phòng Văn hóa và Thông tin huyện Tràng Định", date(2023, 4, 5), None, 0, 0.0],
]


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_utf8() -> None:
    body = csv_bytes(HEADERS, ROWS)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "Tràng Định".encode() in body


def test_csv_dates_read_day_month_year_and_moments_in_vietnam_time() -> None:
    header, first, second = _csv_rows(csv_bytes(HEADERS, ROWS))
    assert header == HEADERS
    # 20:15 UTC on the 30th is 03:15 on the 31st in Vietnam (UTC+7).
    assert first == ["Bảo tàng tỉnh Lạng Sơn", "31/03/2023", "31/03/2023 03:15", "3", "75.0"]
    assert second[1:3] == ["05/04/2023", ""]


def test_csv_cells_that_excel_would_run_as_formulas_stay_text() -> None:
    rows: list[list[object]] = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "bình thường"]]
    (_, row) = _csv_rows(csv_bytes(["a", "b", "c", "d", "e"], rows))
    assert row == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "bình thường"]


def test_csv_quotes_commas_quotes_and_line_breaks() -> None:
    rows: list[list[object]] = [['Sở VHTTDL, "Lạng Sơn"\ndòng hai', 1]]
    (_, row) = _csv_rows(csv_bytes(["x", "y"], rows))
    assert row == ['Sở VHTTDL, "Lạng Sơn"\ndòng hai', "1"]


def test_xlsx_keeps_dates_as_dates_formatted_dd_mm_yyyy_and_numbers_as_numbers() -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes(HEADERS, ROWS, "Đúng hạn theo đơn vị")))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Đúng hạn theo đơn vị"
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == datetime(2023, 3, 31)
    assert sheet["B2"].number_format == "DD/MM/YYYY"
    assert sheet["C2"].value == datetime(2023, 3, 31, 3, 15)
    assert sheet["C2"].number_format == "DD/MM/YYYY HH:MM"
    assert sheet["D2"].value == 3
    assert sheet["E2"].value == 75.0
    assert sheet["A3"].value == "Phòng Văn hóa và Thông tin huyện Tràng Định"
    assert sheet["C3"].value is None


def test_xlsx_stores_a_text_beginning_with_equals_as_text_not_a_formula() -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes(["x"], [["=1+1"]])))
    sheet = workbook.active
    assert sheet is not None
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"


def test_xlsx_sheet_name_is_cut_to_what_excel_accepts() -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes(["x"], [], "Tỷ lệ đúng hạn theo tháng: 01/2023 – 12/2023")))
    sheet = workbook.active
    assert sheet is not None
    assert len(sheet.title) <= 31
    assert ":" not in sheet.title and "/" not in sheet.title


@pytest.mark.parametrize(
    ("fmt", "mimetype"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_response_is_a_download_named_in_vietnamese(fmt: str, mimetype: str) -> None:
    app = Flask(__name__)
    with app.test_request_context():
        response = spreadsheet_response("đúng-hạn-theo-đơn-vị", HEADERS, ROWS, fmt)
        response.direct_passthrough = False
        body = response.get_data()
    assert response.mimetype == mimetype.split(";")[0]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"đúng-hạn-theo-đơn-vị.{fmt}"
    assert response.headers["Cache-Control"] == "no-store"
    if fmt == "csv":
        assert _csv_rows(body)[1][1] == "31/03/2023"
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        assert sheet is not None
        assert sheet["B2"].value == datetime(2023, 3, 31)


def test_an_unknown_format_is_refused() -> None:
    app = Flask(__name__)
    with app.test_request_context(), pytest.raises(UnknownSpreadsheetFormat):
        spreadsheet_response("x", ["a"], [], "pdf")
