"""One directive's recipient units: the supervisor's main working page for a directive.

Each line is a unit's row of theo dõi thực hiện with its name and how late it is today; the page
sorts and filters them, and picks the late ones for a reminder round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance
from engine.text import fold
from workflows.calendar import WorkingCalendar
from workflows.directive.tracking import UnitTracking, of_case
from workflows.orgchart.models import Unit
from workflows.supervision.scope import Scope

LIVE = ("running", "suspended")


@dataclass(frozen=True)
class UnitLine:
    """Where one recipient unit stands, as the table shows it."""

    instance_id: int
    unit_code: str
    unit_name: str
    status: str  # open, done, closed; "cancelled" when its part was cancelled
    owes: str | None  # "acknowledge", "report" or None
    acknowledge_by: date
    acknowledged_on: date | None
    deadline: date | None
    original_deadline: date | None
    reported_on: date | None
    accepted_on: date | None
    reminders: int
    days_late: int  # working days past the due day of what it owes; 0 when not late
    on_time: bool | None

    @property
    def late(self) -> bool:
        """Whether the unit owes something past its day."""
        return self.days_late > 0


def _sort_date(value: date | None) -> date:
    return value or date.max


def _name(line: UnitLine) -> tuple[str, str]:
    # Vietnamese order: "Bắc Sơn" before "Bình Gia" (letters first, then their marks).
    return fold(line.unit_name), line.unit_name


SORTS: dict[str, Callable[[UnitLine], Any]] = {
    "unit": _name,
    "deadline": lambda line: (_sort_date(line.deadline), _name(line)),
    "acknowledged": lambda line: (_sort_date(line.acknowledged_on), _name(line)),
    "reported": lambda line: (_sort_date(line.reported_on), _name(line)),
    "accepted": lambda line: (_sort_date(line.accepted_on), _name(line)),
    "reminders": lambda line: (-line.reminders, _name(line)),
    "late": lambda line: (-line.days_late, _name(line)),
}


def unit_lines(
    session: Session,
    case_id: int,
    today: date,
    calendar: WorkingCalendar,
    scope: Scope,
    *,
    sort: str = "late",
    late_only: bool = False,
) -> list[UnitLine]:
    """The recipient units of one case that the scope may see, sorted and filtered."""
    rows = [row for row in of_case(session, case_id) if scope.sees_unit_row(row)]
    codes = {row.unit_code for row in rows}
    names = (
        dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(sorted(codes)))).all()) if codes else {}
    )
    ids = [row.instance_id for row in rows]
    statuses = (
        dict(
            session.execute(select(ProcessInstance.id, ProcessInstance.status).where(ProcessInstance.id.in_(ids))).all()
        )
        if ids
        else {}
    )
    lines = [_line(row, names, statuses.get(row.instance_id, ""), today, calendar) for row in rows]
    if late_only:
        lines = [line for line in lines if line.late]
    return sorted(lines, key=SORTS.get(sort, SORTS["late"]))


def _line(row: UnitTracking, names: dict[str, str], status: str, today: date, calendar: WorkingCalendar) -> UnitLine:
    live = status in LIVE
    due = row.due_day() if live else None
    days_late = calendar.working_days_between(due, today) if due is not None and due < today else 0
    return UnitLine(
        instance_id=row.instance_id,
        unit_code=row.unit_code,
        unit_name=names.get(row.unit_code, row.unit_code),
        status=row.status if live or row.status != "open" else "cancelled",
        owes=row.owes() if live else None,
        acknowledge_by=row.acknowledge_by,
        acknowledged_on=row.acknowledged_on,
        deadline=row.deadline,
        original_deadline=row.original_deadline,
        reported_on=row.reported_on,
        accepted_on=row.accepted_on,
        reminders=row.reminders,
        days_late=days_late,
        on_time=row.on_time,
    )
