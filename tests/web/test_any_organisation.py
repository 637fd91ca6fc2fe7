"""Another organisation, loaded as data, runs the whole lifecycle and is named everywhere, never the reference.

The invented district People's Committee of tests/workflows/district_org.py has no parent body, unit
kinds and roles of its own, a chairman who heads it and a deputy who signs "KT. CHỦ TỊCH", and the
number code "UBND-<office>". Its pages, documents (HTML and DOCX), registers and notifications name
it; none shows a name of the reference Sở.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from flask import Flask, session
from flask.testing import FlaskClient

from engine.clock import ManualClock
from tests.web.case_helpers import signed_in
from tests.web.task_helpers import ready
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.lifecycle_helpers import notifications, officer_of, rehearsal
from web import create_app
from web.accounts.users import give_demo_passwords
from web.core.composition import Runtime
from web.core.db import unit_of_work
from web.core.labels import role_label
from workflows.directive.rehearsal import Rehearsal


def _app(runtime: Runtime) -> Flask:
    with unit_of_work(runtime.sessions) as session:
        give_demo_passwords(session)
    application = create_app(runtime=runtime)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        yield runtime


def _no_reference(text: str) -> None:
    found = [name for name in district.REFERENCE_NAMES if name in text]
    assert not found, f"the reference organisation shows through: {found}"


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    _no_reference(text)
    return text


def _header_block(page: str) -> list[str]:
    """The lines of the printable page's left header cell: parent body (if any), then the agency."""
    cell = re.search(r'<td class="left">(.*?)<span class="rule">', page, re.S)
    assert cell is not None
    return [line for line in (re.sub(r"<[^>]+>", "", part).strip() for part in cell.group(1).split("</div>")) if line]


def _docx_text(client: FlaskClient, url: str) -> tuple[list[str], str]:
    """The DOCX's header cell lines and its whole text."""
    response = client.get(url)
    assert response.status_code == 200, url
    word = docx.Document(io.BytesIO(response.data))
    header = [p.text for p in word.tables[0].cell(0, 0).paragraphs if p.text]
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return header, "\n".join([*(p.text for p in word.paragraphs), *cells])


