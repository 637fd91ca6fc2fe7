"""The case page: the directive's data, its trail and its diagram, shown to those who may see the case only."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from tests.web.case_helpers import XSS_COMMENT, add_user, draft_returned_then_issued, fast_rehearsal, signed_in
from tests.workflows.lifecycle_helpers import instance_data, session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return fast_rehearsal(runtime, clock)


def _children(runtime: Runtime, case_id: int) -> dict[str, int]:
    """The child instance of each recipient unit, by unit code."""
    with session_of(runtime) as session:
        rows = session.execute(
            select(TaskRow.candidate_unit, TaskRow.instance_id).where(
                TaskRow.case_id == case_id, TaskRow.role == "unit_officer"
            )
        )
        return {unit: instance for unit, instance in rows if unit}


def test_clerk_director_and_specialist_see_the_directive_and_its_trail(app: Flask, r: Rehearsal) -> None:
    """Mid-way through (issued, units at work) the three officers of the Sở read every part of the case."""
    units = draft_returned_then_issued(r)
    case_id = r.case_id
    for username in ("vanthu", "giamdoc", "cv.hvd", "cv.ntm", "giamsat", "kiemtra"):
        page = signed_in(app, username).get(f"/cases/{case_id}")
        assert page.status_code == 200, username
        html = page.get_data(as_text=True)
        # The incoming letter and its arrival entry.
        assert "Ban Tuyên giáo Tỉnh ủy" in html and "2104-CV/BTGTU" in html and "03/03/2023" in html
        assert "Số đến" in html and "06/03/2023" in html
        # The instruction: the lead division by name, the deadline, the signer by name.
        assert "Phòng Quản lý Văn hóa và Gia đình" in html and "10/03/2023" in html and "Phan Văn Hòa" in html
        # The directive as issued: number, tasks, addressee lines, report deadline, Nơi nhận.
        assert "01/SVHTTDL-QLVHGĐ" in html and "09/03/2023" in html
        # The directive reads as composed for print: numbered tasks, Kính gửi lines, Nơi nhận with tags.
        for number in range(1, len(case.TASKS) + 1):
            assert f'<p class="letter-text">{number}. ' in html
        assert "- Phòng Văn hóa và Thông tin các huyện, thành phố;" in html
        assert "Số: 01/SVHTTDL-QLVHGĐ" in html and "Lạng Sơn, ngày 09 tháng 3 năm 2023" in html
        assert "24/03/2023" in html and "- Ban TG Tỉnh ủy LS; (B/c)" in html
        # Every recipient unit has a row; the trail names people and steps with local times.
        assert html.count('scope="row" data-label="Đơn vị"') == len(units)
        assert "Nguyễn Thị Hạnh" in html and "Tiếp nhận văn bản đến" in html and "06/03/2023 08:00" in html
        assert "Đỗ Quang Minh" in html and "Trả lại" in html and "07/03/2023 14:00" in html


def test_a_comment_with_a_script_shows_as_text(app: Flask, r: Rehearsal) -> None:
    """The division head's comment is escaped on the case page, never run."""
    draft_returned_then_issued(r)
    html = signed_in(app, "giamdoc").get(f"/cases/{r.case_id}").get_data(as_text=True)
    assert XSS_COMMENT not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; Đề nghị bổ sung mục 4." in html
    assert "<script>alert" not in html


