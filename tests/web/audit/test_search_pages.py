"""The auditors' search page (/audit/search): who may open it, its filters, its messages for bad input
and its exports to CSV and XLSX; in the reference organisation and in an invented one."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.audit.conftest import INVENTED_AUDITOR, returned_in_invented
from tests.web.case_helpers import draft_returned_then_issued, fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from tests.workflows import invented_org as invented
from tests.workflows.lifecycle_helpers import session_of
from web.core.composition import Runtime
from workflows.directive import scenario
from workflows.orgchart.models import User

AUDITOR, ADMIN, DIRECTOR, SUPERVISOR = "kiemtra", "quantri", "giamdoc", "giamsat"
RETURN_COMMENT = "Đề nghị bổ sung mục 4 về tuyên truyền trên mạng xã hội."
RETURNS = {"role": "division_head", "decision": "return"}
HEADERS = [
    "Số, ký hiệu",
    "Trích yếu",
    "Bước",
    "Sự kiện",
    "Người thực hiện",
    "Vai trò",
    "Đơn vị",
    "Quyết định",
    "Thời điểm",
    "Ý kiến",
]


@pytest.fixture
def returned_case(runtime: Runtime, clock: ManualClock) -> int:
    """The reference letter returned once by the head of division on 07/03/2023 at 14:00, then issued."""
    r = fast_rehearsal(runtime, clock)
    draft_returned_then_issued(r, comment=RETURN_COMMENT, groups=["don_vi_truc_thuoc_so"])
    return r.case_id or 0


def _head_name(runtime: Runtime) -> str:
    with session_of(runtime) as session:
        return session.scalar(select(User.full_name).where(User.username == scenario.HEAD)) or ""


def _number(runtime: Runtime, case_id: int) -> str:
    with session_of(runtime) as session:
        return session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == case_id)) or ""


def test_the_auditor_finds_every_return_by_a_head_of_division_linked_to_its_case(
    app: Flask, runtime: Runtime, returned_case: int
) -> None:
    client = signed_in(app, AUDITOR)
    inbox = client.get("/").get_data(as_text=True)
    assert "Tra cứu nhật ký" in inbox and "/audit/search" in inbox
    prompt = client.get("/audit/search").get_data(as_text=True)
    assert "Chọn ít nhất một điều kiện" in prompt and "<table" not in prompt
    response = client.get("/audit/search", query_string=RETURNS)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<tr>") == 2  # the header and the one return
    assert _head_name(runtime) in page and "Trưởng phòng" in page and "Trả lại" in page
    assert RETURN_COMMENT in page and "07/03/2023 14:00" in page
    assert f'href="/cases/{returned_case}/timeline"' in page
    # The approval of the same step is not listed, nor the signature.
    approvals = client.get("/audit/search", query_string={**RETURNS, "decision": "approve"}).get_data(as_text=True)
    assert RETURN_COMMENT not in approvals and "08/03/2023 10:00" in approvals


def test_in_english_the_roles_read_as_the_chart_names_them_in_english(app: Flask, returned_case: int) -> None:
    client = signed_in(app, AUDITOR)
    page = client.get("/audit/search").get_data(as_text=True)
    assert client.post("/lang/en", data={"csrf_token": csrf_token(page), "next": "/"}).status_code == 302
    english = client.get("/audit/search", query_string=RETURNS).get_data(as_text=True)
    assert ">Division head</option>" in english and "Division head ·" in english
    assert "Trưởng phòng" not in english


@pytest.mark.parametrize("username", [ADMIN, DIRECTOR, SUPERVISOR])
def test_administrators_the_director_and_supervisors_may_search_too(
    app: Flask, returned_case: int, username: str
) -> None:
    client = signed_in(app, username)
    page = client.get("/audit/search", query_string=RETURNS)
    assert page.status_code == 200 and RETURN_COMMENT in page.get_data(as_text=True)


def test_an_officer_without_such_a_role_is_refused_and_not_offered_the_page(app: Flask, returned_case: int) -> None:
    client = signed_in(app, scenario.SPECIALIST)
    assert "/audit/search" not in client.get("/").get_data(as_text=True)
    assert client.get("/audit/search", query_string=RETURNS).status_code == 403
    assert client.get("/audit/search/export.csv", query_string=RETURNS).status_code == 403
    assert client.get("/audit/search/export.xlsx", query_string=RETURNS).status_code == 403
    assert app.test_client().get("/audit/search").status_code in (302, 401)


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"from": "31/02/2023"}, "from", "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ({"to": "2023/13/45"}, "to", "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy"),
        ({"from": "01/01/1000"}, "from", "Ngày phải trong khoảng từ"),
        ({"from": "10/03/2023", "to": "09/03/2023"}, "to", "“Đến ngày” phải cùng hoặc sau “Từ ngày”."),
        ({"unit": "KHONG_CO"}, "unit", "Đơn vị đã chọn không có trong danh sách."),
        ({"role": "hacker"}, "role", "Vai trò đã chọn không có trong danh sách."),
        ({"step": "no_such_step"}, "step", "Bước đã chọn không có trong danh sách."),
        ({"decision": "maybe"}, "decision", "Quyết định đã chọn không có trong danh sách."),
        ({"person": "Không Ai Tên Này"}, "person", "Không có người nào có tên hoặc tên đăng nhập này."),
    ],
)
def test_a_bad_criterion_is_named_with_its_message_and_nothing_is_searched(
    app: Flask, returned_case: int, asked: dict[str, str], field: str, message: str
) -> None:
    client = signed_in(app, AUDITOR)
    for url in ("/audit/search", "/audit/search/export.xlsx"):
        response = client.get(url, query_string={**RETURNS, **asked})
        assert response.status_code == 400 and response.mimetype == "text/html", url
        page = response.get_data(as_text=True)
        assert message in page
        assert f'id="f-{field}" ' in page and f'aria-describedby="f-{field}-error"' in page
        assert RETURN_COMMENT not in page


def test_filters_by_person_step_days_and_number(app: Flask, runtime: Runtime, returned_case: int) -> None:
    client = signed_in(app, AUDITOR)

    def rows(**asked: str) -> str:
        response = client.get("/audit/search", query_string=asked)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    head_name = _head_name(runtime)
    by_name = rows(person=head_name.lower(), step="review_content")
    assert by_name.count("Hoàn thành bước") == 2 and RETURN_COMMENT in by_name
    assert "08/03/2023" not in rows(person=scenario.HEAD, **{"from": "07/03/2023", "to": "07/03/2023"})
    assert "Không có bước nào phù hợp." in rows(number="999/KHONG-CO")
    numbered = rows(number="2104-cv/btgtu", decision="return")
    assert RETURN_COMMENT in numbered and _number(runtime, returned_case) in numbered


def test_the_results_export_to_csv_and_xlsx_with_vietnamese_headers_and_dates(
    app: Flask, runtime: Runtime, returned_case: int
) -> None:
    client = signed_in(app, AUDITOR)
    response = client.get("/audit/search/export.csv", query_string=RETURNS)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == HEADERS
    assert len(table) == 2
    line = dict(zip(HEADERS, table[1], strict=True))
    # The case goes by its own letter's number once issued; the incoming number still finds it.
    assert line["Số, ký hiệu"] == _number(runtime, returned_case) != "2104-CV/BTGTU"
    assert line["Bước"] == "Kiểm tra nội dung" and line["Quyết định"] == "Trả lại"
    assert line["Người thực hiện"] == _head_name(runtime) and line["Vai trò"] == "Trưởng phòng"
    assert line["Thời điểm"] == "07/03/2023 14:00" and line["Ý kiến"] == RETURN_COMMENT

    xlsx = client.get("/audit/search/export.xlsx", query_string=RETURNS)
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    moment = sheet.cell(row=2, column=HEADERS.index("Thời điểm") + 1)
    assert moment.value == datetime(2023, 3, 7, 14, 0) and moment.number_format == "DD/MM/YYYY HH:MM"
    assert sheet.cell(row=2, column=HEADERS.index("Ý kiến") + 1).value == RETURN_COMMENT
    assert sheet.max_row == 2
    assert client.get("/audit/search/export.pdf", query_string=RETURNS).status_code == 404


# -- an invented organisation (its auditor: tests/web/audit/conftest.py) ----------------------------


def test_in_an_invented_organisation_its_auditor_finds_its_head_s_return(
    invented_app: tuple[Flask, Runtime], clock: ManualClock
) -> None:
    app, runtime = invented_app
    returned_in_invented(runtime, clock, "Bổ sung thời hạn báo cáo.")
    client: FlaskClient = signed_in(app, INVENTED_AUDITOR)
    page = client.get("/audit/search", query_string={**RETURNS, "unit": invented.STAFFED}).get_data(as_text=True)
    assert "Lò Văn Khải" in page and "Phòng Trồng trọt" in page and "Bổ sung thời hạn báo cáo." in page
    assert "Lạng Sơn" not in page and "VHTTDL" not in page
    exported = client.get("/audit/search/export.csv", query_string=RETURNS).get_data(as_text=True)
    assert "07/03/2023 09:15" in exported and "88/UBND-KT" in exported
    assert signed_in(app, invented.SPECIALIST).get("/audit/search").status_code == 403