def _to_issue(r: Rehearsal, *groups: str) -> list[str]:
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", district.CLERK)
    r.do(district.CLERK, "register_incoming", district.LETTER)
    r.at("2023-03-06 09:30")
    r.do(district.CHAIRMAN, "instruct", district.INSTRUCTION)
    r.at("2023-03-07 09:00")
    r.do(district.SPECIALIST, "draft", district.draft(*groups))
    r.at("2023-03-07 14:00")
    r.do(district.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do(district.DEPUTY, "sign", {"decision": "sign", "comment": ""})
    r.at("2023-03-09 08:00")
    r.do(district.CLERK, "issue", {"issue_note": "Phát hành qua hệ thống."})
    return list(r.data()["recipients"])


def test_the_district_runs_the_lifecycle_named_as_itself(runtime: Runtime, clock: ManualClock) -> None:
    app = _app(runtime)
    clerk = signed_in(app, district.CLERK)
    r = rehearsal(runtime, clock)

    # The draft, before issue: 200, the agency alone at the head of the letter, no number yet.
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", district.CLERK)
    r.do(district.CLERK, "register_incoming", district.LETTER)
    r.at("2023-03-06 09:30")
    r.do(district.CHAIRMAN, "instruct", district.INSTRUCTION)
    r.at("2023-03-07 09:00")
    r.do(district.SPECIALIST, "draft", district.draft())
    case_id = r.case_id or 0
    specialist = signed_in(app, district.SPECIALIST)
    drafted = _page(specialist, f"/cases/{case_id}/documents/cong-van")
    assert _header_block(drafted) == [district.HEADER]
    assert f"Số: /{district.NOTATION}" in drafted
    assert f"{district.PLACE}, ngày" in drafted
    # The division head's task page shows the draft as it will read: the agency alone at its head.
    review = ready(runtime, case_id, "review_content")
    task_page = _page(signed_in(app, district.HEAD), f"/tasks/{review.id}")
    assert re.search(rf'<div class="letter-left">\s*<p class="strong">{district.HEADER}</p>', task_page)

    r.at("2023-03-07 14:00")
    r.do(district.HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do(district.DEPUTY, "sign", {"decision": "sign", "comment": ""})
    r.at("2023-03-09 08:00")
    r.do(district.CLERK, "issue", {"issue_note": "Phát hành qua hệ thống."})
    units = list(r.data()["recipients"])
    assert units == district.RECIPIENTS

    # The issued letter: its number, place and date, the chairman's deputy signing for him.
    issued = _page(clerk, f"/cases/{case_id}/documents/cong-van")
    assert _header_block(issued) == [district.HEADER]
    for line in (
        f"Số: 01/{district.NOTATION}",
        f"{district.PLACE}, ngày 09 tháng 3 năm 2023",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Bế Thị Ngân",
        "- Ủy ban nhân dân các xã, thị trấn;",
        "- Hiệu trưởng các trường trung học cơ sở.",
        "Lưu: VT, NN&amp;MT(VTY).",
    ):
        assert line in issued, line
    header, text = _docx_text(clerk, f"/cases/{case_id}/documents/cong-van.docx")
    assert header == [district.HEADER]
    assert f"Số: 01/{district.NOTATION}" in text
    _no_reference(text)

    # Every page names the district in its header.
    case_page = _page(clerk, f"/cases/{case_id}")
    assert f'<span class="org">{district.FULL_NAME}</span>' in case_page
    outgoing = _page(clerk, "/registers/outgoing?year=2023")
    assert f"01/{district.NOTATION}" in outgoing
    assert f'<p class="register-agency">{district.FULL_NAME}</p>' in outgoing
    incoming = _page(clerk, "/registers/incoming?year=2023")
    assert district.LETTER["incoming_number"] in incoming
    _page(clerk, "/")

    # The units report; the specialist consolidates; the report upward is signed and issued.
    officer = officer_of(runtime)
    r.at("2023-03-15 09:00")
    for unit in units:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    for index, unit in enumerate(units):
        r.do(officer(unit), "report", district.unit_report(index, "2023-03-15"), unit=unit)
    unit_page = _page(signed_in(app, officer(units[0])), "/")
    assert f'<span class="org">{district.FULL_NAME}</span>' in unit_page
    r.at("2023-03-16 09:00")
    for unit in units:
        r.do(district.SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    r.tick()
    drafted_report = r.data()
    _no_reference(str(drafted_report["report_body"]))
    r.at("2023-03-17 09:00")
    r.do(
        district.SPECIALIST,
        "consolidate",
        {"report_subject": drafted_report["report_subject"], "report_body": drafted_report["report_body"]},
    )
    r.do(district.DEPUTY, "sign_report", {"decision": "sign", "comment": ""})
    r.do(district.CLERK, "issue_report", {"issue_note": ""})
    report = _page(clerk, f"/cases/{case_id}/documents/bao-cao")
    assert _header_block(report) == [district.HEADER]
    assert "/BC-UBND" in report and f"{district.PLACE}, ngày 17 tháng 3 năm 2023" in report
    report_header, report_text = _docx_text(clerk, f"/cases/{case_id}/documents/bao-cao.docx")
    assert report_header == [district.HEADER]
    _no_reference(report_text)
    _page(clerk, "/registers/outgoing?year=2023")
    _page(clerk, f"/cases/{case_id}")

    # What went out of the system names the district's letter and its own website.
    sent = notifications(runtime, case_id)
    assert sent, "the letter's publication and its copy (B/c) are queued"
    assert {n.recipient for n in sent} >= {"Cổng thông tin điện tử huyện Đồng Xuyên"}
    assert any(f"01/{district.NOTATION}" in n.body for n in sent)
    for message in sent:
        _no_reference(f"{message.recipient} {message.subject} {message.body}")


def test_seventy_units_are_addressed_and_numbered_as_the_district(tmp_path: Path, clock: ManualClock) -> None:
    """The same district with 70 recipient units: the letter goes to each, under the district's own header."""
    with invented_runtime(tmp_path, clock, district.chart_with_communes(70)) as runtime:
        app = _app(runtime)
        r = rehearsal(runtime, clock)
        units = _to_issue(r)
        assert len(units) == 70 and units[:3] == district.RECIPIENTS[:3]
        clerk = signed_in(app, district.CLERK)
        issued = _page(clerk, f"/cases/{r.case_id}/documents/cong-van")
        assert _header_block(issued) == [district.HEADER]
        assert f"Số: 01/{district.NOTATION}" in issued
        progress = _page(clerk, f"/cases/{r.case_id}")
        assert "Ủy ban nhân dân xã Tân Lập 65" in progress


def test_role_words_are_the_charts(runtime: Runtime) -> None:
    """Roles read as the chart names them, in English when it gives English; a role the product never
    knew (the district inspector) has its words too."""
    app = _app(runtime)
    words: dict[str, Any] = {}
    with app.test_request_context("/"):
        words["vi"] = [role_label(code) for code in ("director", "inspector", "unit_officer")]
    with app.test_request_context("/"):
        session["lang"] = "en"
        words["en"] = [role_label(code) for code in ("director", "inspector", "unit_officer")]
    assert words["vi"] == ["Chủ tịch Ủy ban nhân dân huyện", "Thanh tra huyện", "Đầu mối xã, trường"]
    assert words["en"] == [
        "Chairman of the District People's Committee",
        "District inspector",
        "Commune or school contact",
    ]
