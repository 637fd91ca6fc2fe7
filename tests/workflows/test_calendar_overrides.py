"""The administrators' calendar overrides move the deadlines the processes compute from then on.

The reference directive is issued on Thursday 9/3/2023. With Friday 10/3 declared a day off, the
units owe their acknowledgement by Monday 13/3 instead of 10/3. A report's reminder fires two working
days before its deadline (Friday 24/3): at 08:00 on Wednesday 22/3, or on Tuesday 21/3 once
Thursday 23/3 is declared a day off. A unit whose reminder was set before that change keeps it; one
that acknowledges after it gets the earlier reminder. The runtime is the same all along: the
calendar's revision in the database is what makes it notice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import AuditEvent, Job
from tests.workflows.lifecycle_helpers import child_of, officer_of, rehearsal, session_of
from web.core.composition import Runtime
from workflows.calendar import WorkingCalendar
from workflows.directive import scenario
from workflows.directive.rehearsal import LOCAL
from workflows.directive.tracking import UnitTracking
from workflows.orgchart.calendar_days import AUDIT_SET, DAY_OFF, remove_day, set_day, working_calendar

ADMIN = "quantri"


def _local(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL)


def _declare_day_off(runtime: Runtime, clock: ManualClock, day: date, note: str) -> None:
    with session_of(runtime) as session:
        set_day(session, day, DAY_OFF, note, actor=ADMIN, at=clock.now())


def _timers(runtime: Runtime, case_id: int, unit: str) -> list[datetime]:
    child = child_of(runtime, case_id, unit)
    with session_of(runtime) as session:
        query = select(Job.due_at).where(Job.instance_id == child.id, Job.kind == "timer", Job.status == "pending")
        return sorted(session.scalars(query))


def test_days_declared_off_move_the_deadlines_computed_after_them(runtime: Runtime, clock: ManualClock) -> None:
    r = rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=False)
    _declare_day_off(runtime, clock, date(2023, 3, 10), "Nghỉ bù theo thông báo của Chính phủ")
    units = scenario.issue(r)
    case_id = r.case_id or 0
    with session_of(runtime) as session:
        owed = set(session.scalars(select(UnitTracking.acknowledge_by).where(UnitTracking.case_id == case_id)))
    assert owed == {date(2023, 3, 13)}  # not Friday 10/3, the day declared off

    officer = officer_of(runtime)
    before, after = units[0], units[1]
    r.at("2023-03-13 09:00")
    r.do(officer(before), "acknowledge", {"acknowledge_note": ""}, unit=before)
    assert _timers(runtime, case_id, before) == [_local("2023-03-22", 8), _local("2023-03-25")]

    _declare_day_off(runtime, clock, date(2023, 3, 23), "Nghỉ theo quyết định của Ủy ban")
    r.do(officer(after), "acknowledge", {"acknowledge_note": ""}, unit=after)
    assert _timers(runtime, case_id, after) == [_local("2023-03-21", 8), _local("2023-03-25")]
    # Set before the change, kept: a deadline already computed is not recomputed.
    assert _timers(runtime, case_id, before) == [_local("2023-03-22", 8), _local("2023-03-25")]

    with session_of(runtime) as session:
        days = [e.after["day"] for e in session.scalars(select(AuditEvent).where(AuditEvent.tag == AUDIT_SET))]
    assert days == ["2023-03-10", "2023-03-23"]


def test_the_calendar_is_rebuilt_when_the_database_changes_and_only_then(runtime: Runtime, clock: ManualClock) -> None:
    with session_of(runtime) as session:
        plain = working_calendar(session)
        assert working_calendar(session) is plain  # kept while nothing changed
        assert plain.is_working_day(date(2023, 3, 10))
    _declare_day_off(runtime, clock, date(2023, 3, 10), "Nghỉ bù")
    with session_of(runtime) as session:
        changed = working_calendar(session)
    assert changed is not plain and not changed.is_working_day(date(2023, 3, 10))
    assert changed.add_working_days(date(2023, 3, 9), 1) == date(2023, 3, 13)
    with session_of(runtime) as session:
        assert remove_day(session, date(2023, 3, 10), actor=ADMIN, at=clock.now())
    with session_of(runtime) as session:
        again = working_calendar(session)
    assert again.is_working_day(date(2023, 3, 10))
    assert again.add_working_days(date(2023, 3, 9), 1) == WorkingCalendar().add_working_days(date(2023, 3, 9), 1)
