"""The auditor's timeline in a browser: from the case page to the timeline, the two drafts compared,
an earlier draft opened as it was, and the diagram as it stood after a chosen step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Officers, Screenshots
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e
AUDITOR = "kiemtra"


def test_the_auditor_compares_two_drafts_and_sees_the_diagram_after_the_first(
    officers: Officers, shots: Screenshots, rehearsal: Rehearsal
) -> None:
    scenario.register_and_instruct(rehearsal)
    scenario.draft_and_approve(rehearsal, return_once=True)
    case_id = rehearsal.case_id or 0
    page = officers.page_of(AUDITOR)
    page.goto(f"{officers.base_url}/cases/{case_id}")
    page.get_by_role("link", name="Dòng thời gian").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dòng thời gian")
    returned = page.locator("li.moment").filter(has_text=scenario.RETURN_COMMENT).first
    expect(returned).to_contain_text("Trả lại")
    expect(returned).to_contain_text("Trưởng phòng")
    shots.take(page, "timeline")

    page.get_by_label("So sánh bản").select_option(label="Công văn · bản 1")
    page.get_by_label("với bản").select_option(label="Công văn · bản 2")
    page.get_by_role("button", name="So sánh").click()
    changed = page.locator("#compare tr[data-field='draft_tasks']")
    expect(changed.locator("ins")).to_contain_text(case.TASKS[3].split(",")[0])
    shots.take(page, "drafts-compared")

    with page.context.expect_page() as opened:
        page.locator("#versions").get_by_role("link", name="Công văn · bản 1").click()
    first = opened.value
    expect(first.locator("body")).to_contain_text(case.TASKS[0][:40])
    expect(first.locator("body")).not_to_contain_text(case.TASKS[3][:40])
    first.close()

    first_draft = page.locator("li.moment[data-tag='engine:task:completed']").filter(has_text="Công văn · bản 1")
    first_draft.get_by_role("link", name="Xem sơ đồ ngay sau bước này").click()
    expect(page.locator("#timeline-diagram[data-drawn='true']")).to_be_visible()
    diagram = page.locator("#timeline-diagram")
    expect(diagram.locator("[data-element-id='draft'].df-done")).to_have_count(1)
    expect(diagram.locator("[data-element-id='review_content'].df-current")).to_have_count(1)
    expect(diagram.locator("[data-element-id='sign'].df-done")).to_have_count(0)
    expect(page.locator("#diagram-moment")).to_contain_text("Dự thảo công văn")
    shots.take(page, "diagram-after-first-draft")
