"""The pages of any directive: the draft defines the report, the unit's form is built from it, a new directive."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.web.task_helpers import draft_changes, field_block, form_values, ready, submit, task_row
from tests.workflows import directive_kinds as kind
from tests.workflows.lifecycle_helpers import (
    CheckedRehearsal,
    child_of,
    instance_data,
    officer_of,
    rehearsal,
    session_of,
)
from web.core.composition import Runtime
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.groups import addressee_lines, resolve_recipients

Login = Callable[[str], FlaskClient]


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> CheckedRehearsal:
    """A rehearsal on the application's database and clock."""
    return rehearsal(runtime, clock)


def _unit_names(runtime: Runtime, codes: list[str]) -> list[str]:
    with session_of(runtime) as session:
        directory = OrgDirectory(session)
        return [unit.name for code in codes if (unit := directory.unit(code)) is not None]


def _cases(runtime: Runtime) -> int:
    with session_of(runtime) as session:
        return int(session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)


def test_the_drafter_defines_figures_and_questions_on_the_draft_page(
    login: Login, r: CheckedRehearsal, runtime: Runtime
) -> None:
    kind.register_and_instruct(r)
    r.at("2023-05-09 09:00")
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Yêu cầu đơn vị báo cáo" in page and "Mẫu báo cáo" in page and "Nhóm ghi tên từng đơn vị" in page
    changes = draft_changes({**kind.draft(), "report_deadline": ""})
    changes.update(
        {
            "report_figures.0.label": "Số buổi đọc sách",
            "report_figures.0.unit": "buổi",
            "report_figures.1.label": "Số lượt bạn đọc",
            "report_figures.1.unit": "lượt",
            "report_figures.1.name": "Lượt đọc",
            "report_questions.0.text": "Khó khăn, vướng mắc",
        }
    )
    refused = submit(client, task.id, changes)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Cần nhập hạn báo cáo khi yêu cầu đơn vị báo cáo." in field_block(html, "f-report_deadline")
    assert "Chỉ dùng chữ thường không dấu" in html and 'href="#f-report_figures-1-name"' in html
    assert form_values(html)["report_figures.0.label"] == "Số buổi đọc sách"  # what was typed is kept
    assert task_row(runtime, task.id).state == "ready"  # nothing stored

    changes.update({"report_deadline": "2023-05-26", "report_figures.1.name": "readers"})
    changes["named_groups"] = [kind.GROUP]
    assert submit(client, task.id, changes).status_code == 302
    data = r.data()
    assert data["report_figures"] == [
        {"label": "Số buổi đọc sách", "unit": "buổi", "name": "figure_1", "label_en": ""},
        {"label": "Số lượt bạn đọc", "unit": "lượt", "name": "readers", "label_en": ""},
    ]
    assert data["report_questions"] == [{"text": "Khó khăn, vướng mắc", "required": "yes", "name": "question_1"}]
    assert data["named_groups"] == [kind.GROUP]


def test_a_directive_without_a_report_is_drafted_on_the_page(
    login: Login, r: CheckedRehearsal, runtime: Runtime
) -> None:
    kind.register_and_instruct(r)
    r.at("2023-05-09 09:00")
    task = ready(runtime, r.case_id or 0, "draft")
    client = login("cv.hvd")
    changes = draft_changes({**kind.draft(), "report_deadline": ""})
    changes.update(report_required="no", close_by="2023-05-20")  # a Saturday
    refused = submit(client, task.id, changes)
    assert refused.status_code == 422
    assert "là ngày nghỉ" in field_block(refused.get_data(as_text=True), "f-close_by")
    changes["close_by"] = "2023-05-19"
    assert submit(client, task.id, changes).status_code == 302
    data = r.data()
    assert (data["report_required"], data["close_by"], data["report_deadline"]) == ("no", "2023-05-19", None)


def test_the_units_report_page_is_built_from_the_directive_and_refuses_bad_figures(
    login: Login, r: CheckedRehearsal, runtime: Runtime
) -> None:
    kind.register_and_instruct(r)
    drafted = kind.draft(report_deadline="2023-05-26", report_figures=kind.FIGURES, report_questions=kind.QUESTIONS)
    units = kind.approve_sign_issue(r, drafted)
    unit = units[0]
    officer = officer_of(runtime)(unit)
    r.at("2023-05-11 09:00")
    r.do(officer, "acknowledge", {"acknowledge_note": ""}, unit=unit)
    task = ready(runtime, r.case_id or 0, "report", unit=unit)
    client = login(officer)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Số buổi đọc sách" in page and "Số lượt bạn đọc tham gia" in page and "Khó khăn, vướng mắc" in page
    assert "Số tin, bài" not in page  # not this directive's figures
    values = form_values(page)
    assert {"figures.reading_sessions", "figures.figure_2", "answers.question_1", "answers.question_2"} <= set(values)

    bad = {"figures.reading_sessions": "-2", "figures.figure_2": "30", "narrative": "Đã tổ chức."}
    refused = submit(client, task.id, bad)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Phải là số nguyên không âm." in field_block(html, "f-figures-reading_sessions")
    assert "Không được để trống." in field_block(html, "f-answers-question_1")
    assert task_row(runtime, task.id).state == "ready"
    assert "report_number" not in instance_data(runtime, child_of(runtime, r.case_id or 0, unit).id)

    good = {**bad, "figures.reading_sessions": "3", "answers.question_1": "Thiếu sách thiếu nhi."}
    assert submit(client, task.id, good).status_code == 302
    stored = instance_data(runtime, child_of(runtime, r.case_id or 0, unit).id)
    assert stored["figures"] == {"reading_sessions": 3, "figure_2": 30}
    assert stored["answers"] == {"question_1": "Thiếu sách thiếu nhi.", "question_2": ""}
    review = ready(runtime, r.case_id or 0, "review_report", unit=unit)
    review_page = login("cv.hvd").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "Thiếu sách thiếu nhi." in review_page and "Số buổi đọc sách" in review_page
    # The case page names the directive's own figures by their labels too, not by their keys.
    child_id = child_of(runtime, r.case_id or 0, unit).id
    case_page = login("cv.hvd").get(f"/cases/{r.case_id}?instance={child_id}").get_data(as_text=True)
    figures = case_page[case_page.index('class="figures"') :]
    assert "Số buổi đọc sách" in figures and "reading_sessions" not in figures


