"""The reference case (2104-CV/BTGTU) end to end, every step a committed transaction with a save/restore check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import audit
from engine.clock import ManualClock
from engine.models import ProcessInstance
from tests.workflows.lifecycle_helpers import (
    all_units_report,
    instance,
    notifications,
    officer_of,
    rehearsal,
    run_to_issue,
    session_of,
    tasks,
)
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.queries import arrival_of, issued_by
from workflows.directive.scenario import Outcome, run_reference_case
from workflows.orgchart.directory import OrgDirectory

FIGURES = ("articles", "banners", "sessions", "participants", "online_posts")


@dataclass
class Finished:
    """The reference case run to its end, with the case data as a reader sees it."""

    outcome: Outcome
    data: dict[str, Any]


@pytest.fixture
def finished(runtime: Runtime, clock: ManualClock) -> Iterator[Finished]:
    """The whole reference case, registration to the report upward."""
    r = rehearsal(runtime, clock)
    outcome = run_reference_case(r, officer_of(runtime))
    yield Finished(outcome, r.data())


def test_case_completes_with_its_numbers_in_the_registers(runtime: Runtime, finished: Finished) -> None:
    """Arrival 1/2023; directive 01/SVHTTDL-QLVHGĐ of 9/3 signed KT.; report 02/BC-SVHTTDL closes the letter."""
    case_id = finished.outcome.case_id
    assert instance(runtime, case_id).status == "completed"
    with session_of(runtime) as session:
        arrival = arrival_of(session, case_id)
        directive, report = issued_by(session, case_id)
    assert arrival is not None
    assert (arrival.year, arrival.arrival_number, arrival.number_code) == (2023, 1, "2104-CV/BTGTU")
    assert (arrival.status, arrival.reply_notation) == ("closed", "02/BC-SVHTTDL")
    assert (directive.number, directive.notation) == (1, "01/SVHTTDL-QLVHGĐ")
    assert (directive.issued_date, directive.document_type) == (date(2023, 3, 9), "CV")
    # pgd.hoa is a deputy: he signs "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".
    assert (directive.signer_username, directive.signer_capacity) == ("pgd.hoa", "KT.")
    # One yearly sequence for every type the agency issues: the report takes the next number.
    assert (report.number, report.notation, report.document_type) == (2, "02/BC-SVHTTDL", "BC")
    assert finished.data["directive_number"] == "01/SVHTTDL-QLVHGĐ"
    # The registers say what ND30's books say: who handles the letter by when, where each went.
    assert (arrival.lead_unit, arrival.handling_deadline) == ("QLVHGD", date(2023, 3, 10))
    assert directive.recipients == (
        "Các đơn vị trực thuộc Sở; Phòng Văn hóa và Thông tin các huyện, thành phố; "
        "Trung tâm Văn hóa - Thể thao thành phố; Trung tâm Văn hóa, Thể thao và Truyền thông các huyện; "
        "Ban TG Tỉnh ủy LS; GĐ, PGĐ Sở; Trang TTĐT Sở"
    )
    assert report.recipients == "Ban Tuyên giáo Tỉnh ủy"


def _expected_totals(units: list[str]) -> dict[str, int]:
    """The figures the scenario reported: unit i reports report i; the late one report len(units)."""
    reports = [case.unit_report(i, "2023-03-15") for i in range(len(units) - 1)]
    reports.append(case.unit_report(len(units), "2023-03-27"))
    return {name: sum(r["figures"][name] for r in reports) for name in FIGURES}


def test_each_unit_reports_in_its_own_child_and_the_figures_add_up(runtime: Runtime, finished: Finished) -> None:
    """29 units each ran to completion; their reports come back in recipient order and are summed."""
    outcome, data = finished.outcome, finished.data
    assert len(outcome.units) == 29
    with session_of(runtime) as session:
        children = session.scalars(select(ProcessInstance).where(ProcessInstance.parent_id == outcome.case_id)).all()
    assert len(children) == 29
    assert {c.status for c in children} == {"completed"}
    assert {c.process_key for c in children} == {"unit_execution"}
    reports = data["unit_reports"]
    assert sorted(r["unit"] for r in reports) == sorted(outcome.units) == sorted(data["recipients"])
    totals = data["report_totals"]
    assert {name: totals[name] for name in FIGURES} == _expected_totals(outcome.units)
    assert (totals["units_reported"], totals["units_late"]) == (29, 1)
    assert data["late_units"] == [outcome.late_unit]
    by_unit = {r["unit"]: r for r in reports}
    assert by_unit[outcome.late_unit or ""]["on_time"] is False
    # Asked for more, the unit first reported on time: it stays on time, after two rounds.
    more = by_unit[outcome.more_unit or ""]
    assert (more["on_time"], more["rounds"]) == (True, 2)
    assert sum(1 for r in reports if r["on_time"]) == 28


def test_unit_reports_follow_the_recipient_order(finished: Finished) -> None:
    """The consolidated reports list the units as the directive's Nơi nhận does, whoever finished first."""
    assert [r["unit"] for r in finished.data["unit_reports"]] == finished.data["recipients"]


