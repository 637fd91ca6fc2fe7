"""A supervisor looks at the pictures in Chromium: the unit process's diagram with the work waiting on
each step, and the on-time charts drawn; the Content-Security-Policy refuses nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, LiveServer, Screenshots, sign_in
from tests.web.case_helpers import draft_returned_then_issued
from tests.workflows.lifecycle_helpers import officer_of
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e

SILENT, ON_TIME = 2, 3
WATCH_REFUSALS = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__refused.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
# Whether a canvas has anything drawn on it (not one transparent pixel only).
PAINTED = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { painted += 1; } }
  return painted;
}"""


def _supervisor(chromium: Browser, live_server: LiveServer) -> Page:
    context = chromium.new_context(
        base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=DESKTOP
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WATCH_REFUSALS)
    page = context.new_page()
    sign_in(page, "giamsat")
    return page


def test_the_supervisor_sees_the_work_waiting_on_the_diagram_and_the_on_time_charts(
    chromium: Browser, live_server: LiveServer, rehearsal: Rehearsal, shots: Screenshots
) -> None:
    units = draft_returned_then_issued(rehearsal, groups=["don_vi_truc_thuoc_so"])
    officer = officer_of(live_server.runtime)
    silent = units[-SILENT:]
    rehearsal.at("2023-03-10 09:00")
    for unit in units:
        if unit not in silent:
            rehearsal.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    rehearsal.at("2023-03-15 10:00")
    for index, unit in enumerate(units[:ON_TIME]):
        rehearsal.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    rehearsal.at("2023-03-27 10:00")

    page = _supervisor(chromium, live_server)
    try:
        page.goto("/supervision/pictures")
        page.get_by_role("link", name="Thực hiện công văn tại đơn vị").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thực hiện công văn tại đơn vị")
        diagram = page.locator("#process-load-diagram")
        expect(diagram).to_have_class(re.compile(r"\bdiagram-ready\b"))
        acknowledge = diagram.locator('.load-badge[data-step="acknowledge"]')
        expect(acknowledge.locator(".load-count")).to_have_text(str(SILENT))
        expect(acknowledge.locator(".load-average")).to_have_text("trung bình 12 ngày làm việc")
        expect(acknowledge.locator(".load-units")).to_have_text(f"{SILENT} đơn vị chưa tiếp nhận ({SILENT} quá hạn)")
        waiting_reports = len(units) - SILENT - ON_TIME
        expect(diagram.locator('.load-badge[data-step="report"] .load-count')).to_have_text(str(waiting_reports))
        expect(diagram.locator('.load-badge[data-step="review_report"] .load-count')).to_have_text(str(ON_TIME))
        # The table under the diagram reads the same.
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Tiếp nhận công văn", exact=True))
        expect(row.get_by_role("cell").first).to_have_text(str(SILENT))
        shots.take(page, "process-load")

        page.goto("/supervision/pictures/on-time?from=2023-01&to=2023-04")
        for chart in ("#units-chart", "#months-chart"):
            canvas = page.locator(chart)
            expect(canvas).to_have_attribute("data-ready", "true")
            assert canvas.evaluate(PAINTED) > 1000, f"{chart} is blank"
        units_table = page.locator("#units-table")
        expect(units_table.locator("tbody tr")).to_have_count(len(units))
        expect(units_table.locator("tbody tr").first.locator("td").last).to_have_text("100 %")
        shots.take(page, "on-time-charts")
        assert page.evaluate("window.__refused") == []
    finally:
        page.context.close()