def test_a_specialist_starts_a_directive_of_the_agencys_own_initiative(login: Login, runtime: Runtime) -> None:
    clerk = login("vanthu")
    assert "Soạn công văn mới" not in clerk.get("/").get_data(as_text=True)
    assert clerk.get("/directives/new").status_code == 403

    client = login("cv.hvd")
    assert 'href="/directives/new"' in client.get("/").get_data(as_text=True)
    page = client.get("/directives/new").get_data(as_text=True)
    values = form_values(page)
    assert values["lead_division"] == kind.LEAD  # the specialist's own division, the only one offered
    before = _cases(runtime)
    missing = client.post("/directives/new", data={**values, "signer": "pgd.hoa", "handling_deadline": "2023-03-10"})
    assert missing.status_code == 422
    assert "Không được để trống." in field_block(missing.get_data(as_text=True), "f-draft_subject") or (
        "Trường bắt buộc." in field_block(missing.get_data(as_text=True), "f-draft_subject")
    )
    foreign = {**values, "draft_subject": "Kiểm tra thiết chế văn hóa", "signer": "pgd.hoa"}
    foreign.update(handling_deadline="2023-03-10", lead_division="VP")
    assert client.post("/directives/new", data=foreign).status_code == 422
    assert _cases(runtime) == before  # nothing opened

    subject = "Kiểm tra công tác phòng cháy tại các thiết chế văn hóa"
    started = client.post(
        "/directives/new",
        data={**values, "draft_subject": subject, "signer": "pgd.hoa", "handling_deadline": "2023-03-10"},
    )
    assert started.status_code == 302 and started.headers["Location"].startswith("/tasks/")
    task_id = started.headers["Location"].rsplit("/", 1)[1]
    row = task_row(runtime, task_id)
    assert (row.spec_name, row.assignee, row.candidate_unit) == ("draft", "cv.hvd", kind.LEAD)
    draft_page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert form_values(draft_page)["draft_subject"] == subject
    with session_of(runtime) as session:
        case = session.get(ProcessInstance, row.case_id)
        assert case is not None and case.title == subject


def test_a_division_head_starts_one_for_the_divisions_specialists(login: Login, runtime: Runtime) -> None:
    client = login("tp.qlvhgd")
    values = form_values(client.get("/directives/new").get_data(as_text=True))
    data = {**values, "draft_subject": "Rà soát di tích", "signer": "pgd.hoa", "handling_deadline": "2023-03-10"}
    started = client.post("/directives/new", data=data)
    assert started.status_code == 302 and started.headers["Location"] == "/"
    specialist = login("cv.hvd").get("/").get_data(as_text=True)
    assert "Rà soát di tích" in specialist and "Dự thảo công văn" in specialist


def test_kinh_gui_names_a_group_or_every_unit_in_it_as_the_drafter_chose(
    login: Login, r: CheckedRehearsal, runtime: Runtime
) -> None:
    kind.register_and_instruct(r)
    r.at("2023-05-09 09:00")
    with session_of(runtime) as session:
        units = resolve_recipients(session, [kind.GROUP], r.clock.now().date())
        group_line, district_line = addressee_lines(session, [kind.GROUP, "phong_vhtt"])
    names = _unit_names(runtime, units)
    collective = kind.draft(report_deadline="2023-05-26", recipient_groups=[kind.GROUP, "phong_vhtt"])
    r.do("cv.hvd", "draft", collective)
    client = login("cv.hvd")
    page = client.get(f"/cases/{r.case_id}/documents/cong-van").get_data(as_text=True)
    assert group_line in page and district_line in page
    assert not any(name in page for name in names)

    r.do("tp.qlvhgd", "review_content", {"decision": "return", "comment": "Ghi tên từng đơn vị trực thuộc."})
    r.do("cv.hvd", "draft", {**collective, "named_groups": [kind.GROUP]})
    page = client.get(f"/cases/{r.case_id}/documents/cong-van").get_data(as_text=True)
    assert all(name in page for name in names)  # the group unit by unit
    assert group_line not in page
    assert district_line in page  # the other group still named as a group
