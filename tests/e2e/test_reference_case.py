"""The reference case carried through the browser: each officer signs in and does their step.

Letter 2104-CV/BTGTU arrives, the Sở answers with directive 01/SVHTTDL-QLVHGĐ, the units report
and the Sở reports upward with 02/BC-SVHTTDL. The steps, people, dates and texts are those of
`workflows.directive.scenario` and `reference_case`; the clock is moved to each step's moment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer, Officers, Screenshots
from tests.e2e.pages import (
    case_id_of,
    choose,
    control,
    earlier_comment,
    fact,
    fill,
    flash,
    form,
    inbox_row,
    labelled,
    open_task,
    submit,
    tick,
)
from tests.workflows.lifecycle_helpers import officer_of
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.forms import FiguresForm
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.models import RecipientGroup, Unit

pytestmark = pytest.mark.e2e

DIRECTIVE_NUMBER = "01/SVHTTDL-QLVHGĐ"
REPORT_NUMBER = "02/BC-SVHTTDL"
# The first three recipients (in the order of "Nơi nhận") work in the browser, one of them asked for more.
UI_UNITS = {"BTLS": "cb.btls", "TVLS": "cb.tvls", "TTVHDA": "cb.ttvhda"}
MORE_UNIT = "TVLS"
FIGURE_LABELS = {name: str(node.metadata["label_vi"]) for name, node in FiguresForm().fields.items()}


def _names(live_server: LiveServer) -> tuple[dict[str, str], dict[str, str]]:
    """The names people read for unit codes and recipient-group codes."""
    with unit_of_work(live_server.runtime.sessions) as session:
        units = {u.code: u.name for u in session.scalars(select(Unit))}
        groups = {g.code: g.name for g in session.scalars(select(RecipientGroup))}
    return units, groups


def _unit_row(unit: str, units: dict[str, str]) -> re.Pattern[str]:
    """A unit as an inbox row names it (by name, or by code while the inbox shows codes)."""
    return re.compile(f"{re.escape(units[unit])}|· {re.escape(unit)}\\b")


@dataclass
class Trip:
    """The case on its way: the officers' tabs, the screenshots, the clock and the API for the other units."""

    officers: Officers
    shots: Screenshots
    r: Rehearsal
    officer: Callable[[str], str]
    units: dict[str, str]
    groups: dict[str, str]
    recipients: list[str] = field(default_factory=list)

    @property
    def late_unit(self) -> str:
        """The unit that reports after the deadline (the last recipient, as in the scenario)."""
        return self.recipients[-1]

    @property
    def by_api(self) -> list[str]:
        """The recipients whose officers do not sign in during this test."""
        return [unit for unit in self.recipients if unit not in UI_UNITS]


def test_reference_case_from_registration_to_the_report_upward(
    officers: Officers, shots: Screenshots, live_server: LiveServer, rehearsal: Rehearsal
) -> None:
    """Every officer of the reference case does their step in Chromium; the case ends complete."""
    units, groups = _names(live_server)
    trip = Trip(officers, shots, rehearsal, officer_of(live_server.runtime), units, groups)
    _register(trip)
    _instruct(trip)
    _draft_return_and_approve(trip)
    _sign_and_issue(trip)
    _units_acknowledge_and_report(trip)
    _reports_checked_one_asked_for_more(trip)
    _deadline_passes(trip)
    _report_upward(trip)
    _case_page(trip)


def _register(trip: Trip) -> None:
    """Văn thư types letter 2104-CV/BTGTU in; the case opens with it and the arrival number is given."""
    clerk = trip.officers.page_of(scenario.CLERK)
    expect(clerk.get_by_text("Không có việc nào chờ bạn xử lý.")).to_be_visible()
    clerk.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tiếp nhận văn bản đến").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("Tiếp nhận văn bản đến")
    incoming = case.INCOMING
    fill(
        clerk,
        {
            "Cơ quan ban hành": incoming["incoming_issuer"],
            "Số ký hiệu": incoming["incoming_number"],
            "Ngày văn bản": incoming["incoming_date"],
            "Trích yếu": incoming["incoming_subject"],
            "Ngày đến": incoming["incoming_received_date"],
        },
    )
    choose(clerk, "Độ khẩn", "Thường")
    trip.shots.take(clerk, "vanthu-registers-the-letter")
    submit(clerk, "Tiếp nhận văn bản đến")
    expect(flash(clerk)).to_have_text(
        ["Đã hoàn thành: Tiếp nhận văn bản đến", "Văn bản đã được vào sổ đến, số đến: 1."]
    )
    trip.shots.take(clerk, "vanthu-arrival-number")
    expect(inbox_row(clerk, "Tiếp nhận văn bản đến")).to_have_count(0)


