"""Figures for the supervisors' pictures: the work waiting at each step of a process, and on-time rates.

Two questions, each answered by grouped statements over indexed columns so that they stay quick
with a million open tasks:

* **Where does work wait?** The ready task rows of one process, by step: how many, and how long
  they have waited on average (now − their average arrival, in hours, and in working days since
  that arrival's day). One grouped statement over the index on (state, spec_name, created_at).
* **Do the units report on time?** From the units' rows of theo dõi thực hiện
  (workflows/directive/tracking.py): a report is on time when it came by the original deadline;
  late when it came after it, or is still owed after it. A unit whose part was stopped before it
  reported (its instance cancelled) is left out: it was released from reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from workflows.calendar import LOCAL_TZ, WorkingCalendar
from workflows.directive.tracking import OPEN, UnitTracking, owing_by
from workflows.orgchart.models import Unit
from workflows.supervision.scope import Scope

CANCELLED = "cancelled"  # an instance stopped (engine/runtime.py)
# What a unit owes, as theo dõi thực hiện knows it.
ACKNOWLEDGE, REPORT = "acknowledge", "report"
_UNIX_EPOCH_JULIAN_DAY = 2440587.5


# -- processes ---------------------------------------------------------------------------------


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The newest deployed version of every process, by key."""
    newest = select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version")).group_by(
        ProcessDefinition.key
    )
    latest = newest.subquery()
    statement = (
        select(ProcessDefinition)
        .join(latest, and_(ProcessDefinition.key == latest.c.key, ProcessDefinition.version == latest.c.version))
        .order_by(ProcessDefinition.key)
    )
    return list(session.scalars(statement))


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The newest deployed version of one process, or None when no process has that key."""
    statement = (
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    return session.scalar(statement)


# -- work waiting at each step -------------------------------------------------------------------


@dataclass(frozen=True)
class StepLoad:
    """The ready tasks at one step of a process: how many and how long they have waited on average.

    The average wait is now − the tasks' average arrival; `average_working_days` says it in working
    days: those after the average arrival's day up to today (0 while that is today).
    """

    step: str
    title: str
    waiting: int
    average_hours: float
    average_working_days: int


@dataclass(frozen=True)
class UnitsOwing:
    """Recipient units that still owe an acknowledgement or a report, and how many of them are late."""

    owing: int
    late: int


@dataclass
class ProcessLoad:
    """Every step of a process where work waits, and what the units still owe (for `unit_execution`)."""

    steps: list[StepLoad]
    units: dict[str, UnitsOwing] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        """Tasks waiting at any step."""
        return sum(step.waiting for step in self.steps)


def _epoch_seconds(session: Session, moment: Any) -> ColumnElement[Any]:
    """Seconds since 1970 of a stored UTC moment, in SQL (to average moments portably)."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(moment) - _UNIX_EPOCH_JULIAN_DAY) * 86400.0
    # date_part gives a double; extract() a numeric, several times slower to sum over a million rows.
    return func.date_part("epoch", moment)


def user_tasks(session: Session) -> dict[str, dict[str, str]]:
    """The user tasks of every deployed process, by key: step id → title (the newest version's title)."""
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.metadata_json).order_by(ProcessDefinition.version)
    )
    found: dict[str, dict[str, str]] = {}
    for key, metadata in rows:
        for step, task in (metadata or {}).get("user_tasks", {}).items():
            found.setdefault(key, {})[step] = str(task.get("title") or step)
    return found


def process_load(session: Session, key: str, scope: Scope, now: datetime, calendar: WorkingCalendar) -> ProcessLoad:
    """The ready tasks of every instance of process `key` within the scope, by step.

    The steps are the process's user tasks (of every version): a step id no other process uses
    needs no join to the instances, so the count reads the index on (state, spec_name, created_at)
    alone; an id another process shares is counted only in instances of this one.
    """
    every = user_tasks(session)
    own = every.get(key, {})
    if not own:
        return ProcessLoad([], units_owing(session, scope, now) if key == "unit_execution" else {})
    shared = sorted({step for other, steps in every.items() if other != key for step in steps} & set(own))
    where = [TaskRow.state == "ready", TaskRow.spec_name.in_(sorted(own)), scope.tasks()]
    if shared:
        of_key = select(ProcessInstance.id).where(ProcessInstance.process_key == key)
        where.append(TaskRow.spec_name.not_in(shared) | TaskRow.instance_id.in_(of_key))
    statement = (
        select(TaskRow.spec_name, func.count().label("waiting"), func.sum(_epoch_seconds(session, TaskRow.created_at)))
        .where(*where)
        .group_by(TaskRow.spec_name)
    )
    today = now.astimezone(LOCAL_TZ).date()
    steps = []
    for step, waiting, seconds in sorted(session.execute(statement).all()):
        count = int(waiting)
        wait = max(0.0, now.timestamp() - float(seconds or 0) / count)
        arrived = (now - timedelta(seconds=wait)).astimezone(LOCAL_TZ).date()
        steps.append(
            StepLoad(
                step=step,
                title=own.get(step, step),
                waiting=count,
                average_hours=wait / 3600,
                average_working_days=max(0, calendar.working_days_between(arrived, today)),
            )
        )
    units = units_owing(session, scope, now) if key == "unit_execution" else {}
    return ProcessLoad(steps, units)


