"""One case's timeline: the auditor reads every step with who did it in which role and unit, the
decision and comment, what each submission changed, the earlier drafts as they were, and the
diagram as it stood after a chosen step; those who see only part of the case, or none, do not."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, TaskRow
from tests.web.audit.conftest import INVENTED_AUDITOR, drafted_standing_in, returned_in_invented
from tests.web.case_helpers import XSS_COMMENT, signed_in
from tests.web.conftest import csrf_token
from tests.workflows.lifecycle_helpers import all_units_report, officer_of, rehearsal, run_to_issue, session_of
from web.cases.case_access import agency_code as case_access_agency
from web.core.composition import Runtime, engine_transactions
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.models import Unit
from workflows.registers.numbering import SEQUENCE_OUTGOING, set_starting_number

AUDITOR = "kiemtra"


@pytest.fixture
def r(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """The reference case up to its issue, the first draft returned (without the fourth task) and redrafted."""
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=True)
    scenario.issue(r)
    return r


def _completions(runtime: Runtime, case_id: int, step: str) -> list[int]:
    with session_of(runtime) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.tag == "engine:task:completed")
        )
        return [e.id for e in events if e.after.get("task") == step and e.instance_id == case_id]


def test_the_auditor_reads_every_step_and_what_the_redraft_changed(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """The head's return with its comment, the specialist's role and division, the fourth task added
    by the redraft (word by word) and the process version are on the page."""
    case_id = r.case_id or 0
    client = signed_in(app, AUDITOR)
    assert f"/cases/{case_id}/timeline" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    page = client.get(f"/cases/{case_id}/timeline").get_data(as_text=True)
    assert "Trả lại" in page and scenario.RETURN_COMMENT in page
    assert "Chuyên viên" in page and "Phòng Quản lý Văn hóa" in page
    assert "directive_lifecycle · phiên bản 1" in page
    assert "Công văn · bản 1" in page and "Công văn · bản 2" in page
    assert f"/cases/{case_id}/timeline.pdf" in page and f"/cases/{case_id}/timeline.docx" in page
    inserted = re.findall(r"<ins>(.*?)</ins>", page, re.S)
    assert any(case.TASKS[3].split()[0] in piece for piece in inserted), inserted
    assert page.count('class="moment') >= 10


def test_each_draft_opens_as_it_was_and_two_drafts_compare(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """The first draft lacks the fourth task, the second has it; comparing them marks it inserted."""
    case_id = r.case_id or 0
    first, second = _completions(runtime, case_id, "draft")
    client = signed_in(app, AUDITOR)
    old = client.get(f"/cases/{case_id}/timeline/versions/{first}").get_data(as_text=True)
    new = client.get(f"/cases/{case_id}/timeline/versions/{second}").get_data(as_text=True)
    assert case.TASKS[3][:40] not in old and case.TASKS[3][:40] in new
    assert case.SUBJECT in old
    compared = client.get(f"/cases/{case_id}/timeline", query_string={"a": first, "b": second})
    section = compared.get_data(as_text=True).split('id="compare"', 1)[1].split("</section>", 1)[0]
    assert 'data-field="draft_tasks"' in section and "<ins>" in section
    assert client.get(f"/cases/{case_id}/timeline/versions/{first + 1}").status_code == 404


def test_the_diagram_as_of_a_chosen_step(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """Right after the first draft the content review waits; after the issue, both are done and the units work."""
    case_id = r.case_id or 0
    first_draft = _completions(runtime, case_id, "draft")[0]
    client = signed_in(app, AUDITOR)
    then = client.get(f"/cases/{case_id}/timeline/progress.json", query_string={"upto": first_draft}).get_json()
    assert "draft" in then["completed"] and then["current"] == ["review_content"]
    assert "issue" not in then["completed"]
    now = client.get(f"/cases/{case_id}/timeline/progress.json").get_json()
    assert {"draft", "review_content", "sign", "issue"} <= set(now["completed"])
    page = client.get(f"/cases/{case_id}/timeline", query_string={"upto": first_draft}).get_data(as_text=True)
    assert f"upto={first_draft}" in page and 'class="moment chosen"' in page


def test_administrative_actions_carry_actor_and_reason(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """A suspension and its resumption by the administrator show who did them and why, set apart as administrative."""
    case_id = r.case_id or 0
    with engine_transactions(runtime)() as engine:
        engine.suspend(case_id, "quantri", "Chờ ý kiến Giám đốc")
    with engine_transactions(runtime)() as engine:
        engine.resume(case_id, "quantri")
    page = signed_in(app, AUDITOR).get(f"/cases/{case_id}/timeline").get_data(as_text=True)
    suspended = page.split('data-tag="engine:instance:suspended"', 1)[1].split("</li>", 1)[0]
    assert "Tạm dừng" in suspended and "Chờ ý kiến Giám đốc" in suspended and "Thao tác quản trị" in suspended


def test_only_those_who_see_the_whole_case_read_its_timeline(app: Flask, r: Rehearsal, runtime: Runtime) -> None:
    """A unit's officer (who sees only its part) is told there is no such page and finds no link to it;
    the administrator and the supervisor read it."""
    case_id = r.case_id or 0
    officer = signed_in(app, "cb.btls")
    assert officer.get(f"/cases/{case_id}").status_code == 200
    assert f"/cases/{case_id}/timeline" not in officer.get(f"/cases/{case_id}").get_data(as_text=True)
    assert officer.get(f"/cases/{case_id}/timeline").status_code == 404
    assert officer.get(f"/cases/{case_id}/timeline/progress.json").status_code == 404
    for username in ("quantri", "giamsat"):
        assert signed_in(app, username).get(f"/cases/{case_id}/timeline").status_code == 200, username


# -- an invented organisation (its auditor: tests/web/audit/conftest.py) ----------------------------


def test_in_an_invented_organisation_its_auditor_reads_the_timeline_and_changes_nothing(
    invented_app: tuple[Flask, Runtime], clock: ManualClock
) -> None:
    """The invented Sở's auditor reads its head's return in its own names, and cannot complete the redraft."""
    app, runtime = invented_app
    r = returned_in_invented(runtime, clock, "Bổ sung thời hạn báo cáo.")
    case_id = r.case_id or 0
    client = signed_in(app, INVENTED_AUDITOR)
    page = client.get(f"/cases/{case_id}/timeline").get_data(as_text=True)
    assert "Bổ sung thời hạn báo cáo." in page and "Phòng Trồng trọt" in page
    assert "Lạng Sơn" not in page and "VHTTDL" not in page
    with session_of(runtime) as session:
        redraft = session.scalars(select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.state == "ready")).one()
    refused = client.post(f"/tasks/{redraft.id}", data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 403 and "Chỉ được xem" in refused.get_data(as_text=True)


def test_what_people_typed_is_shown_as_text(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    """A comment and a draft's text carrying markup are written on the timeline as text, never run."""
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    r.do(scenario.SPECIALIST, "draft", {**case.draft(), "draft_intro": "<b>Mở đầu</b> " + case.INTRO})
    r.do(scenario.HEAD, "review_content", {"decision": "return", "comment": XSS_COMMENT})
    r.do(scenario.SPECIALIST, "draft", case.draft())
    page = signed_in(app, AUDITOR).get(f"/cases/{r.case_id}/timeline").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    assert "<b>Mở đầu</b>" not in page and "&lt;b&gt;Mở đầu&lt;/b&gt;" in page


