"""The issue's whole story in a browser: the administrator designs a form, adds a step to the lifecycle in
the modeler (a format check by the clerk before signing: a task dropped on the flow into signing, moved
into the clerk's lane, made a user task, given the form, its unit, due rule and English name), validates
and deploys it through the deploy preview; a new case goes through that step, where the clerk fills the
designed form, while a case started before keeps its old path straight to signing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engine.clock import ManualClock
from engine.worker import run_due_jobs
from tests.e2e.conftest import LiveServer, Officers, Screenshots
from tests.e2e.pages import control, open_task, submit
from tests.e2e.test_form_designer import _drag_from_palette, _set_label
from tests.e2e.test_modeler import _settings
from web.core.composition import engine_transactions
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

pytestmark = pytest.mark.e2e
ADMIN = "quantri"
STEP = "Văn thư kiểm tra thể thức"
FORM_KEY = "designed:the_thuc_van_thu:1"


def _case(live_server: LiveServer, clock: ManualClock) -> Rehearsal:
    runtime = live_server.runtime
    return Rehearsal(engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, runtime.services))


def _drafted(r: Rehearsal) -> None:
    scenario.register_and_instruct(r)
    r.at("2023-03-07 09:00")
    r.do(scenario.SPECIALIST, "draft", case.draft())


def _design_form(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Biểu mẫu", exact=True).click()
    page.get_by_role("link", name="Thiết kế biểu mẫu mới").click()
    _drag_from_palette(page, "textfield")
    field = page.locator(".fjs-editor-container .fjs-form-field-textfield")
    expect(field).to_have_count(1)
    for _attempt in range(3):
        # Typing may begin before the panel has bound the new field: type again until the form shows it.
        _set_label(page, "Nhận xét về thể thức")
        try:
            expect(field).to_contain_text("Nhận xét về thể thức", timeout=3000)
            break
        except AssertionError:
            field.click()
    expect(field).to_contain_text("Nhận xét về thể thức")
    page.fill("#bio-properties-panel-key", "nhan_xet")
    page.get_by_label("Mã biểu mẫu").fill("the_thuc_van_thu")
    page.get_by_label("Tên biểu mẫu").fill("Kiểm tra thể thức của văn thư")
    page.get_by_role("button", name="Lưu biểu mẫu").click()
    expect(page.get_by_role("status").first).to_contain_text(FORM_KEY)


def _box(page: Page, element_id: str) -> dict[str, float]:
    found = page.locator(f"#modeler-canvas [data-element-id='{element_id}']").first.bounding_box()
    assert found is not None
    return found


def _grip(page: Page, element_id: str) -> tuple[float, float]:
    """A point of the shape not covered by another (a label may lie over its middle)."""
    box = _box(page, element_id)
    for fx in (0.5, 0.8, 0.2):
        for fy in (0.8, 0.5, 0.2):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            on_top = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('[data-element-id]')?.dataset.elementId", [x, y]
            )
            if on_top == element_id:
                return x, y
    raise AssertionError(f"{element_id} is covered everywhere")


def _add_the_step(page: Page) -> str:
    """Drop a task on the flow into signing, name it, move it into the clerk's lane, make it a user task."""
    canvas = page.locator("#modeler-canvas").bounding_box()
    assert canvas is not None
    sign = _box(page, "sign")
    page.mouse.move(sign["x"] + sign["width"] / 2, sign["y"] + sign["height"] / 2)
    page.keyboard.down("Control")
    for _ in range(4):  # zoom in around the signing step, as a person does with Ctrl and the wheel
        page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    flow = _box(page, "flow_sign_merge_to_sign")
    x, y = flow["x"] + flow["width"] / 2, flow["y"] + flow["height"] / 2
    page.locator(".djs-palette .entry.bpmn-icon-task").click()
    page.mouse.move(x - 20, y)
    page.mouse.move(x, y, steps=5)
    page.mouse.click(x, y)
    page.keyboard.type(STEP)
    page.mouse.click(canvas["x"] + canvas["width"] - 40, canvas["y"] + canvas["height"] - 40)
    added = page.evaluate(
        "(name) => window.directiveModeler.get('elementRegistry').filter(e => e.businessObject.name === name)[0].id",
        STEP,
    )
    for _ in range(20):  # scroll until the clerk's lane is in view
        if _box(page, "clerk")["y"] > canvas["y"] + 5:
            break
        page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
        page.mouse.wheel(0, -60)
    x, y = _grip(page, added)
    clerk = _box(page, "clerk")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 10, steps=3)
    page.mouse.move(x, clerk["y"] + clerk["height"] / 2, steps=10)
    page.mouse.up()
    page.locator(".djs-context-pad .entry[data-action='replace']").click()
    page.locator("[data-id='replace-with-user-task']").click()
    return str(added)


def test_an_added_step_with_a_designed_form_runs_for_new_cases_only(
    officers: Officers, live_server: LiveServer, clock: ManualClock, shots: Screenshots
) -> None:
    before = _case(live_server, clock)
    _drafted(before)
    assert [t.spec_name for t in before.pending()] == ["review_content"]

    page = officers.page_of(ADMIN)
    _design_form(page)
    page.get_by_role("navigation").get_by_role("link", name="Quy trình", exact=True).click()
    page.get_by_role("link", name="Sửa “Xử lý văn bản đến và ban hành công văn” (từ phiên bản 1)").click()
    expect(page.locator("#modeler[data-ready='true']")).to_have_count(1)
    added = _add_the_step(page)
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("User Task")
    _settings(page)
    page.get_by_label("Biểu mẫu", exact=True).select_option(FORM_KEY)
    page.get_by_label("Đơn vị xử lý (biểu thức)").fill("agency")
    page.get_by_label("Hạn xử lý (biểu thức)").fill("next_working_day(today())")
    page.locator("[data-group-id='group-spiff-names'] .bio-properties-panel-group-header").click()
    page.get_by_label("Tên tiếng Anh").fill("Clerk's format check")
    page.get_by_label("Tên tiếng Anh").press("Tab")
    shots.take(page, "step-added")
    page.get_by_role("button", name="Kiểm tra lỗi", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Không có lỗi: quy trình có thể triển khai.")

    page.get_by_label("Ghi chú").fill("Văn thư kiểm tra thể thức trước khi trình ký")
    page.get_by_role("button", name="Triển khai…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xem trước triển khai")
    shots.take(page, "deploy-preview")
    page.get_by_role("button", name="Xác nhận triển khai").click()
    expect(page.locator("main")).to_contain_text("Đã triển khai")
    expect(page.locator("main")).to_contain_text("Văn thư kiểm tra thể thức trước khi trình ký")

    # The case started before goes on on its version: straight from approval to signing.
    before.at("2023-03-08 10:00")
    before.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    assert [t.spec_name for t in before.pending()] == ["sign"]

    # A new case passes the clerk's check, filled in on the designed form, before signing.
    after = _case(live_server, clock)
    _drafted(after)
    after.at("2023-03-08 10:00")
    after.do(scenario.HEAD, "review_content", {"decision": "approve", "comment": ""})
    [check] = after.pending()
    assert (check.spec_name, check.role, check.form_key) == (added, "clerk", FORM_KEY)
    clerk = officers.page_of(scenario.CLERK)
    open_task(clerk, STEP)
    control(clerk, "Nhận xét về thể thức").fill("Đúng thể thức theo Nghị định 30")
    shots.take(clerk, "clerk-checks")
    submit(clerk, STEP)
    assert [t.spec_name for t in after.pending()] == ["sign"]