def test_audit_trail_names_who_did_each_step(runtime: Runtime, finished: Finished) -> None:
    """The case's trail shows each step of the Sở with its actor and decision; the chain is intact."""
    case_id = finished.outcome.case_id
    with session_of(runtime) as session:
        events = audit.trail(session, case_id)
        breaks = audit.verify(session)
    steps = [
        ((e.after or {}).get("task"), e.actor, (e.after or {}).get("decision"), e.comment)
        for e in events
        if e.tag == "engine:task:completed" and e.instance_id == case_id
    ]
    assert steps == [
        ("register_incoming", "vanthu", None, None),
        ("instruct", "giamdoc", None, None),
        ("draft", "cv.hvd", None, None),
        ("review_content", "tp.qlvhgd", "return", scenario.RETURN_COMMENT),
        ("draft", "cv.hvd", None, None),
        ("review_content", "tp.qlvhgd", "approve", None),
        ("sign", "pgd.hoa", "sign", None),
        ("issue", "vanthu", None, None),
        ("consolidate", "cv.hvd", None, None),
        ("sign_report", "pgd.hoa", "sign", None),
        ("issue_report", "vanthu", None, None),
    ]
    unit_steps = [e for e in events if e.tag == "engine:task:completed" and e.instance_id != case_id]
    # Per unit: acknowledge, report, review; the unit asked for more reports and is reviewed twice.
    assert len(unit_steps) == 29 * 3 + 2
    assert any(e.tag == "engine:timer:fired" for e in events)
    assert breaks == []


def test_notifications_publish_copy_remind_and_escalate(runtime: Runtime, finished: Finished) -> None:
    """The directive goes to the website and (B/c) upward; two units are reminded; one is escalated."""
    outcome = finished.outcome
    sent = notifications(runtime, outcome.case_id)
    by_kind: dict[str, list[Any]] = {}
    for item in sent:
        by_kind.setdefault(item.kind, []).append(item)
    assert set(by_kind) == {"published", "report_up", "reminder", "escalation"}
    [website] = by_kind["published"]
    assert website.channel == "website"
    assert "01/SVHTTDL-QLVHGĐ" in website.body
    [copy] = by_kind["report_up"]
    assert copy.recipient == "Ban TG Tỉnh ủy LS"
    assert sorted(n.recipient for n in by_kind["reminder"]) == sorted(
        [outcome.more_unit or "", outcome.late_unit or ""]
    )
    [escalation] = by_kind["escalation"]
    assert escalation.recipient_kind == "role" and escalation.recipient == "supervisor"
    with session_of(runtime) as session:
        late = OrgDirectory(session).unit(outcome.late_unit or "")
        assert late is not None
        assert late.name in escalation.body and outcome.late_unit not in escalation.body


def test_approve_path_without_return_drafts_once(runtime: Runtime, clock: ManualClock) -> None:
    """Approved at the first reading, the draft is written once and every unit reports on time."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    all_units_report(r, units, officer_of(runtime))
    scenario.report_upward(r)
    case_id = r.case_id or 0
    drafts = tasks(runtime, case_id, "draft")
    assert [(t.state, t.completed_by) for t in drafts] == [("completed", "cv.hvd")]
    assert [t.decision for t in tasks(runtime, case_id, "review_content")] == ["approve"]
    data = r.data()
    assert data["late_units"] == []
    assert data["report_totals"]["units_late"] == 0
    assert instance(runtime, case_id).status == "completed"
    with session_of(runtime) as session:
        assert [d.notation for d in issued_by(session, case_id)] == ["01/SVHTTDL-QLVHGĐ", "02/BC-SVHTTDL"]
        running = session.scalar(
            select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status != "completed")
        )
    assert running == 0
    # Nobody was late or reminded: only the publication and the (B/c) copy went out.
    assert sorted(n.kind for n in notifications(runtime, case_id)) == ["published", "report_up"]


def test_the_arrival_register_keeps_the_day_the_letter_arrived(runtime: Runtime, clock: ManualClock) -> None:
    """Received on Monday 6/3, registered on Tuesday: "Ngày đến" is Monday's, as the clerk entered it."""
    r = rehearsal(runtime, clock)
    r.at("2023-03-07 08:30")
    r.start("directive_lifecycle", scenario.CLERK)
    r.do(scenario.CLERK, "register_incoming", {**case.INCOMING, "incoming_received_date": "2023-03-06"})

    with session_of(runtime) as session:
        arrival = arrival_of(session, r.case_id or 0)
    assert arrival is not None
    assert (arrival.arrival_date, arrival.arrival_number) == (date(2023, 3, 6), 1)
