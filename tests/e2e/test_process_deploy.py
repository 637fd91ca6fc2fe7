"""The administrator deploys a process from the browser: uploads a new process with a note and confirms,
then uploads its next version and sees the diff on the two diagrams (the step added in green, the one
removed in red, the renamed one in amber) and in words, confirms, and compares the versions again
from the processes page."""

from __future__ import annotations

from itertools import pairwise

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.e2e.conftest import Officers, Screenshots

pytestmark = pytest.mark.e2e
ADMIN = "quantri"


def small_process(steps: list[tuple[str, str]]) -> bytes:
    """start → the steps (plain tasks) → end, drawn in a row, as a modeler would save it."""
    nodes = [("start", "Bắt đầu", "startEvent"), *((i, n, "task") for i, n in steps), ("end", "Kết thúc", "endEvent")]
    semantic, shapes, x, placed = [], [], 100, []
    for node_id, name, kind in nodes:
        width, height = (100, 80) if kind == "task" else (36, 36)
        semantic.append(f'<bpmn:{kind} id="{node_id}" name="{name}"/>')
        shapes.append(
            f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}">'
            f'<dc:Bounds x="{x}" y="{120 - height // 2}" width="{width}" height="{height}"/></bpmndi:BPMNShape>'
        )
        placed.append((node_id, x, width))
        x += width + 60
    for (a, ax, aw), (b, bx, _bw) in pairwise(placed):
        semantic.append(f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>')
        shapes.append(
            f'<bpmndi:BPMNEdge id="flow_{a}_{b}_di" bpmnElement="flow_{a}_{b}">'
            f'<di:waypoint x="{ax + aw}" y="120"/><di:waypoint x="{bx}" y="120"/></bpmndi:BPMNEdge>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs" targetNamespace="http://example.org/demo">'
        f'<bpmn:process id="demo_approval" name="Duyệt thử" isExecutable="true">{"".join(semantic)}</bpmn:process>'
        '<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="demo_approval">'
        f"{''.join(shapes)}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>\n"
    ).encode()


def _upload(page: Page, name: str, data: bytes, note: str) -> None:
    page.get_by_label("Tệp BPMN").set_input_files(FilePayload(name=name, mimeType="application/xml", buffer=data))
    page.get_by_label("Ghi chú (vì sao triển khai phiên bản này)").fill(note)
    page.get_by_role("button", name="Kiểm tra và xem trước").click()


def _marked(page: Page, side: str, element_id: str, mark: str) -> None:
    expect(page.locator(f".{side} g.djs-element.df-{mark}[data-element-id='{element_id}']")).to_have_count(1)


def test_the_administrator_deploys_a_process_and_its_next_version_seeing_the_diff(
    officers: Officers, shots: Screenshots
) -> None:
    page = officers.page_of(ADMIN)
    page.get_by_role("navigation").get_by_role("link", name="Quy trình", exact=True).click()
    page.get_by_role("link", name="Triển khai tệp BPMN").click()
    _upload(page, "duyet_thu.bpmn", small_process([("check", "Kiểm tra"), ("approve", "Phê duyệt")]), "Quy trình mới")
    expect(page.locator("#plan")).to_contain_text("quy trình mới, phiên bản 1")
    expect(page.locator(".diff-new.diagram-ready")).to_have_count(1)
    _marked(page, "diff-new", "approve", "added")
    page.get_by_role("button", name="Xác nhận triển khai").click()
    expect(page.get_by_role("status")).to_contain_text("Đã triển khai duyet_thu.bpmn: demo_approval phiên bản 1")

    page.get_by_role("link", name="Triển khai tệp BPMN").click()
    second = small_process([("check", "Kiểm tra hồ sơ"), ("publish", "Công bố")])
    _upload(page, "duyet_thu.bpmn", second, "Bỏ bước phê duyệt, thêm bước công bố")
    expect(page.locator("#plan")).to_contain_text("phiên bản mới 2")
    expect(page.locator(".process-diff.diff-ready")).to_have_count(1)
    _marked(page, "diff-new", "publish", "added")
    _marked(page, "diff-old", "approve", "removed")
    _marked(page, "diff-old", "check", "changed")
    _marked(page, "diff-new", "check", "changed")
    changes = page.locator(".diff-changes")
    expect(changes.locator(".diff-added[data-id='publish']")).to_have_text("Đã thêm bước “Công bố” (publish)")
    expect(changes.locator(".diff-removed[data-id='approve']")).to_have_text("Đã bỏ bước “Phê duyệt” (approve)")
    expect(changes.locator(".diff-changed[data-id='check']")).to_contain_text("tên: Kiểm tra → Kiểm tra hồ sơ")
    shots.take(page, "diff-before-deploy")
    page.get_by_role("button", name="Xác nhận triển khai").click()

    expect(page.get_by_role("status")).to_contain_text("demo_approval phiên bản 2")
    expect(page.locator("#p-demo_approval ~ table, section:has(#p-demo_approval)").first).to_contain_text(
        "Ghi chú: Bỏ bước phê duyệt, thêm bước công bố"
    )
    page.get_by_role("link", name="So với phiên bản 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("So sánh phiên bản: Duyệt thử")
    expect(page.locator(".process-diff.diff-ready")).to_have_count(1)
    _marked(page, "diff-new", "publish", "added")
    _marked(page, "diff-old", "approve", "removed")
    shots.take(page, "diff-between-versions")

    # The same file again: nothing to deploy.
    page.goto("/admin/processes/deploy")
    _upload(page, "duyet_thu.bpmn", second, "")
    expect(page.locator("#plan")).to_contain_text("giống hệt phiên bản hiện hành 2, không tạo phiên bản mới")
    expect(page.get_by_role("button", name="Xác nhận triển khai")).to_have_count(0)