def _instruct(trip: Trip) -> None:
    """The director finds the letter in his inbox and names the lead division, the signer, the deadline."""
    trip.r.at("2023-03-06 09:30")
    director = trip.officers.page_of(scenario.DIRECTOR)
    expect(inbox_row(director, "Ý kiến chỉ đạo")).to_contain_text(case.INCOMING["incoming_number"])
    trip.shots.take(director, "giamdoc-inbox")
    open_task(director, "Ý kiến chỉ đạo")
    trip.r.case_id = case_id_of(director)  # the case the clerk's registration opened
    expect(director.get_by_text("Số 2104-CV/BTGTU ngày 03/03/2023 của Ban Tuyên giáo Tỉnh ủy")).to_be_visible()
    instruction = case.INSTRUCTION
    control(director, "Đơn vị chủ trì").select_option(label=trip.units[instruction["lead_division"]])
    control(director, "Lãnh đạo ký").select_option(label="Phan Văn Hòa — Phó Giám đốc")
    fill(
        director,
        {"Thời hạn giải quyết": instruction["handling_deadline"], "Ý kiến chỉ đạo": instruction["instruction"]},
    )
    trip.shots.take(director, "giamdoc-instructs")
    submit(director, "Ý kiến chỉ đạo")


def _draft_return_and_approve(trip: Trip) -> None:
    """The specialist drafts, the head returns it once with a comment, the redraft is approved."""
    r = trip.r
    r.at("2023-03-07 09:00")
    specialist = trip.officers.page_of(scenario.SPECIALIST)
    expect(inbox_row(specialist, "Dự thảo công văn")).to_contain_text("10/03/2023")
    open_task(specialist, "Dự thảo công văn")
    expect(specialist.get_by_text(case.INSTRUCTION["instruction"])).to_be_visible()
    first_tasks = case.TASKS[:3] + case.TASKS[4:]  # the internet and social networks (task 4) forgotten
    _type_draft(specialist, first_tasks, trip.groups)
    trip.shots.take(specialist, "cv.hvd-drafts")
    submit(specialist, "Dự thảo công văn")

    r.at("2023-03-07 14:00")
    head = trip.officers.page_of(scenario.HEAD)
    open_task(head, "Kiểm tra nội dung")
    expect(head.get_by_text(case.TASKS[0])).to_be_visible()
    choose(head, "Quyết định", "Trả lại")
    form(head).get_by_role("button", name="Hoàn thành").click()
    # Returning without saying what to change is refused next to the comment box.
    expect(head.get_by_role("alert")).to_contain_text("Chưa lưu được")
    expect(form(head).get_by_text("Cần nhập ý kiến khi trả lại dự thảo.")).to_be_visible()
    trip.shots.take(head, "tp.qlvhgd-return-needs-a-comment")
    choose(head, "Quyết định", "Trả lại")
    fill(head, {"Ý kiến": scenario.RETURN_COMMENT})
    submit(head, "Kiểm tra nội dung")

    r.at("2023-03-08 08:30")
    open_task(specialist, "Dự thảo công văn")
    expect(earlier_comment(specialist, scenario.RETURN_COMMENT)).to_be_visible()
    expect(control(specialist, "Căn cứ")).to_have_value(case.BASIS)  # the last draft, ready to edit
    fill(specialist, {"Các nhiệm vụ": "\n".join(case.TASKS)})
    trip.shots.take(specialist, "cv.hvd-redrafts-after-the-return")
    submit(specialist, "Dự thảo công văn")

    r.at("2023-03-08 10:00")
    open_task(head, "Kiểm tra nội dung")
    expect(head.get_by_text(case.TASKS[3])).to_be_visible()
    choose(head, "Quyết định", "Đồng ý")
    submit(head, "Kiểm tra nội dung")


