"""The auditor in a browser: finds every return by a head of division across cases, reads a wrong date's
message, opens the case from a result and downloads the results as XLSX and CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from playwright.sync_api import expect

from tests.e2e.conftest import Officers, Screenshots
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e
AUDITOR = "kiemtra"
SECOND_RETURN = "Đề nghị ghi rõ thời hạn báo cáo của từng đơn vị."


def _two_returns(r: Rehearsal) -> tuple[int, int]:
    """The reference letter returned once and approved; a second letter returned on 13/03/2023."""
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=True)
    first = r.case_id or 0
    r.at("2023-03-13 08:00")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", {**case.INCOMING, "incoming_number": "77/UBND-KT"})
    r.do(scenario.DIRECTOR, "instruct", {**case.INSTRUCTION, "handling_deadline": "2023-03-17"})
    r.at("2023-03-13 10:00")
    r.do(scenario.SPECIALIST, "draft", case.draft())
    r.at("2023-03-14 08:00")
    r.do(scenario.HEAD, "review_content", {"decision": "return", "comment": SECOND_RETURN})
    return first, r.case_id or 0


def test_the_auditor_searches_every_return_by_a_head_of_division_and_exports_it(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal, tmp_path: Path
) -> None:
    first, _second = _two_returns(rehearsal)
    page = officers.page_of(AUDITOR)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Tra cứu nhật ký").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tra cứu nhật ký xử lý")

    page.get_by_label("Vai trò", exact=True).select_option(label="Trưởng phòng")
    page.get_by_label("Quyết định", exact=True).select_option(label="Trả lại")
    page.get_by_label("Từ ngày", exact=True).fill("32/03/2023")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#f-from-error")).to_contain_text("Ngày không hợp lệ")
    expect(page.get_by_label("Từ ngày", exact=True)).to_have_attribute("aria-invalid", "true")
    shots.take(page, "bad-date")

    page.get_by_label("Từ ngày", exact=True).fill("01/03/2023")
    page.get_by_label("Đến ngày", exact=True).fill("31/03/2023")
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("table.audit-hits tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(SECOND_RETURN)
    expect(rows.nth(0)).to_contain_text("14/03/2023 08:00")
    expect(rows.nth(1)).to_contain_text(scenario.RETURN_COMMENT)
    expect(rows.nth(1)).to_contain_text("Kiểm tra nội dung")
    shots.take(page, "returns")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Tải về Excel (XLSX)").click()
    saved = tmp_path / "returns.xlsx"
    downloading.value.save_as(saved)
    assert downloading.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(saved).active
    assert [cell.value for cell in sheet[1]][:4] == ["Số, ký hiệu", "Trích yếu", "Bước", "Sự kiện"]
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        SECOND_RETURN,
        scenario.RETURN_COMMENT,
    ]

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Tải về CSV").click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1][3] == "Hoàn thành bước" and "14/03/2023 08:00" in table[1]

    rows.nth(1).get_by_role("link").first.click()
    # The result opens its own case's timeline.
    page.wait_for_url(re.compile(rf"/cases/{first}/timeline$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dòng thời gian")
    shots.take(page, "case")
