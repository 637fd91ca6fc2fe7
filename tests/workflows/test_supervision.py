"""Supervision: which units are late across cases and within one directive, from the units' own rows.

The directive goes to every recipient unit of the reference case; six report on time, the others do
not, and some of those never even acknowledge. The clock is moved, never waited for.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.clock import ManualClock
from engine.text import fold
from tests.workflows.lifecycle_helpers import (
    SILENT,
    issued_with_late_units,
    officer_of,
    session_of,
)
from web.core.composition import Runtime
from workflows.calendar import WorkingCalendar
from workflows.directive import reference_case as case
from workflows.directive.scenario import SPECIALIST
from workflows.supervision.board import ACKNOWLEDGE, REPORT, Board, BoardFilter, board
from workflows.supervision.scope import Scope, scope_of
from workflows.supervision.unit_table import UnitLine, unit_lines

WHOLE = Scope(whole_agency=True)
CALENDAR = WorkingCalendar()


def _board(runtime: Runtime, today: str, board_filter: BoardFilter | None = None, scope: Scope = WHOLE) -> Board:
    with session_of(runtime) as session:
        return board(session, scope, board_filter or BoardFilter(per_page=500), date.fromisoformat(today), CALENDAR)


def _lines(runtime: Runtime, case_id: int, today: str, **options: object) -> list[UnitLine]:
    with session_of(runtime) as session:
        return unit_lines(session, case_id, date.fromisoformat(today), CALENDAR, WHOLE, **options)  # type: ignore[arg-type]


def _late_units(found: Board) -> set[str]:
    return {item.unit_code or "" for item in found.items if item.late and item.step in (ACKNOWLEDGE, REPORT)}


def test_at_the_deadline_the_units_not_reported_are_late_on_the_board_and_in_the_table(
    runtime: Runtime, clock: ManualClock
) -> None:
    issued = issued_with_late_units(runtime, clock)
    assert len(issued.units) >= 20  # the reference directive goes to every district and more
    deadline = "2023-03-24"
    # On the deadline itself nobody is late for the report yet, only the units that never acknowledged.
    on_deadline = _board(runtime, deadline)
    assert _late_units(on_deadline) == set(issued.silent)
    due_soon = {item.unit_code for item in on_deadline.items if not item.late and item.step == REPORT}
    assert due_soon == set(issued.late) - set(issued.silent)

    # The first working day after it: every unit that did not report, and the silent among them.
    after = _board(runtime, "2023-03-27")
    assert _late_units(after) == set(issued.late)
    assert after.late == len(issued.late) + _late_tasks(after)
    by_step = dict(after.by_step)
    assert by_step[ACKNOWLEDGE] == SILENT
    assert by_step[REPORT] == len(issued.late) - SILENT
    report_item = next(i for i in after.items if i.step == REPORT)
    assert report_item.due == date(2023, 3, 24) and report_item.days_late == 1

    lines = _lines(runtime, issued.case_id, "2023-03-27", late_only=True)
    assert {line.unit_code for line in lines} == set(issued.late)
    assert all(line.reported_on is None for line in lines)
    silent_lines = [line for line in lines if line.acknowledged_on is None]
    assert {line.unit_code for line in silent_lines} == set(issued.silent)
    everyone = _lines(runtime, issued.case_id, "2023-03-27", sort="unit")
    assert len(everyone) == len(issued.units)
    reported = {line.unit_code: line for line in everyone if line.reported_on}
    assert set(reported) == set(issued.on_time)
    assert all(line.reported_on == date(2023, 3, 15) and line.on_time for line in reported.values())
    assert [line.unit_name for line in everyone] == sorted((line.unit_name for line in everyone), key=fold)


def _late_tasks(found: Board) -> int:
    return sum(1 for item in found.items if item.late and item.step not in (ACKNOWLEDGE, REPORT))


def test_accepting_a_late_report_takes_the_unit_off_the_board(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    late = issued.late[0]
    issued.r.at("2023-03-27 10:00")
    issued.r.do(officer_of(runtime)(late), "report", case.unit_report(9, "2023-03-27"), unit=late)
    after_report = _board(runtime, "2023-03-27")
    assert late not in _late_units(after_report)
    # Now the lead division owes a check of that report: a task of the case, not the unit's.
    review = [i for i in after_report.items if i.step == "review_report" and i.unit_code != late]
    assert review and all(i.task_id for i in review)
    issued.r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=late)
    [line] = [x for x in _lines(runtime, issued.case_id, "2023-03-27") if x.unit_code == late]
    assert line.accepted_on == date(2023, 3, 27)
    assert line.reported_on == date(2023, 3, 27) and line.on_time is False and not line.late


def test_filters_narrow_the_board(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    one = issued.late[2]
    only_unit = _board(runtime, "2023-03-27", BoardFilter(unit=one))
    assert {item.unit_code for item in only_unit.items} == {one}
    other_case = _board(runtime, "2023-03-27", BoardFilter(case_id=issued.case_id + 1000))
    assert other_case.items == [] and other_case.total == 0
    # Seen on the day of issue: the silent units' acknowledgements are due soon, not late; the
    # reports due on 24/3 are further away than two working days.
    soon = _board(runtime, "2023-03-09", BoardFilter(within=2, per_page=500))
    assert {i.unit_code for i in soon.items if i.step == ACKNOWLEDGE} == set(issued.silent)
    assert not any(item.late for item in soon.items if item.step == ACKNOWLEDGE)
    assert not any(item.step == REPORT for item in soon.items)
    paged = _board(runtime, "2023-03-27", BoardFilter(per_page=5, page=2))
    assert len(paged.items) == 5 and paged.pages == -(-paged.total // 5)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({("supervisor", "AG")}, Scope(whole_agency=True)),
        ({("director", "AG")}, Scope(whole_agency=True)),
        ({("leader", "AG")}, Scope(whole_agency=True)),
        ({("leader", "U1")}, Scope(units=frozenset({"U1"}))),
        ({("division_head", "D1")}, Scope(divisions=frozenset({"D1"}))),
        ({("specialist", "D1"), ("unit_officer", "U1")}, Scope()),
    ],
)
def test_who_sees_what(roles: set[tuple[str, str]], expected: Scope) -> None:
    assert scope_of(roles, "AG") == expected


def test_a_unit_leader_sees_only_their_unit(runtime: Runtime, clock: ManualClock) -> None:
    issued = issued_with_late_units(runtime, clock)
    one = issued.late[0]
    theirs = _board(runtime, "2023-03-27", scope=Scope(units=frozenset({one})))
    assert {item.unit_code for item in theirs.items} == {one}
    with session_of(runtime) as session:
        lines = unit_lines(session, issued.case_id, date(2023, 3, 27), CALENDAR, Scope(units=frozenset({one})))
    assert [line.unit_code for line in lines] == [one]
