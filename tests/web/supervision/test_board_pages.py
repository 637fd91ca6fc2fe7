"""The supervision board and one directive's unit table, as supervisors and others open them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Flask
from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.web.case_helpers import signed_in
from tests.workflows.lifecycle_helpers import officer_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case

SUPERVISOR, DIRECTOR, HEAD = "giamsat", case.PEOPLE["director"], case.PEOPLE["head"]


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="late" data-unit="([^"]+)"', html)


def test_the_supervisor_sees_every_late_unit_on_the_board_and_in_the_unit_table(
    app: Flask, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, on_time, late = late_case
    client = signed_in(app, SUPERVISOR)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/supervision"' in home  # the navigation offers the board
    board = client.get("/supervision?within=2").get_data(as_text=True)
    assert board.count("Trễ 1 ngày làm việc") == len(late)
    assert "Báo cáo thực hiện" in board
    units = client.get(f"/supervision/cases/{case_id}/units?late=1").get_data(as_text=True)
    assert sorted(_rows(units)) == sorted(late)
    assert f"{len(late)}/{len(late) + len(on_time)} đơn vị đang trễ hạn" in units
    everyone = client.get(f"/supervision/cases/{case_id}/units?sort=reported").get_data(as_text=True)
    assert "15/03/2023" in everyone and "24/03/2023" in everyone


def test_the_unit_table_exports_to_csv_and_xlsx_with_vietnamese_headers_and_dates(
    app: Flask, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, on_time, late = late_case
    client = signed_in(app, DIRECTOR)
    response = client.get(f"/supervision/cases/{case_id}/units.csv?sort=reported")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Đơn vị", "Hạn báo cáo", "Ngày tiếp nhận"]
    assert len(rows) == 1 + len(on_time) + len(late)
    assert rows[1][1] == "24/03/2023" and rows[1][3] == "15/03/2023"
    xlsx = client.get(f"/supervision/cases/{case_id}/units.xlsx?late=1")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Đơn vị" and len(values) == 1 + len(late)
    assert values[1][1].date() == date(2023, 3, 24) and values[1][6] == 1
    board = client.get("/supervision/export.xlsx")
    assert board.status_code == 200
    assert len(list(load_workbook(io.BytesIO(board.data)).active.iter_rows())) > len(late)


def test_people_without_a_supervision_scope_are_refused(
    app: Flask, runtime: Runtime, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    officer = signed_in(app, officer_of(runtime)(late[0]))
    assert officer.get("/supervision").status_code == 403
    assert officer.get(f"/supervision/cases/{case_id}/units").status_code == 403
    assert officer.get("/supervision/export.csv").status_code == 403
    assert 'href="/supervision"' not in officer.get("/").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get("/supervision").status_code in (302, 401)


def test_the_head_of_the_lead_division_sees_their_directive(
    app: Flask, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    client = signed_in(app, HEAD)
    page = client.get(f"/supervision/cases/{case_id}/units?late=1")
    assert page.status_code == 200 and sorted(_rows(page.get_data(as_text=True))) == sorted(late)


def test_bad_filters_say_what_is_wrong_and_still_show_the_board(
    app: Flask, late_case: tuple[int, list[str], list[str]]
) -> None:
    client = signed_in(app, SUPERVISOR)
    page = client.get("/supervision?within=abc&urgency=nope&case=x")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Số ngày sắp đến hạn phải là số từ 0 đến 30." in html
    assert "Độ khẩn đã chọn không hợp lệ." in html
    assert client.get("/supervision/cases/999999/units").status_code == 404
    assert client.get("/supervision/export.pdf").status_code == 404


def test_the_case_page_marks_late_units_and_leads_to_their_table(
    app: Flask, late_case: tuple[int, list[str], list[str]]
) -> None:
    case_id, _on_time, late = late_case
    page = signed_in(app, SUPERVISOR).get(f"/cases/{case_id}").get_data(as_text=True)
    assert page.count("Trễ 1 ngày làm việc") == len(late)
    assert f'href="/supervision/cases/{case_id}/units"' in page
