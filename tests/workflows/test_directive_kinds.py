"""Any directive, end to end: without a report, with a report of its own, and of the agency's own initiative."""

from __future__ import annotations

from typing import Any

import pytest

from engine.clock import ManualClock
from engine.errors import InvalidTaskData
from tests.workflows import directive_kinds as kind
from tests.workflows.lifecycle_helpers import (
    child_of,
    instance,
    instance_data,
    officer_of,
    rehearsal,
    session_of,
    tasks,
)
from web.core.composition import Runtime
from workflows.directive.case_documents import DIRECTIVE, case_document
from workflows.directive.queries import arrival_of, issued_by
from workflows.directive.scenario import SIGNER, SPECIALIST
from workflows.orgchart.directory import OrgDirectory


def _unit_names(runtime: Runtime, codes: list[str]) -> list[str]:
    with session_of(runtime) as session:
        directory = OrgDirectory(session)
        return [unit.name for code in codes if (unit := directory.unit(code)) is not None]


# --- A directive without a report ---------------------------------------------------------------


def test_a_directive_without_a_report_closes_when_every_unit_has_acknowledged(
    runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    units = kind.approve_sign_issue(r, kind.draft(report_required="no", report_deadline=None))
    assert units
    data = r.data()
    assert (data["report_required"], data["report_deadline"], data["report_figures"]) == ("no", None, [])
    officer = officer_of(runtime)

    r.at("2023-05-10 14:00")
    for unit in units[:-1]:
        r.do(officer(unit), "acknowledge_receipt", {"acknowledge_note": ""}, unit=unit)
    r.tick()
    case_id = r.case_id or 0
    assert instance(runtime, case_id).status == "running"  # one unit has still to acknowledge

    r.do(officer(units[-1]), "acknowledge_receipt", {"acknowledge_note": "Đã nhận."}, unit=units[-1])
    r.tick()
    assert instance(runtime, case_id).status == "completed"
    finished = r.data()
    assert (finished["acknowledged_units"], finished["unacknowledged_units"]) == (units, [])
    # No unit was asked for a report, and nobody consolidates one.
    assert tasks(runtime, case_id, "report") == []
    assert tasks(runtime, case_id, "consolidate") == []
    with session_of(runtime) as session:
        arrival = arrival_of(session, case_id)
        (directive,) = issued_by(session, case_id)
    assert arrival is not None
    # The directive itself is the reply that closes the incoming letter.
    assert (arrival.status, arrival.reply_notation) == ("closed", directive.notation)


def test_a_directive_without_a_report_closes_on_the_date_the_drafter_set(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    units = kind.approve_sign_issue(r, kind.draft(report_required="no", close_by="2023-05-19"))
    officer = officer_of(runtime)
    r.at("2023-05-11 09:00")
    r.do(officer(units[0]), "acknowledge_until", {"acknowledge_note": ""}, unit=units[0])
    r.at("2023-05-19 16:00")
    r.tick()
    case_id = r.case_id or 0
    assert instance(runtime, case_id).status == "running"  # the date has not ended yet

    r.at("2023-05-20 00:10")
    r.tick()
    assert instance(runtime, case_id).status == "completed"
    data = r.data()
    assert data["acknowledged_units"] == units[:1]
    assert data["unacknowledged_units"] == units[1:]
    assert [t.state for t in tasks(runtime, case_id, "acknowledge_until", units[1])] == ["cancelled"]


# --- A report of the directive's own --------------------------------------------------------------


def _report(index: int, **changes: Any) -> dict[str, Any]:
    return {
        "report_number": f"{20 + index}/BC",
        "report_date": "2023-05-22",
        "figures": {"reading_sessions": 2 + index, "figure_2": 40 + 10 * index},
        "answers": {"question_1": f"Thiếu đầu sách cho thiếu nhi ({index}).", "question_2": ""},
        "narrative": "Đơn vị đã tổ chức các buổi đọc sách tại thư viện và nhà văn hóa.",
        **changes,
    }


def _refused(r: Any, actor: str, unit: str, data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    with pytest.raises(InvalidTaskData) as caught:
        r.do(actor, "report", data, unit=unit)
    return {e.field: (e.code, e.message_vi) for e in caught.value.errors}


def test_a_report_of_the_directives_own_is_validated_against_it_and_summed(
    runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    drafted = kind.draft(report_deadline="2023-05-26", report_figures=kind.FIGURES, report_questions=kind.QUESTIONS)
    units = kind.approve_sign_issue(r, drafted)
    data = r.data()
    assert [f["name"] for f in data["report_figures"]] == ["reading_sessions", "figure_2"]
    assert [(q["name"], q["required"]) for q in data["report_questions"]] == [
        ("question_1", "yes"),
        ("question_2", "no"),
    ]
    officer = officer_of(runtime)
    r.at("2023-05-11 09:00")
    for unit in units:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)

    r.at("2023-05-22 10:00")
    first = units[0]
    wrong = _report(0, figures={"reading_sessions": -1, "articles": 3}, answers={"question_2": "Không"})
    errors = _refused(r, officer(first), first, wrong)
    assert errors == {
        "figures.reading_sessions": ("non_negative", "Phải là số nguyên không âm."),
        "figures.articles": ("unknown_field", "Trường không có trong biểu mẫu."),
        "answers.question_1": ("required", "Trường bắt buộc."),
    }
    blank = _refused(r, officer(first), first, _report(0, answers={"question_1": " "}))
    assert blank == {"answers.question_1": ("blank", "Không được để trống.")}
    # Nothing of the refused reports was kept: the task waits, the unit's data has no report.
    assert len(r.pending("report", first)) == 1
    assert "report_number" not in instance_data(runtime, child_of(runtime, r.case_id or 0, first).id)

    for index, unit in enumerate(units):
        r.do(officer(unit), "report", _report(index), unit=unit)
    r.at("2023-05-23 09:00")
    for unit in units:
        r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    r.tick()

    data = r.data()
    sessions = sum(2 + i for i in range(len(units)))
    readers = sum(40 + 10 * i for i in range(len(units)))
    assert data["report_totals"] == {
        "reading_sessions": sessions,
        "figure_2": readers,
        "units_reported": len(units),
        "units_late": 0,
    }
    body = str(data["report_body"])
    assert f"2. Số liệu tổng hợp: {sessions} buổi đọc sách; {readers} lượt bạn đọc." in body
    assert "Khó khăn, vướng mắc: Thiếu đầu sách cho thiếu nhi (0)." in body
    assert "tin, bài" not in body  # the default template's figures are not this directive's
    assert data["unit_reports"][0]["answers"]["question_1"] == "Thiếu đầu sách cho thiếu nhi (0)."


def test_a_picked_template_becomes_the_directives_report(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    kind.register_and_instruct(r)
    units = kind.approve_sign_issue(r, kind.draft(report_deadline="2023-05-26", report_template="chi_co_tra_loi"))
    data = r.data()
    assert data["report_figures"] == []
    assert [q["name"] for q in data["report_questions"]] == ["results", "proposals"]
    officer = officer_of(runtime)
    unit = units[0]
    r.at("2023-05-11 09:00")
    r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    # Without figures the report has none: a figure is an unknown field.
    refused = _refused(r, officer(unit), unit, {"report_date": "2023-05-11", "narrative": "x", "figures": {"a": 1}})
    assert set(refused) == {"figures", "answers"}


# --- The agency's own initiative ----------------------------------------------------------------


def test_a_directive_of_the_agencys_own_initiative_goes_from_drafting_to_the_units_summary(
    runtime: Runtime, clock: ManualClock
) -> None:
    r = rehearsal(runtime, clock)
    r.at("2023-05-08 08:30")
    start = {
        "origin": "own",
        "draft_subject": "Kiểm tra công tác phòng cháy tại các thiết chế văn hóa",
        "urgency": "khan",
        "lead_division": kind.LEAD,
        "supporting_divisions": [],
        "signer": SIGNER,
        "handling_deadline": "2023-05-12",
        "instruction": "",
    }
    case_id = r.start("directive_lifecycle", SPECIALIST, start)
    assert [t.spec_name for t in r.pending()] == ["draft"]
    assert r.pending()[0].candidate_unit == kind.LEAD
    drafted = kind.draft(
        draft_subject=start["draft_subject"],
        draft_basis="Căn cứ Kế hoạch công tác năm 2023 của cơ quan.",
        report_deadline="2023-05-26",
        report_template="chi_co_tra_loi",
        named_groups=[kind.GROUP],
    )
    units = kind.approve_sign_issue(r, drafted)
    issued_data = r.data()
    with session_of(runtime) as session:
        assert arrival_of(session, case_id) is None  # no letter arrived: nothing in the arrival register
        (directive,) = issued_by(session, case_id)
        document = case_document(session, case_id, issued_data, DIRECTIVE)
    names = _unit_names(runtime, units)
    # The group was named unit by unit: in the letter's Kính gửi and in the register's Nơi nhận.
    assert document is not None
    assert document.document.kinh_gui == ("Kính gửi:", *(f"- {n}{'.' if n == names[-1] else ';'}" for n in names))
    assert all(n in str(directive.recipients) for n in names)

    officer = officer_of(runtime)
    r.at("2023-05-11 09:00")
    for index, unit in enumerate(units):
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
        report = {"report_date": "2023-05-11", "narrative": "Đã kiểm tra.", "answers": {"results": f"Đạt ({index})."}}
        r.do(officer(unit), "report", report, unit=unit)
        r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    r.tick()
    data = r.data()
    body = str(data["report_body"])
    assert f"đã ban hành Công văn số {directive.notation}" in body.splitlines()[0]
    assert "Thực hiện Công văn số" not in body  # no letter it answers
    assert "Kết quả triển khai thực hiện: Đạt (0)." in body
    assert "Số liệu" not in body  # a report without figures sums none
    r.at("2023-05-12 09:00")
    r.do(SPECIALIST, "consolidate", {"report_subject": data["report_subject"], "report_body": body})
    # Nobody above asked: the summary stays with the agency; nothing more is signed or numbered.
    assert instance(runtime, case_id).status == "completed"
    with session_of(runtime) as session:
        assert [doc.document_type for doc in issued_by(session, case_id)] == ["CV"]
