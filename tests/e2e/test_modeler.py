"""The administrator edits the lifecycle in the browser's modeler: sets a lane's role and a user task's
form and due rule in the properties panel, validates (a problem is listed, clicked and its element
selected on the canvas), fixes it, saves a draft, and the saved XML carries the properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer, Officers, Screenshots
from web.core.db import unit_of_work
from web.core.models import ProcessDraft

pytestmark = pytest.mark.e2e
ADMIN = "quantri"
BUNDLE = Path(__file__).resolve().parents[2] / "web" / "static" / "build" / "modeler.js"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


def _select_on_canvas(page: Page, element_id: str, *, edge: bool = False) -> None:
    """Click a shape as a person does; a lane is picked by its border (its inside belongs to its steps,
    its left end lies under the palette)."""
    shape = page.locator(f"#modeler-canvas [data-element-id='{element_id}']").first
    box = shape.bounding_box()
    assert box is not None
    shape.click(position={"x": box["width"] - 2, "y": box["height"] / 2} if edge else None, force=True)


def _settings(page: Page) -> None:
    """Open the panel's group of our settings, if it is closed."""
    group = page.locator("[data-group-id='group-spiff-settings']")
    if not group.locator(".bio-properties-panel-group-entries.open").count():
        group.locator(".bio-properties-panel-group-header").click()


def _property(root: etree._Element, element_id: str, name: str) -> str | None:
    found = root.find(
        f".//*[@id='{element_id}']/bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{name}']",
        NS,
    )
    return None if found is None else found.get("value")


def test_the_administrator_sets_a_lane_role_a_form_and_a_due_rule_validates_and_saves(
    officers: Officers, live_server: LiveServer, shots: Screenshots
) -> None:
    assert BUNDLE.exists(), "the modeler's bundle is built by `make install` (npm run build)"
    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Quy trình", exact=True).click()
    page.get_by_role("link", name="Sửa “Xử lý văn bản đến và ban hành công văn” (từ phiên bản 1)").click()
    expect(page.locator("#modeler[data-ready='true']")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sửa quy trình")

    # The office lane now means the supervisors (a role the chart declares and no other lane has).
    _select_on_canvas(page, "office", edge=True)
    _settings(page)
    role = page.get_by_label("Vai trò của làn")
    expect(role).to_have_value("office")
    role.select_option("supervisor")
    expect(page.locator("#modeler-canvas [data-element-id='supervisor']")).to_have_count(1)

    # The format check gets another form and a due rule that does not compile yet.
    _select_on_canvas(page, "check_format")
    _settings(page)
    page.get_by_label("Biểu mẫu", exact=True).select_option("review_report")
    due = page.get_by_label("Hạn xử lý (biểu thức)")
    due.fill("next_working_day(arrival_date")
    due.press("Tab")
    shots.take(page, "panel-set")

    _select_on_canvas(page, "draft")  # away from the task, so that clicking the problem selects it again
    page.get_by_role("button", name="Kiểm tra lỗi", exact=True).click()
    problem = page.locator("#modeler-problems .modeler-problem-link[data-element-id='check_format']")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("check_format (Kiểm tra thể thức)")
    expect(page.locator("#modeler-canvas [data-element-id='check_format'].modeler-problem")).to_have_count(1)
    shots.take(page, "problem-listed")
    problem.click()
    expect(page.locator(".bio-properties-panel-header-label")).to_have_text("Kiểm tra thể thức")
    expect(page.locator("#modeler-canvas [data-element-id='check_format'].selected")).to_have_count(1)

    _settings(page)
    due = page.get_by_label("Hạn xử lý (biểu thức)")
    due.fill("next_working_day(arrival_date)")
    due.press("Tab")
    page.get_by_role("button", name="Kiểm tra lỗi", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Không có lỗi: quy trình có thể triển khai.")
    expect(page.locator("#modeler-problems")).to_be_hidden()

    page.get_by_label("Ghi chú").fill("Văn phòng thay bằng giám sát")
    page.get_by_role("button", name="Lưu bản nháp", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu bản nháp (lần 1).")
    expect(page).to_have_url(re.compile(r"/admin/modeler/drafts/\d+$"))
    shots.take(page, "draft-saved")

    with unit_of_work(live_server.runtime.sessions) as session:
        [draft] = session.scalars(select(ProcessDraft))
        xml, note, key = draft.bpmn_xml, draft.note, draft.process_key
    assert key == "directive_lifecycle" and note == "Văn phòng thay bằng giám sát"
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    lane = root.find(".//bpmn:lane[@id='supervisor']", NS)
    assert lane is not None and root.find(".//bpmn:lane[@id='office']", NS) is None
    assert "check_format" in [ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS)]
    assert _property(root, "check_format", "formKey") == "review_report"
    assert _property(root, "check_format", "dueDate") == "next_working_day(arrival_date)"
    assert _property(root, "check_format", "candidateUnit") == "office_unit"  # untouched settings stay

    # The draft is listed on the processes page and reopens with what was saved.
    page.get_by_role("navigation").get_by_role("link", name="Quy trình", exact=True).click()
    page.locator("#modeler-drafts").get_by_role("link", name="Mở bản nháp").click()
    expect(page.locator("#modeler[data-ready='true']")).to_have_count(1)
    _select_on_canvas(page, "check_format")
    _settings(page)
    expect(page.get_by_label("Hạn xử lý (biểu thức)")).to_have_value("next_working_day(arrival_date)")
