"""The supervisor's day in a browser: the board, a filter, one directive's units."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Officers, Screenshots
from tests.workflows.lifecycle_helpers import officer_of, session_of
from web.core.composition import Runtime, build_delivery, engine_transactions
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.directory import OrgDirectory

pytestmark = pytest.mark.e2e
SUPERVISOR = "giamsat"
ON_TIME = 6


def _late_directive(rehearsal: Rehearsal, runtime: Runtime) -> tuple[list[str], list[str]]:
    """The reference directive issued; six units report on time and the others do not; 27/3/2023."""
    scenario.register_and_instruct(rehearsal)
    scenario.draft_and_approve(rehearsal, return_once=False)
    units = scenario.issue(rehearsal)
    officer = officer_of(runtime)
    rehearsal.at("2023-03-10 09:00")
    for unit in units[:-3]:
        rehearsal.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    rehearsal.at("2023-03-15 10:00")
    for index, unit in enumerate(units[:ON_TIME]):
        rehearsal.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    rehearsal.at("2023-03-27 09:00")
    return units[:ON_TIME], units[ON_TIME:]


def test_the_supervisor_opens_the_board_filters_and_opens_the_units_of_a_directive(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal, runtime: Runtime
) -> None:
    _on_time, late = _late_directive(rehearsal, runtime)
    page = officers.page_of(SUPERVISOR)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Giám sát").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Giám sát tiến độ")
    rows = page.locator("table.board tbody tr.overdue")
    # Each late unit once, and the on-time units' reports the division has not checked yet.
    expect(rows.filter(has_text="Báo cáo thực hiện")).to_have_count(len(late) - 3)
    expect(rows.filter(has_text="Tiếp nhận công văn")).to_have_count(3)
    expect(rows.filter(has_text="Kiểm tra báo cáo")).to_have_count(ON_TIME)
    shots.take(page, "board")

    # Only the units that never acknowledged: filter by one of them.
    page.get_by_label("Đơn vị", exact=True).select_option(label=_unit_name(runtime, late[-1]))
    page.get_by_role("button", name="Lọc").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tiếp nhận công văn")
    shots.take(page, "board-one-unit")

    page.get_by_role("link", name="Bỏ lọc").click()
    page.locator("table.group").filter(has_text="Theo văn bản").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đơn vị thực hiện")
    expect(page.locator("table.units-table tbody tr.late")).to_have_count(len(late))
    page.get_by_label("Chỉ đơn vị trễ hạn").check()
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("table.units-table tbody tr")).to_have_count(len(late))
    shots.take(page, "units-late-only")


def _unit_name(runtime: Runtime, code: str) -> str:
    with session_of(runtime) as session:
        unit = OrgDirectory(session).unit(code)
        assert unit is not None
        return unit.name


def test_the_supervisor_sends_a_reminder_round_and_a_late_units_officer_sees_it_in_the_bell(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal, runtime: Runtime
) -> None:
    _on_time, late = _late_directive(rehearsal, runtime)
    case_id = rehearsal.case_id or 0
    page = officers.page_of(SUPERVISOR)
    page.goto(f"{officers.base_url}/supervision/cases/{case_id}/units")
    page.get_by_role("link", name="Đôn đốc các đơn vị trễ hạn").click()
    # The late units come ticked: leave the last one out of this round.
    boxes = page.locator("input[name=units]:checked")
    expect(boxes).to_have_count(len(late))
    page.locator(f"input[name=units][value='{late[-1]}']").uncheck()
    page.get_by_label("Hạn mới (số ngày làm việc)").fill("5")
    shots.take(page, "round-new")
    page.get_by_role("button", name="Bắt đầu đôn đốc").click()
    expect(page.get_by_text("Đã bắt đầu đôn đốc lần 2")).to_be_visible()

    # The letter goes through the lead division, the signer and the clerk like any other.
    [draft] = rehearsal.pending("draft_round")
    with engine_transactions(runtime)() as engine:
        drafted = engine.data(draft.instance_id)
    letter = {"letter_subject": drafted["letter_subject"], "letter_body": drafted["letter_body"]}
    rehearsal.do(scenario.SPECIALIST, "draft_round", letter)
    rehearsal.do(scenario.HEAD, "review_round", {"decision": "approve", "comment": ""})
    rehearsal.do(scenario.SIGNER, "sign_round", {"decision": "sign", "comment": ""})
    rehearsal.do(scenario.CLERK, "issue_round", {"issue_note": ""})
    rehearsal.tick()  # the job worker moves the units' deadlines after the issue committed
    build_delivery(runtime).run()  # and delivers the notifications

    # Both late officers were reminded before the deadline; only the chosen one hears of the round.
    chosen, left_out = officer_of(runtime)(late[0]), officer_of(runtime)(late[-1])
    untouched = officers.page_of(left_out)
    expect(untouched.get_by_role("link", name="Thông báo").locator("#unread-count")).to_have_text("1")
    officer = officers.page_of(chosen)
    bell = officer.get_by_role("link", name="Thông báo")
    expect(bell.locator("#unread-count")).to_have_text("2")
    bell.click()
    expect(officer.get_by_text("lần 2").first).to_be_visible()
    shots.take(officer, "bell-of-a-late-unit")
    untouched.get_by_role("link", name="Thông báo").click()
    expect(untouched.get_by_text("lần 2")).to_have_count(0)
