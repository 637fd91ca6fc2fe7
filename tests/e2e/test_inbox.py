"""What the inbox tells an officer about the units of a directive."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Officers, Screenshots
from tests.e2e.pages import inbox_row
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e


def test_the_specialist_reads_which_unit_a_report_is_from(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal
) -> None:
    """A unit's report waiting for the check is listed with the unit's name, as the task page names it."""
    scenario.register_and_instruct(rehearsal)
    scenario.draft_and_approve(rehearsal, return_once=False)
    scenario.issue(rehearsal)
    rehearsal.at("2023-03-15 10:00")
    rehearsal.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    rehearsal.do("cb.btls", "report", case.unit_report(0, "2023-03-15"), unit="BTLS")
    page = officers.page_of(scenario.SPECIALIST)
    row = inbox_row(page, "Kiểm tra báo cáo")
    expect(row).to_have_count(1)
    shots.take(page, "inbox-report-to-check")
    expect(row).to_contain_text("Kiểm tra báo cáo · Bảo tàng tỉnh Lạng Sơn", timeout=2_000)