def _sign_and_issue(trip: Trip) -> None:
    """The deputy director named as signer (and only he) signs; Văn thư issues it with its number."""
    r = trip.r
    r.at("2023-03-08 15:00")
    expect(inbox_row(trip.officers.page_of(scenario.DIRECTOR), "Ký duyệt")).to_have_count(0)
    signer = trip.officers.page_of(scenario.SIGNER)
    open_task(signer, "Ký duyệt")
    choose(signer, "Quyết định", "Ký ban hành")
    trip.shots.take(signer, "pgd.hoa-signs")
    submit(signer, "Ký duyệt")

    r.at("2023-03-09 08:00")
    clerk = trip.officers.page_of(scenario.CLERK)
    open_task(clerk, "Cấp số, phát hành")
    fill(clerk, {"Ghi chú phát hành": "Phát hành qua Hệ thống quản lý văn bản và điều hành."})
    submit(clerk, "Cấp số, phát hành")
    expect(flash(clerk).nth(1)).to_have_text(f"Văn bản đã được cấp số: {DIRECTIVE_NUMBER}.")
    trip.shots.take(clerk, "vanthu-issues-01")
    trip.recipients = list(r.data()["recipients"])
    assert trip.recipients[: len(UI_UNITS)] == list(UI_UNITS)


def _units_acknowledge_and_report(trip: Trip) -> None:
    """Three units acknowledge and report in the browser; the others (but the late one) through the API."""
    r = trip.r
    r.at("2023-03-09 15:00")
    for unit, username in UI_UNITS.items():
        page = trip.officers.page_of(username)
        open_task(page, "Tiếp nhận công văn")
        expect(page.get_by_text(f"Công văn số {DIRECTIVE_NUMBER}").first).to_be_visible()
        if unit == MORE_UNIT:
            trip.shots.take(page, f"{username}-acknowledges")
        submit(page, "Tiếp nhận công văn")
    for unit in trip.by_api:
        r.do(trip.officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)

    r.at("2023-03-15 10:00")
    for index, (unit, username) in enumerate(UI_UNITS.items()):
        page = trip.officers.page_of(username)
        expect(inbox_row(page, "Triển khai và báo cáo")).to_contain_text("24/03/2023")
        open_task(page, "Triển khai và báo cáo")
        _type_report(page, case.unit_report(index, "2023-03-15"))
        if unit == MORE_UNIT:
            trip.shots.take(page, f"{username}-reports")
        submit(page, "Triển khai và báo cáo")
    for index, unit in enumerate(trip.by_api, start=len(UI_UNITS)):
        if unit != trip.late_unit:
            r.do(trip.officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)


