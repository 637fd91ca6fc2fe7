"""A recipient unit's part: reminder before the deadline, escalation after it, and a request for more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.errors import InvalidTaskData
from engine.models import Job
from tests.workflows.lifecycle_helpers import (
    CheckedRehearsal,
    child_of,
    instance,
    instance_data,
    notifications,
    officer_of,
    rehearsal,
    run_to_issue,
    session_of,
    tasks,
)
from web.core.composition import Runtime
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import LOCAL
from workflows.directive.scenario import MORE_COMMENT, SPECIALIST
from workflows.orgchart.directory import OrgDirectory

ACCEPT = {"decision": "accept", "comment": ""}


@dataclass
class Issued:
    """A directive issued to its units, with three of them picked out."""

    r: CheckedRehearsal
    units: list[str]
    officer: Callable[[str], str]
    on_time: str
    more: str
    late: str


def _issued(runtime: Runtime, clock: ManualClock, *, late_silent: bool = False, hold_more: bool = False) -> Issued:
    """Issue the directive; every unit acknowledges, reports on 15/3 and is accepted, except as told.

    `late_silent`: the last unit does not report; `hold_more`: the second unit's report is not reviewed yet.
    """
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    officer = officer_of(runtime)
    picked = Issued(r, units, officer, on_time=units[0], more=units[1], late=units[-1])
    silent = {picked.late} if late_silent else set()
    unreviewed = silent | ({picked.more} if hold_more else set())
    r.at("2023-03-09 15:00")
    for unit in units:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-15 10:00")
    for index, unit in enumerate(units):
        if unit not in silent:
            r.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    r.at("2023-03-15 15:00")
    for unit in units:
        if unit not in unreviewed:
            r.do(SPECIALIST, "review_report", ACCEPT, unit=unit)
    return picked


def _sent(runtime: Runtime, case_id: int, kind: str) -> list[str]:
    """Bodies of the case's notifications of one kind."""
    return [n.body for n in notifications(runtime, case_id) if n.kind == kind]


def _unit_name(runtime: Runtime, code: str) -> str:
    with session_of(runtime) as session:
        unit = OrgDirectory(session).unit(code)
        assert unit is not None
        return unit.name


def _reminded(runtime: Runtime, case_id: int) -> list[str]:
    """The units reminded so far, one entry per reminder."""
    return sorted(n.recipient for n in notifications(runtime, case_id) if n.kind == "reminder")


def _local(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL)


