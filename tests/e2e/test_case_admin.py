"""The administrator in a browser: filters the running cases, suspends one with a reason, runs a
migration dry run to a new version of the process and confirms it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Officers, Screenshots
from web.core.composition import Runtime, engine_transactions
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e
ADMIN = "quantri"
BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "directive_lifecycle.bpmn"


def test_the_administrator_filters_suspends_and_migrates(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal, runtime: Runtime
) -> None:
    scenario.register_and_instruct(rehearsal)
    held = rehearsal.case_id
    scenario.register_and_instruct(rehearsal)
    moving = rehearsal.case_id
    with engine_transactions(runtime)() as engine:
        xml = BPMN.read_text(encoding="utf-8").replace('name="Dự thảo công văn"', 'name="Soạn thảo công văn"', 1)
        engine.deploy(xml.encode("utf-8"), "directive_lifecycle.bpmn", ADMIN)

    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Hồ sơ đang chạy", exact=True).click()
    page.get_by_label("Trạng thái").select_option(label="Đang chạy")
    page.get_by_label("Trích yếu, số hoặc mã hồ sơ").fill("2104-CV")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.locator("#admin-cases tbody tr")).to_have_count(2)
    shots.take(page, "filtered")

    page.locator(f"tr[data-instance='{held}']").get_by_role("link", name="Quản lý").click()
    page.get_by_role("button", name="Tạm dừng hồ sơ này").click()
    expect(page.locator("#f-suspend_reason-error")).to_have_text("Nhập lý do (bắt buộc).")
    page.get_by_label("Lý do tạm dừng").fill("Chờ ý kiến Giám đốc về phạm vi")
    page.get_by_role("button", name="Tạm dừng hồ sơ này").click()
    expect(page.get_by_role("status")).to_have_text("Đã tạm dừng hồ sơ.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tạm dừng")
    shots.take(page, "suspended")

    page.get_by_role("link", name="← Hồ sơ đang chạy").click()
    page.get_by_role("link", name="Chuyển hồ sơ sang phiên bản khác").click()
    page.get_by_label("Quy trình").select_option(value="directive_lifecycle")
    page.get_by_role("button", name="Chọn").click()
    page.get_by_label("Từ phiên bản").select_option(value="1")
    page.get_by_label("Sang phiên bản").select_option(value="2")
    page.get_by_role("button", name="Chạy thử").click()
    expect(page.locator(f"tr[data-instance='{moving}']")).to_contain_text("Chuyển được")
    expect(page.locator(f"tr[data-instance='{moving}']")).to_contain_text("Dự thảo công văn")
    expect(page.locator(f"tr[data-instance='{held}']")).to_contain_text(
        "Hồ sơ đang tạm dừng: cho hồ sơ tiếp tục rồi chuyển."
    )
    shots.take(page, "dry-run")

    page.get_by_role("button", name="Xác nhận chuyển 1 hồ sơ").click()
    expect(page.locator("#migration-summary")).to_have_text("Đã chuyển 1 hồ sơ; 0 hồ sơ giữ nguyên phiên bản cũ.")
    expect(page.locator(f"tr[data-instance='{moving}']")).to_contain_text("Đã chuyển")
    shots.take(page, "migrated")