def test_numbering_changes_and_units_parts_show_on_the_case_of_their_time(
    app: Flask, runtime: Runtime, clock: ManualClock
) -> None:
    """The administrator starts the year's outgoing numbers at 120 while the case runs: the timeline
    shows who did it and the number; each unit's part starts under its unit's name."""
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    with session_of(runtime) as session:
        set_starting_number(
            session,
            agency_code=case_access_agency(session),
            sequence_key=SEQUENCE_OUTGOING,
            year=2023,
            first_number=120,
            actor="quantri",
            at=clock.now(),
        )
    scenario.draft_and_approve(r, return_once=False)
    scenario.issue(r)
    page = signed_in(app, AUDITOR).get(f"/cases/{r.case_id}/timeline").get_data(as_text=True)
    numbering = page.split('data-tag="workflows:register:starting_number_set"', 1)[1].split("</li>", 1)[0]
    assert "Đặt số bắt đầu của sổ" in numbering and "Ngô Đức Thắng" in numbering and "first_number: 120" in numbering
    with session_of(runtime) as session:
        museum = session.scalars(select(Unit.name).where(Unit.code == "BTLS")).one()
    assert f"Bắt đầu quy trình</strong> · {museum}" in page


def test_a_substitutes_step_names_whom_it_was_done_for(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    """The head of division drafts while standing in for the absent specialist: the timeline names both."""
    r, today = drafted_standing_in(runtime, clock)
    page = signed_in(app, AUDITOR).get(f"/cases/{r.case_id}/timeline").get_data(as_text=True)
    drafted = page.split('data-tag="engine:task:completed"')[3].split("</li>", 1)[0]
    assert "Dự thảo công văn" in drafted and "Đỗ Quang Minh" in drafted
    assert "(thay Hoàng Văn Đức)" in drafted and "vai trò Chuyên viên" in drafted
    named = page.split('data-tag="workflows:substitution:named"', 1)[1].split("</li>", 1)[0]
    assert "Cử người làm thay" in named and "Nghỉ phép" in named
    # The substitution in words: the two people by name and the days, never the event's raw fields.
    assert "<dt>Người vắng</dt><dd>Hoàng Văn Đức" in named and "<dt>Người làm thay</dt><dd>Đỗ Quang Minh" in named
    assert f"{today:%d/%m/%Y} – {today:%d/%m/%Y}" in named
    assert "absent:" not in named and scenario.SPECIALIST not in named


def test_the_report_upward_opens_as_it_was_submitted(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    """Every unit reported and the specialist consolidated: the report's version opens with the assessment."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    all_units_report(r, units, officer_of(runtime))
    scenario.report_upward(r)
    client = signed_in(app, AUDITOR)
    page = client.get(f"/cases/{r.case_id}/timeline").get_data(as_text=True)
    assert "Báo cáo · bản 1" in page
    (consolidated,) = _completions(runtime, r.case_id or 0, "consolidate")
    report = client.get(f"/cases/{r.case_id}/timeline/versions/{consolidated}")
    assert report.status_code == 200 and scenario.ASSESSMENT[:40] in report.get_data(as_text=True)
