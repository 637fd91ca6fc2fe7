"""The task page: each officer of the reference case does their step in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from engine.clock import ManualClock
from engine.models import ProcessInstance, TaskRow
from tests.web.conftest import csrf_token
from tests.web.task_helpers import (
    audit_events,
    draft_changes,
    field_block,
    fill,
    form_values,
    ready,
    submit,
    task_row,
)
from tests.workflows.lifecycle_helpers import instance_data, rehearsal, run_to_issue, session_of
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

Login = Callable[[str], FlaskClient]


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal of the reference case on the application's database and clock."""
    return rehearsal(runtime, clock)


def _register(client: FlaskClient, changes: Mapping[str, Any]) -> TestResponse:
    """The clerk opens Tiếp nhận văn bản đến, types the letter in and presses Hoàn thành."""
    page = client.get("/incoming/new")
    assert page.status_code == 200
    values = fill(form_values(page.get_data(as_text=True)), changes)
    return client.post("/incoming/new", data=values)


def _cases(runtime: Runtime) -> int:
    with session_of(runtime) as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def test_clerk_registers_a_new_incoming_letter(login: Login, runtime: Runtime) -> None:
    """The clerk types the letter in from the menu; the case opens with it, and the arrival number is given."""
    client = login("vanthu")
    assert "Tiếp nhận văn bản đến" in client.get("/").get_data(as_text=True)
    page = client.get("/incoming/new").get_data(as_text=True)
    assert "Cơ quan ban hành" in page and "Thượng khẩn" in page
    assert form_values(page)["incoming_received_date"] == "2023-03-06"
    assert form_values(page)["urgency"] == "thuong"

    response = _register(client, case.INCOMING)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    inbox = client.get("/").get_data(as_text=True)
    assert "Đã hoàn thành: Tiếp nhận văn bản đến" in inbox
    assert "số đến: 1." in inbox
    with session_of(runtime) as session:
        row = session.scalars(select(TaskRow).where(TaskRow.spec_name == "register_incoming")).one()
    assert (row.state, row.completed_by) == ("completed", "vanthu")
    data = instance_data(runtime, row.case_id)
    assert data["incoming_number"] == "2104-CV/BTGTU" and data["incoming_date"] == "2023-03-03"


def test_opening_the_page_and_leaving_opens_no_case(login: Login, runtime: Runtime) -> None:
    """A clerk who opens the form and walks away leaves nothing behind in anyone's inbox."""
    client = login("vanthu")
    assert client.get("/incoming/new").status_code == 200

    assert _cases(runtime) == 0


def test_director_instructs_from_lists_of_divisions_and_leaders(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The director picks the lead division and the signer from lists; the specialist then has the draft."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", case.INCOMING)
    task = ready(runtime, r.case_id or 0, "instruct")
    client = login("giamdoc")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "2104-CV/BTGTU" in page and "Ban Tuyên giáo Tỉnh ủy" in page
    assert '<option value="QLVHGD" >Phòng Quản lý Văn hóa và Gia đình</option>' in page
    assert "Phan Văn Hòa — Phó Giám đốc" in page
    assert 'type="checkbox" id="f-supporting_divisions"' in page

    response = submit(client, task.id, case.INSTRUCTION)
    assert response.status_code == 302
    assert task_row(runtime, task.id).completed_by == "giamdoc"
    inbox = login("cv.hvd").get("/").get_data(as_text=True)
    assert "Dự thảo công văn" in inbox
    draft = ready(runtime, r.case_id or 0, "draft")
    assert f"/tasks/{draft.id}" in inbox