def _reports_checked_one_asked_for_more(trip: Trip) -> None:
    """The specialist accepts two reports and asks one unit for more, which it sends before the new date."""
    r = trip.r
    r.at("2023-03-20 09:00")
    for unit in trip.by_api:
        if unit != trip.late_unit:
            r.do(scenario.SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    specialist = trip.officers.page_of(scenario.SPECIALIST)
    expect(inbox_row(specialist, "Kiểm tra báo cáo")).to_have_count(len(UI_UNITS))
    trip.shots.take(specialist, "cv.hvd-inbox-reports-to-check")
    for unit in UI_UNITS:
        open_task(specialist, "Kiểm tra báo cáo", _unit_row(unit, trip.units))
        expect(specialist.get_by_role("heading", level=1)).to_contain_text(trip.units[unit])
        if unit == MORE_UNIT:
            choose(specialist, "Kết quả kiểm tra", "Yêu cầu bổ sung")
            fill(specialist, {"Ý kiến": scenario.MORE_COMMENT, "Hạn nộp lại": "2023-03-23"})
            trip.shots.take(specialist, "cv.hvd-asks-for-more")
        else:
            choose(specialist, "Kết quả kiểm tra", "Đạt")
        submit(specialist, "Kiểm tra báo cáo")

    r.at("2023-03-22 08:05")
    r.tick()  # the reminders, two working days before the deadline
    r.at("2023-03-22 10:00")
    username = UI_UNITS[MORE_UNIT]
    more = trip.officers.page_of(username)
    expect(inbox_row(more, "Triển khai và báo cáo")).to_contain_text("23/03/2023")
    open_task(more, "Triển khai và báo cáo")
    expect(earlier_comment(more, scenario.MORE_COMMENT)).to_be_visible()
    expect(more.get_by_text("hạn ban đầu 24/03/2023")).to_be_visible()
    _type_report(more, case.unit_report(1, "2023-03-22"))
    trip.shots.take(more, f"{username}-reports-again")
    submit(more, "Triển khai và báo cáo")

    r.at("2023-03-22 15:00")
    open_task(specialist, "Kiểm tra báo cáo", _unit_row(MORE_UNIT, trip.units))
    choose(specialist, "Kết quả kiểm tra", "Đạt")
    submit(specialist, "Kiểm tra báo cáo")


def _deadline_passes(trip: Trip) -> None:
    """After 24/3 the worker escalates the unit that has not reported; its officer sees the task overdue."""
    r = trip.r
    r.at("2023-03-25 00:10")
    worked = r.tick()
    assert worked.done and not worked.failed, worked
    username = trip.officer(trip.late_unit)
    late = trip.officers.page_of(username)
    row = inbox_row(late, "Triển khai và báo cáo")
    expect(row).to_contain_text("24/03/2023 (quá hạn)")
    expect(row).to_have_class(re.compile(r"\boverdue\b"))
    trip.shots.take(late, f"{username}-overdue")
    r.at("2023-03-27 09:00")
    r.do(username, "report", case.unit_report(len(trip.recipients), "2023-03-27"), unit=trip.late_unit)
    r.at("2023-03-27 14:00")
    r.do(scenario.SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=trip.late_unit)
    r.tick()  # the last unit's part ends: the case moves on to the consolidation


def _report_upward(trip: Trip) -> None:
    """The specialist consolidates, the deputy director signs, Văn thư issues report 02/BC-SVHTTDL."""
    r = trip.r
    r.at("2023-03-28 09:00")
    specialist = trip.officers.page_of(scenario.SPECIALIST)
    open_task(specialist, "Tổng hợp báo cáo")
    expect(fact(specialist, "Số đơn vị đã báo cáo")).to_have_text(str(len(trip.recipients)))
    expect(fact(specialist, "Số đơn vị báo cáo chậm")).to_have_text("1")
    # The system drafted the report from the units' reports; the specialist adds the assessment.
    subject = "Kết quả thực hiện Công văn số 2104-CV/BTGTU ngày 03/3/2023 của Ban Tuyên giáo Tỉnh ủy về việc đẩy mạnh"
    expect(specialist.get_by_label("Trích yếu báo cáo")).to_have_value(re.compile("^" + re.escape(subject)))
    drafted = specialist.get_by_label("Nội dung báo cáo")
    expect(drafted).to_have_value(re.compile(f"{len(trip.recipients)}/{len(trip.recipients)} đơn vị đã gửi báo cáo"))
    *text, closing = drafted.input_value().splitlines()
    fill(specialist, {"Nội dung báo cáo": "\n".join([*text, scenario.ASSESSMENT, closing])})
    trip.shots.take(specialist, "cv.hvd-consolidates")
    submit(specialist, "Tổng hợp báo cáo")

    r.at("2023-03-29 09:00")
    signer = trip.officers.page_of(scenario.SIGNER)
    open_task(signer, "Ký báo cáo")
    expect(signer.get_by_text(subject)).to_be_visible()
    choose(signer, "Quyết định", "Ký ban hành")
    submit(signer, "Ký báo cáo")

    r.at("2023-03-29 14:00")
    clerk = trip.officers.page_of(scenario.CLERK)
    open_task(clerk, "Phát hành báo cáo")
    submit(clerk, "Phát hành báo cáo")
    expect(flash(clerk).nth(1)).to_have_text(f"Văn bản đã được cấp số: {REPORT_NUMBER}.")
    trip.shots.take(clerk, "vanthu-issues-the-report-02")


def _case_page(trip: Trip) -> None:
    """The case page shows the case complete, both numbers, the trail with its comments and escalation, the diagram."""
    page = trip.officers.page_of(scenario.SPECIALIST)
    page.goto(f"/cases/{trip.r.case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(case.SUBJECT)
    expect(fact(page, "Trạng thái")).to_have_text("Hoàn thành")
    expect(page.get_by_text(DIRECTIVE_NUMBER).first).to_be_visible()
    expect(page.get_by_text(REPORT_NUMBER).first).to_be_visible()
    trail = page.get_by_role("region", name=re.compile(r"^Quá trình xử lý"))
    expect(trail).to_contain_text("Bắt đầu hồ sơ")
    expect(trail.get_by_role("row").filter(has_text=scenario.RETURN_COMMENT)).to_contain_text("Đỗ Quang Minh")
    expect(trail.get_by_role("row").filter(has_text=scenario.MORE_COMMENT)).to_contain_text("Hoàng Văn Đức")
    expect(trail).to_contain_text(f"Hẹn giờ: Quá hạn báo cáo · {trip.units[trip.late_unit]}")
    expect(trail).to_contain_text("Hoàn thành hồ sơ")
    diagram = page.get_by_role("img", name=re.compile(r"^Sơ đồ BPMN"))
    expect(diagram).to_have_class(re.compile(r"\bdiagram-ready\b"))
    expect(diagram.locator(".djs-element.df-done").first).to_be_attached()
    trip.shots.take(page, "case-page-completed")
    _documents(trip, page)


def _documents(trip: Trip, page: Page) -> None:
    """The directive and the report as printed: the A4 page in a new tab, and the Word file."""
    directive = page.get_by_role("region", name=re.compile("^Công văn đã phát hành"))
    with page.context.expect_page() as opened:
        directive.get_by_role("link", name="Bản in khổ A4").click()
    printed = opened.value
    expect(printed.get_by_text(f"Số: {DIRECTIVE_NUMBER}")).to_be_visible()
    expect(printed.get_by_text("Lạng Sơn, ngày 09 tháng 3 năm 2023")).to_be_visible()
    expect(printed.get_by_text("- Lưu: VT, QLVH&GĐ(HVĐ).")).to_be_visible()
    trip.shots.take(printed, "directive-printable")
    printed.close()
    with page.expect_download() as downloading:
        directive.get_by_role("link", name="Tải tệp DOCX").click()
    assert downloading.value.suggested_filename == "cong-van-01_SVHTTDL-QLVHGĐ.docx"
    report = page.get_by_role("region", name=re.compile("^Báo cáo lên cấp trên"))
    with page.context.expect_page() as opened:
        report.get_by_role("link", name="Bản in khổ A4").click()
    expect(opened.value.get_by_text(f"Số: {REPORT_NUMBER}")).to_be_visible()
    expect(opened.value.get_by_text(scenario.ASSESSMENT)).to_be_visible()
    trip.shots.take(opened.value, "report-printable")
    opened.value.close()


def _type_draft(page: Page, tasks: list[str], groups: dict[str, str]) -> None:
    """The specialist types the reference directive in, one task a line, Nơi nhận row by row."""
    fill(
        page,
        {
            "Trích yếu": case.SUBJECT,
            "Căn cứ": case.BASIS,
            "Phần mở đầu": case.INTRO,
            "Các nhiệm vụ": "\n".join(tasks),
            "Phần kết": case.CLOSING,
            "Hạn báo cáo": case.REPORT_DEADLINE,
        },
    )
    tick(page, "Nhóm nơi nhận", [groups[code] for code in case.RECIPIENT_GROUPS])
    for index, line in enumerate(case.CC, start=1):
        row = form(page).get_by_role("group", name=f"Nơi nhận khác {index}", exact=True)
        labelled(row, "Tên").fill(line["name"])
        labelled(row, "Mục đích gửi").select_option(value=line["tag"])


def _type_report(page: Page, report: dict[str, object]) -> None:
    """A unit officer types the report: its number, date, figures and what was done."""
    figures = report["figures"]
    assert isinstance(figures, dict)
    fill(
        page,
        {
            "Số ký hiệu báo cáo": str(report["report_number"]),
            "Ngày báo cáo": str(report["report_date"]),
            "Nội dung báo cáo": str(report["narrative"]),
            **{FIGURE_LABELS[name]: str(value) for name, value in figures.items()},
        },
    )