def _stopped_part() -> ColumnElement[bool]:
    """A unit's part that was stopped (its instance cancelled), for open rows.

    An open row's instance is running, suspended or cancelled (a unit that finishes closes its
    row), and cancelled instances are few: a hashed list of them costs less than a look-up per row.
    """
    cancelled = select(ProcessInstance.id).where(ProcessInstance.status == CANCELLED)
    return UnitTracking.instance_id.in_(cancelled)


def units_owing(session: Session, scope: Scope, now: datetime) -> dict[str, UnitsOwing]:
    """How many units owe an acknowledgement and a report now, and how many of those are late."""
    today = now.astimezone(LOCAL_TZ).date()
    owes = case((UnitTracking.acknowledged_on.is_(None), ACKNOWLEDGE), else_=REPORT).label("owes")
    late = func.sum(case((owing_by(today), 1), else_=0)).label("late")
    statement = (
        select(owes, func.count().label("owing"), late)
        .where(
            UnitTracking.status == OPEN,
            or_(UnitTracking.acknowledged_on.is_(None), UnitTracking.awaiting_report),
            ~_stopped_part(),
            scope.tracking(),
        )
        .group_by(owes)
    )
    found = {row.owes: UnitsOwing(int(row.owing), int(row.late or 0)) for row in session.execute(statement)}
    return {what: found.get(what, UnitsOwing(0, 0)) for what in (ACKNOWLEDGE, REPORT)}


# -- on-time rates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnTimeFilter:
    """Which reports count: original deadlines from the first day of `first_month` to the end of `last_month`."""

    first_month: date
    last_month: date
    division: str | None = None


@dataclass(frozen=True)
class OnTimeCount:
    """Reports on time and late for one unit or one month; the rate among those already decided."""

    key: str  # the unit's code, or the month as YYYY-MM
    label: str  # the unit's name, or the month as MM/YYYY
    on_time: int
    late: int
    pending: int  # owed, its deadline not yet passed

    @property
    def decided(self) -> int:
        """Reports on time or late (pending ones are neither yet)."""
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Percentage of decided reports that came on time (None when none is decided)."""
        return None if self.decided == 0 else 100.0 * self.on_time / self.decided


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _counted(scope: Scope, chosen: OnTimeFilter) -> list[ColumnElement[bool]]:
    row = UnitTracking
    stopped = (row.status == OPEN) & row.reported_on.is_(None) & _stopped_part()
    where: list[ColumnElement[bool]] = [
        row.report_required.is_(True),
        row.original_deadline.is_not(None),
        row.original_deadline >= chosen.first_month.replace(day=1),
        row.original_deadline < _next_month(chosen.last_month),
        ~stopped,
        scope.tracking(),
    ]
    if chosen.division:
        where.append(row.lead_division == chosen.division)
    return where


def _tallies(today: date) -> tuple[Any, Any, Any]:
    row = UnitTracking
    reported = row.reported_on.is_not(None)
    on_time = func.sum(case((and_(reported, row.reported_on <= row.original_deadline), 1), else_=0))
    late = func.sum(
        case(
            (and_(reported, row.reported_on > row.original_deadline), 1),
            (and_(row.reported_on.is_(None), row.original_deadline < today), 1),
            else_=0,
        )
    )
    pending = func.sum(case((and_(row.reported_on.is_(None), row.original_deadline >= today), 1), else_=0))
    return on_time.label("on_time"), late.label("late"), pending.label("pending")


def on_time_by_unit(session: Session, scope: Scope, chosen: OnTimeFilter, today: date) -> list[OnTimeCount]:
    """On-time and late reports of each unit, best rate first (then by name)."""
    statement = (
        select(UnitTracking.unit_code, *_tallies(today))
        .where(*_counted(scope, chosen))
        .group_by(UnitTracking.unit_code)
    )
    rows = session.execute(statement).all()
    codes = sorted({row.unit_code for row in rows})
    names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all()) if codes else {}
    counts = [
        OnTimeCount(
            row.unit_code, names.get(row.unit_code, row.unit_code), int(row.on_time), int(row.late), int(row.pending)
        )
        for row in rows
    ]
    return sorted(counts, key=lambda c: (-(c.rate if c.rate is not None else -1), c.label.casefold()))


def on_time_by_month(session: Session, scope: Scope, chosen: OnTimeFilter, today: date) -> list[OnTimeCount]:
    """On-time and late reports by month of the original deadline, every month of the range shown."""
    year = extract("year", UnitTracking.original_deadline).label("year")
    month = extract("month", UnitTracking.original_deadline).label("month")
    statement = select(year, month, *_tallies(today)).where(*_counted(scope, chosen)).group_by(year, month)
    found = {(int(row.year), int(row.month)): row for row in session.execute(statement)}
    months = []
    first = chosen.first_month.replace(day=1)
    while first <= chosen.last_month:
        row = found.get((first.year, first.month))
        months.append(
            OnTimeCount(
                f"{first:%Y-%m}",
                f"{first:%m/%Y}",
                int(row.on_time) if row else 0,
                int(row.late) if row else 0,
                int(row.pending) if row else 0,
            )
        )
        first = _next_month(first)
    return months