def test_specialist_drafts_the_reference_directive(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The specialist types the reference directive in; it is stored exactly, spare rows ignored."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert form_values(page)["draft_subject"] == case.SUBJECT
    assert "Các đơn vị trực thuộc Sở" in page and 'name="cc.4.name"' in page
    assert "Giao Phòng QLVH&amp;GĐ chủ trì" in page  # the director's instruction

    response = submit(client, task.id, draft_changes(case.draft()))
    assert response.status_code == 302, response.get_data(as_text=True)
    data = instance_data(runtime, r.case_id or 0)
    for key, value in case.draft().items():
        assert data[key] == value, key
    assert ready(runtime, r.case_id or 0, "review_content")


def test_redraft_opens_with_the_previous_draft_and_the_return_comment(
    login: Login, r: Rehearsal, runtime: Runtime
) -> None:
    """After a return the specialist sees the head's comment and the last draft, ready to edit."""
    scenario.register_and_instruct(r)
    first = case.draft(tasks=case.TASKS[:3])
    r.do(scenario.SPECIALIST, "draft", first)
    r.do(scenario.HEAD, "review_content", {"decision": "return", "comment": scenario.RETURN_COMMENT})
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert scenario.RETURN_COMMENT in page and "Trả lại" in page and "Đỗ Quang Minh" in page
    assert form_values(page).getlist("recipient_groups") == case.RECIPIENT_GROUPS
    assert form_values(page)["cc.0.name"] == "Ban TG Tỉnh ủy LS"

    tasks = "\n".join([*case.TASKS[:3], case.TASKS[3]])
    assert submit(client, task.id, {"draft_tasks": tasks}).status_code == 302
    data = instance_data(runtime, r.case_id or 0)
    assert data["draft_tasks"] == case.TASKS[:4]
    assert data["cc"] == case.CC and data["draft_intro"] == case.INTRO


def test_bad_data_is_shown_at_each_field_and_what_was_typed_is_kept(login: Login, runtime: Runtime) -> None:
    """A blank issuer and an impossible date come back next to their fields, with the text kept; nothing is stored."""
    client = login("vanthu")
    typed = {**case.INCOMING, "incoming_issuer": "", "incoming_date": "2023-13-45", "incoming_subject": "Về việc thử"}
    response = _register(client, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert '<a href="#f-incoming_issuer">Cơ quan ban hành: Không được để trống.</a>' in page
    assert '<a href="#f-incoming_date">Ngày văn bản: Ngày không hợp lệ' in page
    issuer = field_block(page, "f-incoming_issuer")
    assert 'id="f-incoming_issuer-error"' in issuer and "Không được để trống." in issuer
    date_field = field_block(page, "f-incoming_date")
    assert "Ngày không hợp lệ (định dạng YYYY-MM-DD)." in date_field
    assert re.search(r'<input type="date" id="f-incoming_date"[^>]*value="2023-13-45"', page)
    assert re.search(r'id="f-incoming_date"[^>]*aria-describedby="f-incoming_date-error"', page)
    kept = form_values(page)
    assert kept["incoming_subject"] == "Về việc thử" and kept["incoming_number"] == "2104-CV/BTGTU"
    # The refusal rolled back the case it had started: no case, no task, no arrival number.
    assert _cases(runtime) == 0


def test_a_letter_cannot_arrive_tomorrow(login: Login, runtime: Runtime) -> None:
    """The clerk types tomorrow as "Ngày đến": refused at the field, nothing registered."""
    response = _register(login("vanthu"), {**case.INCOMING, "incoming_received_date": "2023-03-07"})
    assert response.status_code == 422
    assert "Ngày đến không được sau ngày hôm nay (06/03/2023)." in field_block(
        response.get_data(as_text=True), "f-incoming_received_date"
    )
    assert _cases(runtime) == 0


def test_errors_inside_lists_are_placed_at_their_row(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """A Nơi nhận row with a purpose but no name is flagged on that row's name box."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    changes = {**draft_changes(case.draft()), "cc.1.name": "", "cc.1.tag": "B/c", "recipient_groups": []}
    response = submit(client, task.id, changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Không được để trống." in field_block(page, "f-cc-1-name")
    assert '<a href="#f-cc-1-name">Nơi nhận khác › dòng 2 › Tên: Không được để trống.</a>' in page
    assert 'id="f-recipient_groups-error"' in page and "Cần ít nhất 1 mục." in page
    assert form_values(page)["cc.1.tag"] == "B/c"
    assert form_values(page).getlist("draft_tasks") == ["\n".join(case.TASKS)]


def test_a_return_without_comment_is_refused(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The head is told, next to the comment box, that returning a draft needs a comment."""
    scenario.register_and_instruct(r)
    r.do(scenario.SPECIALIST, "draft", case.draft())
    task = ready(runtime, r.case_id or 0, "review_content")
    client = login("tp.qlvhgd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Bắt buộc khi trả lại dự thảo" in field_block(page, "f-comment")
    assert "Dự thảo công văn" in page and case.TASKS[4][:40] in page  # the draft to review

    response = submit(client, task.id, {"decision": "return", "comment": ""})
    assert response.status_code == 422
    assert "Cần nhập ý kiến khi trả lại dự thảo." in field_block(response.get_data(as_text=True), "f-comment")
    assert task_row(runtime, task.id).state == "ready"


def test_a_comment_with_markup_is_shown_as_text(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """A comment containing <script> reaches the next step as plain text, never as a script."""
    scenario.register_and_instruct(r)
    r.do(scenario.SPECIALIST, "draft", case.draft())
    review = ready(runtime, r.case_id or 0, "review_content")
    client = login("tp.qlvhgd")
    comment = "<script>alert(1)</script> Đề nghị sửa mục 4."
    assert submit(client, review.id, {"decision": "return", "comment": comment}).status_code == 302
    redraft = ready(runtime, r.case_id or 0, "draft")
    page = login("cv.hvd").get(f"/tasks/{redraft.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Đề nghị sửa mục 4." in page
    assert "<script>alert" not in page


def test_handover_needs_a_reason_and_is_recorded(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """Handing the draft to a colleague asks for a reason; the colleague gets it and the trail keeps why."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert '<option value="cv.ntm" >Nguyễn Thị Mai — Chuyên viên</option>' in page
    assert '<option value="cv.hvd"' not in page
    token = csrf_token(page)

    refused = client.post(f"/tasks/{task.id}/handover", data={"csrf_token": token, "to_user": "cv.ntm", "reason": " "})
    assert refused.status_code == 422
    assert "Cần ghi lý do chuyển việc." in refused.get_data(as_text=True)
    assert task_row(runtime, task.id).assignee is None

    reason = "Đồng chí Đức đi công tác đến 10/3."
    done = client.post(f"/tasks/{task.id}/handover", data={"csrf_token": token, "to_user": "cv.ntm", "reason": reason})
    assert done.status_code == 302
    assert "Đã chuyển việc" in client.get("/").get_data(as_text=True)
    assert task_row(runtime, task.id).assignee == "cv.ntm"
    [event] = audit_events(runtime, task.id, "engine:task:reassigned")
    assert event.comment == reason and event.actor == "cv.hvd"
    assert f"/tasks/{task.id}" in login("cv.ntm").get("/").get_data(as_text=True)


def test_claim_and_release_from_the_task_page(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """The specialist takes the draft from its page and can give it back to the group."""
    scenario.register_and_instruct(r)
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'action="/tasks/{task.id}/claim"' in page
    claimed = client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf_token(page)})
    assert claimed.status_code == 302 and claimed.headers["Location"] == f"/tasks/{task.id}"  # to the task itself
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Bạn đã nhận việc này" in page and f'action="/tasks/{task.id}/release"' in page
    assert task_row(runtime, task.id).assignee == "cv.hvd"


def test_unit_officer_reports_with_figures(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """A unit officer reports figures and narrative; the specialist reviewing it reads them."""
    run_to_issue(r)
    r.do("cb.btls", "acknowledge", {"acknowledge_note": ""}, unit="BTLS")
    task = ready(runtime, r.case_id or 0, "report", unit="BTLS")
    client = login("cb.btls")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "01/SVHTTDL-QLVHGĐ" in page and "Số tin, bài" in page and "24/03/2023" in page
    assert form_values(page)["report_date"] == "2023-03-09"  # today, as the clerk issued it this morning

    bad = submit(client, task.id, {"figures.articles": "nhiều", "narrative": "Đã triển khai."})
    assert bad.status_code == 422
    assert "Phải là số nguyên." in field_block(bad.get_data(as_text=True), "f-figures-articles")

    report = case.unit_report(0, "2023-03-09")
    changes = {f"figures.{name}": value for name, value in report["figures"].items()}
    changes.update(report_number=report["report_number"], narrative=report["narrative"])
    assert submit(client, task.id, changes).status_code == 302
    child = task_row(runtime, task.id).instance_id
    assert instance_data(runtime, child)["figures"] == report["figures"]

    review = ready(runtime, r.case_id or 0, "review_report", unit="BTLS")
    review_page = login("cv.hvd").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "Báo cáo của đơn vị" in review_page and report["narrative"] in review_page


def test_the_page_in_english(login: Login, runtime: Runtime) -> None:
    """After choosing English, the form's labels and its error messages are English."""
    client = login("vanthu")
    page = client.get("/incoming/new").get_data(as_text=True)
    client.post("/lang/en", data={"csrf_token": csrf_token(page), "next": "/incoming/new"})
    english = client.get("/incoming/new").get_data(as_text=True)
    assert '<label for="f-incoming_issuer">Issuing body' in english
    assert "Document date" in english and "Cơ quan ban hành" not in english
    refused = _register(client, {**case.INCOMING, "incoming_issuer": ""})
    assert refused.status_code == 422 and "Must not be blank." in refused.get_data(as_text=True)


def test_letter_fields_with_markup_are_shown_as_text(login: Login, r: Rehearsal, runtime: Runtime) -> None:
    """An issuer typed with markup reaches the director's page as text, in the summary and the documents."""
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", {**case.INCOMING, "incoming_issuer": "<b>Ban</b> <script>x()</script>"})
    task = ready(runtime, r.case_id or 0, "instruct")
    page = login("giamdoc").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "&lt;b&gt;Ban&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page and "<b>Ban" not in page