def test_reminder_then_escalation_reach_only_the_unit_that_has_not_reported(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Reminded from 22/3 08:00, escalated from 25/3 00:00; a unit that reported hears nothing."""
    issued = _issued(runtime, clock, late_silent=True)
    r, case_id, late = issued.r, issued.r.case_id or 0, issued.late
    r.at("2023-03-22 07:59")
    r.tick()
    assert _reminded(runtime, case_id) == []
    r.at("2023-03-22 08:00")
    r.tick()
    assert _reminded(runtime, case_id) == [late]
    assert "hạn 24/03/2023" in _sent(runtime, case_id, "reminder")[0]
    r.at("2023-03-23 09:00")
    r.tick()
    assert _reminded(runtime, case_id) == [late]  # once, not at every pass of the worker
    r.at("2023-03-24 23:59")
    r.tick()
    assert _sent(runtime, case_id, "escalation") == []
    r.at("2023-03-25 00:00")
    r.tick()
    [escalation] = _sent(runtime, case_id, "escalation")
    # The supervisor reads the late unit's name, never its code.
    assert _unit_name(runtime, late) in escalation and late not in escalation
    assert _unit_name(runtime, issued.on_time) not in escalation
    # Late is still allowed: the unit reports, is accepted, and the case moves on.
    r.at("2023-03-27 09:00")
    r.do(issued.officer(late), "report", case.unit_report(28, "2023-03-27"), unit=late)
    r.do(SPECIALIST, "review_report", ACCEPT, unit=late)
    r.tick()
    assert instance(runtime, child_of(runtime, case_id, late).id).status == "completed"
    assert [t.spec_name for t in r.pending()] == ["consolidate"]
    data = r.data()
    by_unit = {report["unit"]: report for report in data["unit_reports"]}
    assert by_unit[late]["on_time"] is False
    assert by_unit[issued.on_time]["on_time"] is True
    assert data["late_units"] == [late]
    assert _reminded(runtime, case_id) == [late]
    assert len(_sent(runtime, case_id, "escalation")) == 1


def test_review_asking_for_more_needs_a_comment_and_a_date(runtime: Runtime, clock: ManualClock) -> None:
    """Asking a unit for more without saying what and by when is refused, naming both fields."""
    issued = _issued(runtime, clock, hold_more=True)
    r = issued.r
    r.at("2023-03-20 09:00")
    with pytest.raises(InvalidTaskData) as refused:
        r.do(SPECIALIST, "review_report", {"decision": "more", "comment": ""}, unit=issued.more)
    assert {e.field for e in refused.value.errors} == {"comment", "resubmit_by"}
    assert all(e.message_vi and e.message_en for e in refused.value.errors)
    assert len(r.pending("review_report", issued.more)) == 1


def test_more_reopens_the_report_with_the_new_deadline(runtime: Runtime, clock: ManualClock) -> None:
    """The unit gets a new report task due on the new date, sees its first report, and is reminded anew."""
    issued = _issued(runtime, clock, hold_more=True)
    r, case_id, more = issued.r, issued.r.case_id or 0, issued.more
    r.at("2023-03-20 09:00")
    r.do(
        SPECIALIST,
        "review_report",
        {"decision": "more", "comment": MORE_COMMENT, "resubmit_by": "2023-03-28"},
        unit=more,
    )
    reports = tasks(runtime, case_id, "report", more)
    assert [t.state for t in reports] == ["completed", "ready"]
    # A bare date is due at the end of that day in Lạng Sơn.
    assert reports[1].due_at == _local("2023-03-29")
    child = child_of(runtime, case_id, more)
    seen = instance_data(runtime, child.id)
    first = case.unit_report(1, "2023-03-15")
    assert (seen["report_number"], seen["figures"], seen["narrative"]) == (
        first["report_number"],
        first["figures"],
        first["narrative"],
    )
    assert (seen["comment"], seen["report_deadline"]) == (MORE_COMMENT, "2023-03-28")
    with session_of(runtime) as session:
        timers = session.scalars(
            select(Job.due_at).where(Job.instance_id == child.id, Job.kind == "timer", Job.status == "pending")
        ).all()
    # Two working days before 28/3 (Tue) is Fri 24/3 at 08:00; late from 29/3 00:00.
    assert sorted(timers) == [_local("2023-03-24", 8), _local("2023-03-29")]
    r.at("2023-03-22 08:30")
    r.tick()
    assert more not in _reminded(runtime, case_id)  # the first deadline no longer applies
    r.at("2023-03-24 08:00")
    r.tick()
    assert _reminded(runtime, case_id).count(more) == 1
    assert any("hạn 28/03/2023" in body for body in _sent(runtime, case_id, "reminder"))
    r.at("2023-03-25 00:30")
    r.tick()
    assert _sent(runtime, case_id, "escalation") == []
    r.at("2023-03-27 10:00")
    r.do(issued.officer(more), "report", case.unit_report(1, "2023-03-27"), unit=more)
    r.do(SPECIALIST, "review_report", ACCEPT, unit=more)
    r.tick()
    [result] = [x for x in r.data()["unit_reports"] if x["unit"] == more]
    assert (result["rounds"], result["report_date"], result["submitted_on"]) == (2, "2023-03-27", "2023-03-15")
    assert result["on_time"] is True  # first reported on 15/3, before the original deadline
    assert _sent(runtime, case_id, "escalation") == []


def test_a_unit_that_never_acknowledges_is_reminded_and_escalated(runtime: Runtime, clock: ManualClock) -> None:
    """Silence is chased too: a unit that never opened the directive is reminded, and supervisors hear of it."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    officer = officer_of(runtime)
    silent, others = units[0], units[1:]
    r.at("2023-03-09 15:00")
    for unit in others:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-22 08:00")
    r.tick()
    assert _reminded(runtime, r.case_id or 0) == sorted(units)
    r.at("2023-03-25 00:00")
    r.tick()
    escalations = _sent(runtime, r.case_id or 0, "escalation")
    assert len(escalations) == len(units)
    assert any(_unit_name(runtime, silent) in body for body in escalations)
    # Opening it late re-arms the report's own timers in the past; the unit is not told twice.
    r.at("2023-03-27 08:00")
    r.do(officer(silent), "acknowledge", {"acknowledge_note": "Tiếp nhận muộn"}, unit=silent)
    r.tick()
    assert _reminded(runtime, r.case_id or 0) == sorted(units)
    assert len(_sent(runtime, r.case_id or 0, "escalation")) == len(units)
