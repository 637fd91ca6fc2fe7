"""The supervision board: work late or due soon across every case, by unit, step and case.

Two sources make one list. A recipient unit's part of a directive is read from its row of theo
dõi thực hiện (workflows/directive/tracking.py): it is late when its acknowledgement or report is
owed past its day, whether or not a task row exists for it. Every other step (drafting, review,
signing, numbering, checking a unit's report) is read from the task rows. The unit's own task
rows are left out of the second source so nothing is counted twice.

Each statement reads through an index whose leading columns are the filter (state and due day),
and the list and its counts cover the WINDOW most overdue items at most: the board stays quick
when the agency has a million open tasks, and says so when it shows only the most overdue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from engine.models import ProcessInstance, TaskRow
from workflows.calendar import WorkingCalendar
from workflows.directive.tracking import UnitTracking, owing_by
from workflows.supervision.indexes import WAITING_ELSEWHERE
from workflows.supervision.scope import Scope

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
LIVE = ("running", "suspended")
# What a unit owes, as the step the board names.
ACKNOWLEDGE, REPORT = "acknowledge", "report"
# At most this many items are read from each source, the most overdue first: the board of an
# agency with a million open tasks stays one bounded read, and beyond it the page says to filter.
WINDOW = 500


@dataclass(frozen=True)
class BoardFilter:
    """What the supervisor asked to see."""

    within: int = 2  # working days ahead that count as "due soon"
    unit: str | None = None
    division: str | None = None
    case_id: int | None = None
    min_urgency: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class BoardItem:
    """One piece of work late or due soon."""

    case_id: int
    case_number: str | None
    case_title: str | None
    unit_code: str | None
    step: str  # ACKNOWLEDGE or REPORT for a unit's part; the task's step id otherwise
    step_title: str | None  # the task's title (None for a unit's part: the page names it)
    due: date
    days_late: int  # working days past the due day; 0 or less: due soon (minus the days left)
    urgency: int
    task_id: str | None = None
    detail: str | None = None  # what the task is about (which unit's report a division checks)

    @property
    def late(self) -> bool:
        """Whether the due day has passed."""
        return self.days_late > 0


@dataclass
class Board:
    """A page of items, how many there are, and the counts by unit, step and case."""

    items: list[BoardItem]
    total: int
    late: int
    page: int
    per_page: int
    by_unit: list[tuple[str, int]] = field(default_factory=list)
    by_step: list[tuple[str, int]] = field(default_factory=list)
    by_case: list[tuple[int, int]] = field(default_factory=list)
    step_titles: dict[str, str] = field(default_factory=dict)
    # False when more than WINDOW items match: the list and its counts are the most overdue WINDOW.
    complete: bool = True

    @property
    def pages(self) -> int:
        """How many pages the items fill."""
        return max(1, -(-self.total // self.per_page))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL)


def task_due_day(due_at: datetime) -> date:
    """The day a task is due: a bare-date deadline is stored as the midnight that ends it."""
    return (due_at.astimezone(LOCAL) - timedelta(microseconds=1)).date()


class BoardQuery:
    """The board's statements for one scope, filter and day."""

    def __init__(
        self, session: Session, scope: Scope, board_filter: BoardFilter, today: date, calendar: WorkingCalendar
    ):
        self.session = session
        self.scope = scope
        self.filter = board_filter
        self.today = today
        self.calendar = calendar
        # Everything due on or before this day is on the board.
        self.last_day = calendar.add_working_days(today, max(0, board_filter.within))
        self._lateness: dict[date, int] = {}

    # -- the two sources -------------------------------------------------------------------

    def _units_where(self) -> list[ColumnElement[bool]]:
        unit_instance = aliased(ProcessInstance)
        live = (
            select(unit_instance.id)
            .where(unit_instance.id == UnitTracking.instance_id, unit_instance.status.in_(LIVE))
            .exists()
        )
        where = [owing_by(self.last_day + timedelta(days=1)), live, self.scope.tracking()]
        chosen = self.filter
        if chosen.unit:
            where.append(UnitTracking.unit_code == chosen.unit)
        if chosen.division:
            where.append(UnitTracking.lead_division == chosen.division)
        if chosen.case_id is not None:
            where.append(UnitTracking.case_id == chosen.case_id)
        if chosen.min_urgency is not None:
            where.append(UnitTracking.urgency >= chosen.min_urgency)
        return where

    def _tasks_where(self) -> list[ColumnElement[bool]]:
        where = [
            WAITING_ELSEWHERE,
            TaskRow.due_at < _start_of(self.last_day + timedelta(days=1)),
            self.scope.tasks_in_place(),
        ]
        chosen = self.filter
        if chosen.unit:
            where.append(TaskRow.candidate_unit == chosen.unit)
        if chosen.division:
            where.append(TaskRow.candidate_unit == chosen.division)
        if chosen.case_id is not None:
            where.append(TaskRow.case_id == chosen.case_id)
        if chosen.min_urgency is not None:
            where.append(TaskRow.priority >= chosen.min_urgency)
        return where

    # -- the page --------------------------------------------------------------------------

    def _unit_items(self, limit: int) -> list[BoardItem]:
        case_row, row = aliased(ProcessInstance), UnitTracking
        statement = (
            select(
                row.case_id,
                case_row.business_key,
                case_row.title,
                row.unit_code,
                row.acknowledged_on,
                row.due_on,
                row.urgency,
            )
            .join(case_row, case_row.id == row.case_id)
            .where(*self._units_where())
            .order_by(row.due_on, row.id)
            .limit(limit)
        )
        return [
            BoardItem(
                case_id=case_id,
                case_number=number,
                case_title=title,
                unit_code=unit,
                step=REPORT if acknowledged_on is not None else ACKNOWLEDGE,
                step_title=None,
                due=due,
                days_late=self._days_late(due),
                urgency=urgency,
            )
            for case_id, number, title, unit, acknowledged_on, due, urgency in self.session.execute(statement)
            if due is not None  # owing_by chose rows that owe something
        ]

    def _task_items(self, limit: int) -> list[BoardItem]:
        case_row, task = aliased(ProcessInstance), TaskRow
        statement = (
            select(
                task.id,
                task.case_id,
                case_row.business_key,
                case_row.title,
                task.candidate_unit,
                task.spec_name,
                task.title,
                task.due_at,
                task.priority,
                task.detail,
            )
            .join(case_row, case_row.id == task.case_id)
            .where(*self._tasks_where())
            .order_by(task.due_at, task.id)
            .limit(limit)
        )
        items = []
        rows = self.session.execute(statement)
        for task_id, case_id, number, title, unit, step, step_title, due_at, priority, detail in rows:
            assert due_at is not None  # the filter compares it
            due = task_due_day(due_at)
            items.append(
                BoardItem(
                    case_id=case_id,
                    case_number=number,
                    case_title=title,
                    unit_code=unit,
                    step=step,
                    step_title=step_title,
                    due=due,
                    days_late=self._days_late(due),
                    urgency=priority,
                    task_id=task_id,
                    detail=detail,
                )
            )
        return items

    def _days_late(self, due: date) -> int:
        if due not in self._lateness:
            self._lateness[due] = self.calendar.working_days_between(due, self.today)
        return self._lateness[due]

    def build(self) -> Board:
        """The page of items and the counts, over the WINDOW most overdue items at most."""
        chosen = self.filter
        page = max(1, chosen.page)
        units, tasks = self._unit_items(WINDOW), self._task_items(WINDOW)
        merged = sorted([*units, *tasks], key=lambda item: (item.due, item.case_id, item.unit_code or "", item.step))
        merged = merged[:WINDOW]
        by_unit = Counter(item.unit_code or "" for item in merged)
        by_step = Counter(item.step for item in merged)
        by_case = Counter(item.case_id for item in merged)
        return Board(
            items=merged[(page - 1) * chosen.per_page : page * chosen.per_page],
            total=len(merged),
            late=sum(1 for item in merged if item.late),
            page=page,
            per_page=chosen.per_page,
            complete=len(units) < WINDOW and len(tasks) < WINDOW,
            by_unit=by_unit.most_common(),
            by_step=by_step.most_common(),
            by_case=by_case.most_common(),
            step_titles={item.step: item.step_title for item in merged if item.step_title},
        )


def board(session: Session, scope: Scope, board_filter: BoardFilter, today: date, calendar: WorkingCalendar) -> Board:
    """The supervision board for one person's scope on one day."""
    return BoardQuery(session, scope, board_filter, today, calendar).build()


def case_numbers(session: Session, case_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    """Number and title of each case, for the counts by case."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.title).where(
            ProcessInstance.id.in_(ids)
        )
    )
    return {case_id: (number, title) for case_id, number, title in rows}