def test_a_unit_officer_sees_the_directive_and_only_their_own_unit(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """The museum's officer reads the directive and the museum's row, not the library's nor the Sở's internals."""
    draft_returned_then_issued(r)
    r.at("2023-03-09 15:00")
    r.do("cb.tvls", "acknowledge", {"acknowledge_note": ""}, unit="TVLS")
    r.do("cb.tvls", "report", case.unit_report(1, "2023-03-15"), unit="TVLS")
    client = signed_in(app, "cb.btls")
    html = client.get(f"/cases/{r.case_id}").get_data(as_text=True)
    assert "01/SVHTTDL-QLVHGĐ" in html and case.TASKS[0][:60] in html
    assert "Bảo tàng tỉnh Lạng Sơn" in html
    assert "Thư viện tỉnh Lạng Sơn" not in html and "Lý Văn Bình" not in html
    assert html.count('scope="row" data-label="Đơn vị"') == 1
    # Nor the Sở's own steps: the returned draft, the incoming register.
    assert "Đề nghị bổ sung mục 4" not in html and "Số đến" not in html
    # Their diagram is the unit's process, run by their own child instance.
    own = _children(runtime, r.case_id or 0)["BTLS"]
    assert f"/cases/{r.case_id}/diagram.xml?instance={own}" in html
    assert 'id="unit_execution"' in client.get(f"/cases/{r.case_id}/diagram.xml").get_data(as_text=True)
    library = _children(runtime, r.case_id or 0)["TVLS"]
    assert client.get(f"/cases/{r.case_id}/progress.json?instance={library}").status_code == 404
    assert client.get(f"/cases/{r.case_id}?instance={library}").status_code == 404


@pytest.mark.parametrize("username", ["cb.pvhtt.tplangson", "cv.qldl", "vp.thethuc"])
def test_people_without_a_part_in_the_case_find_nothing(
    app: Flask, r: Rehearsal, runtime: Runtime, username: str
) -> None:
    """A unit not among the recipients, a specialist of another division, the format checker (no check asked):
    404 on the page, the diagram and the progress, exactly as for a case that does not exist."""
    add_user(runtime, "cv.qldl", "Trần Văn Khác", "QLDL", "specialist")
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    client = signed_in(app, username)
    for path in ("", "/diagram.xml", "/progress.json"):
        assert client.get(f"/cases/{r.case_id}{path}").status_code == 404, path
        assert client.get(f"/cases/999999{path}").status_code == 404, path


def test_a_child_instance_id_is_not_a_case(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """A unit's part is reached through its case, never on its own (even by the director)."""
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    child = _children(runtime, r.case_id or 0)["BTLS"]
    client = signed_in(app, "giamdoc")
    assert client.get(f"/cases/{child}").status_code == 404
    assert client.get(f"/cases/{r.case_id}?instance={child}").status_code == 200
    assert client.get(f"/cases/{r.case_id}/diagram.xml?instance=999999").status_code == 404


def test_the_diagram_is_the_exact_version_the_case_runs_on(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """diagram.xml is the stored BPMN of the case's process definition, served as XML."""
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    with session_of(runtime) as session:
        instance = session.get_one(ProcessInstance, r.case_id)
        xml = session.get_one(ProcessDefinition, instance.definition_id).bpmn_xml
    response = signed_in(app, "cv.hvd").get(f"/cases/{r.case_id}/diagram.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data(as_text=True) == xml


def test_progress_lists_finished_and_waiting_steps_from_the_task_rows(
    app: Flask, r: Rehearsal, runtime: Runtime
) -> None:
    """Before issue: finished user tasks (and the scripts between them) are completed; the waiting one is current."""
    scenario.register_and_instruct(r)
    r.at("2023-03-07 09:00")
    r.do(scenario.SPECIALIST, "draft", case.draft())
    client = signed_in(app, "vanthu")
    progress = json.loads(client.get(f"/cases/{r.case_id}/progress.json").get_data(as_text=True))
    with session_of(runtime) as session:
        rows = session.execute(select(TaskRow.spec_name, TaskRow.state).where(TaskRow.instance_id == r.case_id)).all()
    assert {name for name, state in rows if state == "ready"} == set(progress["current"]) == {"review_content"}
    assert {name for name, state in rows if state == "completed"} == {"register_incoming", "instruct", "draft"}
    assert {"register_incoming", "instruct", "draft"} <= set(progress["completed"])
    # What ran by itself in between: the start, the settings, the arrival register, the merge before the draft.
    assert {"incoming_received", "load_settings", "record_arrival", "draft_merge"} <= set(progress["completed"])
    # Nothing not yet reached.
    assert not {"sign", "issue", "distribute", "completed"} & set(progress["completed"])


def test_progress_during_distribution_and_at_the_end(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """While units work, the distribution is current; a unit's own diagram shows its own steps."""
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    client = signed_in(app, "giamdoc")
    progress = client.get(f"/cases/{r.case_id}/progress.json").get_json()
    assert progress["current"] == ["distribute"]
    assert {"sign", "issue", "number_directive", "publish"} <= set(progress["completed"])
    museum = _children(runtime, r.case_id or 0)["BTLS"]
    r.at("2023-03-09 15:00")
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    unit = client.get(f"/cases/{r.case_id}/progress.json?instance={museum}").get_json()
    assert unit == {"completed": sorted(unit["completed"]), "current": ["report"]}
    assert {"directive_received", "prepare", "acknowledge", "arm_deadline"} <= set(unit["completed"])


def test_the_vendor_route_serves_the_bpmn_viewer_and_nothing_else(app: Flask) -> None:
    """bpmn-js comes from node_modules (npm ci); only its viewer and style sheets, never a path outside them."""
    client = app.test_client()
    viewer = client.get("/vendor/bpmn-js/bpmn-viewer.production.min.js")
    if viewer.status_code == 404:
        pytest.skip("bpmn-js is not installed: run `make install` (npm ci)")
    assert viewer.status_code == 200 and b"BpmnJS" in viewer.get_data()
    viewer.close()
    css = client.get("/vendor/bpmn-js/assets/diagram-js.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()
    for path in (
        "../package.json",
        "assets/../../package.json",
        "assets/%2e%2e/%2e%2e/package.json",
        "bpmn-modeler.production.min.js",
        "..%2fbpmn-viewer.development.js",
        "/etc/passwd",
    ):
        response = client.get(f"/vendor/bpmn-js/{path}", follow_redirects=True)
        assert response.status_code == 404, path
        assert b"directive-flow-frontend" not in response.get_data() and b"root:" not in response.get_data()


def _one_unit_finished(r: Rehearsal) -> None:
    """The museum acknowledges, reports and is accepted; the worker resumes the case for it."""
    r.at("2023-03-09 15:00")
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    r.at("2023-03-15 10:00")
    r.do("cb.btls", "report", case.unit_report(0, "2023-03-15"), unit="BTLS")
    r.at("2023-03-16 09:00")
    r.do(scenario.SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit="BTLS")
    r.tick()


def test_the_directive_stays_on_the_page_after_a_unit_finished(app: Flask, r: Rehearsal) -> None:
    """Once one unit's part has ended and the others still work, the page still shows the whole directive."""
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    _one_unit_finished(r)
    html = signed_in(app, "giamdoc").get(f"/cases/{r.case_id}").get_data(as_text=True)
    assert "Ban Tuyên giáo Tỉnh ủy" in html and "Phan Văn Hòa" in html and "01/SVHTTDL-QLVHGĐ" in html
    # Basis, introduction, the numbered tasks and the closing, as the letter prints them.
    assert html.count('<p class="letter-text">') == len(case.TASKS) + 3
    assert "Thực hiện tại đơn vị: 1/7 đơn vị đã xong" in html


def test_case_data_survives_a_finished_unit_part(r: Rehearsal, runtime: Runtime) -> None:
    """Engine.data of the case keeps the case's data while the other units still work."""
    draft_returned_then_issued(r, groups=["don_vi_truc_thuoc_so"])
    assert instance_data(runtime, r.case_id or 0)["incoming_number"] == "2104-CV/BTGTU"
    _one_unit_finished(r)
    assert instance_data(runtime, r.case_id or 0)["incoming_number"] == "2104-CV/BTGTU"
