"""The return loops of the lifecycle: content check, signature, format check and the report's signature."""

from __future__ import annotations

from datetime import datetime

from engine.clock import ManualClock
from engine.models import TaskRow
from tests.workflows.lifecycle_helpers import (
    CheckedRehearsal,
    all_units_report,
    officer_of,
    rehearsal,
    run_to_issue,
    session_of,
    set_setting,
    tasks,
)
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.queries import issued_by
from workflows.directive.scenario import CLERK, HEAD, SIGNER, SPECIALIST
from workflows.orgchart.directory import OrgDirectory

SIGN_COMMENT = "Đề nghị nêu rõ thời hạn báo cáo kết quả trong phần kết."
FORMAT_COMMENT = "Sai thể thức: trích yếu phải bắt đầu bằng “V/v”; căn lề Nơi nhận."
REPORT_COMMENT = "Bổ sung đánh giá về các đơn vị chậm báo cáo."
APPROVE = {"decision": "approve", "comment": ""}
SIGN = {"decision": "sign", "comment": ""}


def _ready(r: CheckedRehearsal) -> list[str]:
    """The steps of the case waiting for someone now."""
    return [t.spec_name for t in r.pending()]


def _may_do(runtime: Runtime, username: str, row: TaskRow) -> bool:
    """Whether the org chart lets this user take the task (its role in its unit, or assigned to them)."""
    if row.assignee:
        return row.assignee == username
    with session_of(runtime) as session:
        return (
            row.role is not None
            and row.candidate_unit is not None
            and OrgDirectory(session).may_act(username, row.role, row.candidate_unit)
        )


def _to_content_check(r: CheckedRehearsal) -> None:
    scenario.register_and_instruct(r)
    r.at("2023-03-07 09:00")
    r.do(SPECIALIST, "draft", case.draft())


def test_content_return_sends_the_draft_back_with_the_comment(runtime: Runtime, clock: ManualClock) -> None:
    """Returned by the head of division, the draft comes back to the specialist with the comment."""
    r = rehearsal(runtime, clock)
    _to_content_check(r)
    r.at("2023-03-07 14:00")
    r.do(HEAD, "review_content", {"decision": "return", "comment": scenario.RETURN_COMMENT})
    drafts = tasks(runtime, r.case_id or 0, "draft")
    assert [t.state for t in drafts] == ["completed", "ready"]
    assert _may_do(runtime, SPECIALIST, drafts[1])
    assert not _may_do(runtime, HEAD, drafts[1])
    assert r.data()["comment"] == scenario.RETURN_COMMENT
    assert _ready(r) == ["draft"]


def test_signature_return_goes_back_to_draft_then_content_check(runtime: Runtime, clock: ManualClock) -> None:
    """Returned at signature, the draft is redone and read again by the head before the leader signs."""
    r = rehearsal(runtime, clock)
    _to_content_check(r)
    r.do(HEAD, "review_content", APPROVE)
    r.at("2023-03-08 08:00")
    r.do(SIGNER, "sign", {"decision": "return", "comment": SIGN_COMMENT})
    assert _ready(r) == ["draft"]
    assert r.data()["comment"] == SIGN_COMMENT
    r.do(SPECIALIST, "draft", case.draft())
    assert _ready(r) == ["review_content"]
    r.do(HEAD, "review_content", APPROVE)
    [sign] = r.pending("sign")
    assert sign.assignee == SIGNER
    r.do(SIGNER, "sign", SIGN)
    assert _ready(r) == ["issue"]
    assert [t.decision for t in tasks(runtime, r.case_id or 0, "sign")] == ["return", "sign"]
    assert len(tasks(runtime, r.case_id or 0, "review_content")) == 2


def test_format_check_when_configured_is_done_by_the_office(runtime: Runtime, clock: ManualClock) -> None:
    """With format checks required, the office (vp.thethuc) checks form; a return goes back to draft."""
    set_setting(runtime, "format_check_required", True)
    r = rehearsal(runtime, clock)
    _to_content_check(r)
    r.do(HEAD, "review_content", APPROVE)
    [check] = r.pending("check_format")
    assert (check.role, check.candidate_unit) == ("office", "VP")
    assert _may_do(runtime, "vp.thethuc", check)
    assert not _may_do(runtime, HEAD, check)
    r.at("2023-03-08 08:00")
    r.do("vp.thethuc", "check_format", {"decision": "return", "comment": FORMAT_COMMENT})
    assert _ready(r) == ["draft"]
    assert r.data()["comment"] == FORMAT_COMMENT
    r.at("2023-03-08 10:00")
    r.do(SPECIALIST, "draft", case.draft())
    r.do(HEAD, "review_content", APPROVE)
    r.do("vp.thethuc", "check_format", APPROVE)
    assert _ready(r) == ["sign"]
    assert [t.decision for t in tasks(runtime, r.case_id or 0, "check_format")] == ["return", "approve"]


def test_without_format_check_the_draft_goes_straight_to_signature(runtime: Runtime, clock: ManualClock) -> None:
    """By default (format_check_required false) nobody is asked to check form."""
    r = rehearsal(runtime, clock)
    _to_content_check(r)
    r.do(HEAD, "review_content", APPROVE)
    assert _ready(r) == ["sign"]
    assert tasks(runtime, r.case_id or 0, "check_format") == []


def test_report_signature_return_goes_back_to_consolidation(runtime: Runtime, clock: ManualClock) -> None:
    """A report returned at signature comes back to the specialist's consolidation, then is issued."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    all_units_report(r, units, officer_of(runtime))
    r.at("2023-03-28 09:00")
    report = {"report_subject": "Kết quả thực hiện Công văn số 2104-CV/BTGTU", "report_body": "Số liệu kèm theo."}
    r.do(SPECIALIST, "consolidate", report)
    r.do(SIGNER, "sign_report", {"decision": "return", "comment": REPORT_COMMENT})
    assert _ready(r) == ["consolidate"]
    assert r.data()["comment"] == REPORT_COMMENT
    assert r.data()["report_totals"]["units_reported"] == len(units)
    r.do(SPECIALIST, "consolidate", {**report, "report_body": "Số liệu kèm theo; không đơn vị nào chậm."})
    r.do(SIGNER, "sign_report", SIGN)
    r.do(CLERK, "issue_report", {"issue_note": ""})
    assert _ready(r) == []
    assert r.data()["report_number"] == "02/BC-SVHTTDL"
    assert [t.state for t in tasks(runtime, r.case_id or 0, "consolidate")] == ["completed", "completed"]


def test_director_signing_himself_has_no_capacity_mark(runtime: Runtime, clock: ManualClock) -> None:
    """When the director signs, the directive carries no "KT." (he signs in his own name)."""
    r = rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", case.INCOMING)
    r.do("giamdoc", "instruct", {**case.INSTRUCTION, "signer": "giamdoc"})
    r.do(SPECIALIST, "draft", case.draft())
    r.do(HEAD, "review_content", APPROVE)
    [sign] = r.pending("sign")
    assert sign.assignee == "giamdoc"
    r.do("giamdoc", "sign", SIGN)
    r.at("2023-03-09 08:00")
    r.do(CLERK, "issue", {"issue_note": ""})
    with session_of(runtime) as session:
        [directive] = issued_by(session, r.case_id or 0)
    assert (directive.signer_username, directive.signer_capacity) == ("giamdoc", None)
    assert directive.issued_date == datetime(2023, 3, 9).date()
    assert r.data()["directive"]["capacity"] is None
