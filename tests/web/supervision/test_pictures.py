"""Supervisors' pictures: the process diagram with work waiting at each step, and the on-time charts with their tables.

The reference directive is issued on 09/3/2023; all but four units acknowledge on 10/3, six report
on 15/3; the deadline is 24/3; the pages are opened on Monday 27/3/2023.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook  # type: ignore[import-untyped]  # no type hints shipped

from engine.clock import ManualClock
from tests.web.case_helpers import add_user, fast_rehearsal, signed_in
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.lifecycle_helpers import officer_of, session_of
from web import create_app
from web.accounts.users import give_demo_passwords
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.orgchart.models import Unit

SUPERVISOR, DIRECTOR, HEAD, SPECIALIST = "giamsat", case.PEOPLE["director"], case.PEOPLE["head"], "cv.hvd"
ON_TIME, SILENT = 6, 4
MARCH = "from=2023-01&to=2023-04"
PAGES = (
    "/supervision/pictures",
    "/supervision/pictures/processes/unit_execution",
    "/supervision/pictures/processes/unit_execution/steps.json",
    "/supervision/pictures/processes/unit_execution/diagram.xml",
    "/supervision/pictures/on-time",
    "/supervision/pictures/on-time/units.csv",
    "/supervision/pictures/on-time/months.xlsx",
)


@dataclass
class Issued:
    case_id: int
    units: list[str]
    on_time: list[str]
    silent: list[str]


@pytest.fixture
def issued(runtime: Runtime, clock: ManualClock) -> Issued:
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r)
    units = scenario.issue(r)
    officer = officer_of(runtime)
    silent = units[-SILENT:]
    r.at("2023-03-10 09:00")
    for unit in units:
        if unit not in silent:
            r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-15 10:00")
    for index, unit in enumerate(units[:ON_TIME]):
        r.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    r.at("2023-03-27 10:00")
    return Issued(r.case_id or 0, units, units[:ON_TIME], silent)


def _steps(client: FlaskClient, key: str = "unit_execution") -> dict[str, dict[str, object]]:
    response = client.get(f"/supervision/pictures/processes/{key}/steps.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return {step["id"]: step for step in response.get_json()["steps"]}


def _table_rows(html: str, table_id: str) -> list[list[str]]:
    found = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert found, f"no table {table_id}"
    rows = re.findall(r"<tr data-name[^>]*>(.*?)</tr>", found.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


def test_people_without_a_supervision_scope_get_403_and_strangers_sign_in(app: Flask, issued: Issued) -> None:
    specialist = signed_in(app, SPECIALIST)
    officer = signed_in(app, "cb.btls")
    for url in PAGES:
        assert specialist.get(url).status_code == 403, url
        assert officer.get(url).status_code == 403, url
        anonymous = app.test_client()
        anonymous.environ_base["wsgi.url_scheme"] = "https"
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_diagram_page_shows_each_step_with_its_waiting_tasks(app: Flask, issued: Issued) -> None:
    client = signed_in(app, DIRECTOR)
    index = client.get("/supervision/pictures").get_data(as_text=True)
    assert 'href="/supervision/pictures/processes/unit_execution"' in index
    assert 'href="/supervision/pictures/processes/directive_lifecycle"' in index
    # Every deployed process has its page, whatever its key.
    for key in re.findall(r'href="/supervision/pictures/processes/([^"]+)"', index):
        assert client.get(f"/supervision/pictures/processes/{key}").status_code == 200, key
        assert isinstance(_steps(client, key), dict)

    page = client.get("/supervision/pictures/processes/unit_execution")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The page only names its data; the script (a file) fetches it.
    assert 'data-steps-url="/supervision/pictures/processes/unit_execution/steps.json"' in html
    assert 'data-xml-url="/supervision/pictures/processes/unit_execution/diagram.xml"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "/static/js/process-load.js" in html
    # The table under the diagram, for screen readers: the same figures as the overlays.
    late_reports = len(issued.units) - ON_TIME - SILENT
    assert re.search(rf"<th scope=\"row\">Tiếp nhận công văn</th>\s*<td class=\"num\"[^>]*>{SILENT}</td>", html)
    assert re.search(
        rf"<th scope=\"row\">Triển khai và báo cáo</th>\s*<td class=\"num\"[^>]*>{late_reports}</td>", html
    )
    assert "trung bình 12 ngày làm việc" in html
    assert f"{SILENT} đơn vị chưa tiếp nhận ({SILENT} quá hạn)" in html

    steps = _steps(client)
    assert steps["acknowledge"]["waiting"] == SILENT
    assert steps["acknowledge"]["average_working_days"] == 12
    assert steps["acknowledge"]["average_label"] == "trung bình 12 ngày làm việc"
    assert steps["report"]["waiting"] == late_reports
    assert steps["report"]["units_label"] == f"{late_reports} đơn vị chưa báo cáo ({late_reports} quá hạn)"
    assert steps["review_report"]["waiting"] == ON_TIME
    xml = client.get("/supervision/pictures/processes/unit_execution/diagram.xml")
    assert xml.mimetype == "application/xml" and b'id="report"' in xml.data
    assert client.get("/supervision/pictures/processes/no_such_process").status_code == 404
    assert client.get("/supervision/pictures/processes/no_such_process/steps.json").status_code == 404


def test_a_fresh_task_waits_in_hours(app: Flask, issued: Issued, runtime: Runtime, clock: ManualClock) -> None:
    r = fast_rehearsal(runtime, clock)
    r.at("2023-03-27 07:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    r.at("2023-03-27 10:00")
    steps = _steps(signed_in(app, SUPERVISOR), "directive_lifecycle")
    assert steps["instruct"]["waiting"] == 1
    assert steps["instruct"]["average_label"] == "trung bình 3 giờ"
    assert steps["draft"]["waiting"] == 0 and steps["draft"]["average_label"] == ""


def test_a_unit_leader_sees_only_their_unit(app: Flask, runtime: Runtime, issued: Issued) -> None:
    silent = issued.silent[0]
    add_user(runtime, "ld.donvi", "Lãnh đạo đơn vị", silent, "leader")
    steps = _steps(signed_in(app, "ld.donvi"))
    assert {step: figures["waiting"] for step, figures in steps.items() if figures["waiting"]} == {"acknowledge": 1}
    page = signed_in(app, "ld.donvi").get(f"/supervision/pictures/on-time?{MARCH}").get_data(as_text=True)
    assert [row[0] for row in _table_rows(page, "units-table")] == [_unit_name(runtime, silent)]


def _unit_name(runtime: Runtime, code: str) -> str:
    with session_of(runtime) as session:
        unit = session.query(Unit).filter_by(code=code).one()
        return unit.name


def test_the_on_time_page_draws_its_charts_from_tables_with_the_same_numbers(
    app: Flask, runtime: Runtime, issued: Issued
) -> None:
    client = signed_in(app, SUPERVISOR)
    page = client.get(f"/supervision/pictures/on-time?{MARCH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<canvas id="units-chart"' in html and '<canvas id="months-chart"' in html
    assert "/supervision/pictures/vendor/chart.js/chart.umd.min.js" in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    units = _table_rows(html, "units-table")
    assert len(units) == len(issued.units)
    late = len(issued.units) - ON_TIME
    on_time_names = {_unit_name(runtime, code) for code in issued.on_time}
    assert {row[0] for row in units[:ON_TIME]} == on_time_names
    assert all(row[1:] == ["1", "0", "0", "100 %"] for row in units[:ON_TIME])
    assert all(row[1:] == ["0", "1", "0", "0 %"] for row in units[ON_TIME:])
    months = _table_rows(html, "months-table")
    assert [row[0] for row in months] == ["01/2023", "02/2023", "03/2023", "04/2023"]
    rate = round(100 * ON_TIME / len(issued.units), 1)
    assert months[2] == [
        "03/2023",
        str(ON_TIME),
        str(late),
        "0",
        f"{rate:.1f}".replace(".", ",").replace(",0", "") + " %",
    ]
    assert months[0][1:] == ["0", "0", "0", "—"]
    assert f'data-rate="{rate:.1f}"' in html
    # Another lead division has none of these reports.
    other = client.get(f"/supervision/pictures/on-time?{MARCH}&division={_other_division(runtime)}")
    assert _table_rows(other.get_data(as_text=True), "units-table") == []


def _other_division(runtime: Runtime) -> str:
    lead = case.INSTRUCTION["lead_division"]
    with session_of(runtime) as session:
        codes = [unit.code for unit in session.query(Unit).filter_by(kind="division") if unit.code != lead]
    assert codes
    return codes[0]


def test_bad_filters_are_refused_with_a_message_and_the_default_shown(app: Flask, issued: Issued) -> None:
    client = signed_in(app, SUPERVISOR)
    html = client.get("/supervision/pictures/on-time?from=2023-13&division=NO_SUCH").get_data(as_text=True)
    assert "Tháng phải có dạng năm-tháng, ví dụ 2023-03." in html
    assert "Phòng đã chọn không hợp lệ." in html
    # Twelve months up to the clock's month.
    assert [row[0] for row in _table_rows(html, "months-table")][-1] == "03/2023"
    assert len(_table_rows(html, "months-table")) == 12
    swapped = client.get("/supervision/pictures/on-time?from=2023-04&to=2023-03").get_data(as_text=True)
    assert "Tháng bắt đầu phải trước tháng kết thúc." in swapped
    too_long = client.get("/supervision/pictures/on-time?from=2000-01&to=2023-03").get_data(as_text=True)
    assert len(_table_rows(too_long, "months-table")) == 60


def test_a_division_head_may_narrow_only_to_their_division(app: Flask, issued: Issued) -> None:
    client = signed_in(app, HEAD)
    lead = str(case.INSTRUCTION["lead_division"])
    html = client.get(f"/supervision/pictures/on-time?{MARCH}&division={lead}").get_data(as_text=True)
    assert len(_table_rows(html, "units-table")) == len(issued.units)
    options = re.findall(r'<option value="([^"]+)"', html)
    assert options == [lead]


def test_tables_download_as_csv_and_xlsx_with_vietnamese_headers(app: Flask, issued: Issued) -> None:
    client = signed_in(app, SUPERVISOR)
    response = client.get(f"/supervision/pictures/on-time/months.csv?{MARCH}")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "dung-han-theo-thang_2023-01_2023-04.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Tháng hạn báo cáo", "Đúng hạn", "Trễ hạn", "Chưa đến hạn", "Tỷ lệ đúng hạn (%)"]
    assert rows[3][:3] == ["03/2023", str(ON_TIME), str(len(issued.units) - ON_TIME)]
    assert rows[1][4] == ""

    workbook = client.get(f"/supervision/pictures/on-time/units.xlsx?{MARCH}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == ["Đơn vị", "Đúng hạn", "Trễ hạn", "Chưa đến hạn", "Tỷ lệ đúng hạn (%)"]
    assert sheet.max_row == 1 + len(issued.units)
    assert sheet["B2"].value == 1 and sheet["E2"].value == 100.0
    assert client.get(f"/supervision/pictures/on-time/units.pdf?{MARCH}").status_code == 404
    assert client.get(f"/supervision/pictures/on-time/other.csv?{MARCH}").status_code == 404


def test_names_are_escaped(app: Flask, runtime: Runtime, issued: Issued) -> None:
    with session_of(runtime) as session:
        unit = session.query(Unit).filter_by(code=issued.on_time[0]).one()
        unit.name = "<img src=x onerror=alert(1)> Bảo tàng"
    html = signed_in(app, SUPERVISOR).get(f"/supervision/pictures/on-time?{MARCH}").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; Bảo tàng" in html


def test_only_the_chart_library_is_served_from_node_modules(app: Flask) -> None:
    client = app.test_client()
    script = client.get("/supervision/pictures/vendor/chart.js/chart.umd.min.js")
    assert script.status_code == 200 and b"Chart.js v4" in script.data[:200]
    script.close()
    for other in ("chart.js", "../package.json", "helpers.js", "chart.umd.min.js.map"):
        assert client.get(f"/supervision/pictures/vendor/chart.js/{other}").status_code == 404, other


def test_a_second_organisation_sees_its_own_names(tmp_path: Path, clock: ManualClock) -> None:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        with unit_of_work(runtime.sessions) as session:
            give_demo_passwords(session)
        app = create_app(runtime=runtime)
        app.config["TESTING"] = True
        r = fast_rehearsal(runtime, clock)
        r.at("2023-03-06 08:00")
        r.start("directive_lifecycle", district.CLERK)
        r.do(district.CLERK, "register_incoming", district.LETTER)
        r.at("2023-03-06 10:00")
        chairman = signed_in(app, district.CHAIRMAN)
        steps = _steps(chairman, "directive_lifecycle")
        assert steps["instruct"]["waiting"] == 1
        assert steps["instruct"]["average_label"] == "trung bình 2 giờ"
        page = chairman.get("/supervision/pictures/processes/directive_lifecycle").get_data(as_text=True)
        on_time = chairman.get(f"/supervision/pictures/on-time?{MARCH}").get_data(as_text=True)
        for html in (page, on_time):
            assert not [name for name in district.REFERENCE_NAMES if name in html]
        assert signed_in(app, district.SPECIALIST).get("/supervision/pictures").status_code == 403
