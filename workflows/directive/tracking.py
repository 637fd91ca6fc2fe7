"""Theo dõi thực hiện: one row per recipient unit of a directive, kept by the unit's own process.

The supervision pages ask "which units are late?" across every case. Answering from the task rows
alone cannot work: a unit's report deadline is known from the moment the directive is published,
long before its report task exists, and the questions are about units, not tasks. So the unit
execution process writes this row as it goes (docs/lifecycle.md §3): created when the unit
receives the directive, stamped when it acknowledges, reports and is accepted, and moved by a
reminder round. Each stamp is written by a script function in the same transaction as the step.

A unit is *late* while something is still owed past its due day: the acknowledgement after
``acknowledge_by``, or the report after ``deadline``. Work done late is not "late" any more; it is
counted as not on time (``on_time``) for the statistics.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import ColumnElement

from engine.db import Base
from engine.types import UtcDateTime

OPEN: Final = "open"  # the unit still works on it
DONE: Final = "done"  # acknowledged (no report asked) or its report accepted
CLOSED: Final = "closed"  # follow-up ended without the unit doing it (closing day passed)
STATUSES: Final = (OPEN, DONE, CLOSED)


class UnitTracking(Base):
    """Where one recipient unit stands with one directive."""

    __tablename__ = "unit_tracking"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'closed')", name="status"),
        CheckConstraint("reminders >= 0", name="reminders_not_negative"),
        # The board reads open rows by due day; the unit table reads one case's rows.
        Index("ix_unit_tracking_open_report", "status", "awaiting_report", "deadline"),
        Index("ix_unit_tracking_open_acknowledge", "status", "acknowledged_on", "acknowledge_by"),
        Index("ix_unit_tracking_unit", "unit_code", "status"),
        Index("ix_unit_tracking_division", "lead_division", "status"),
        # In the board's order (due day, then id), so that a page reads only its own rows.
        Index("ix_unit_tracking_due", "due_on", "id"),
        Index("ix_unit_tracking_unit_due", "unit_code", "due_on", "id"),
        Index("ix_unit_tracking_division_due", "lead_division", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    # The unit's own process instance: one row each, whatever happens to the case.
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    unit_code: Mapped[str] = mapped_column(String(50))
    lead_division: Mapped[str | None] = mapped_column(String(50))
    urgency: Mapped[int] = mapped_column(Integer, default=0)
    report_required: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    acknowledge_by: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    # The day the report is due (moved by a reminder round or a request for more); None when no
    # report is asked.
    deadline: Mapped[date | None] = mapped_column(Date)
    original_deadline: Mapped[date | None] = mapped_column(Date)
    # True while a report is owed: from the start, and again after the division asked for more.
    awaiting_report: Mapped[bool] = mapped_column(Boolean)
    reported_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    # Reminder rounds (đôn đốc) that named this unit.
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The day of what the unit owes now (`due_day()`), kept on every write so that "late or due
    # soon" is one index range, read in order; None when it owes nothing.
    due_on: Mapped[date | None] = mapped_column(Date)

    @property
    def on_time(self) -> bool | None:
        """Whether the first report came by the original deadline (None while none came)."""
        if self.reported_on is None or self.original_deadline is None:
            return None
        return self.reported_on <= self.original_deadline

    def due_day(self) -> date | None:
        """The day of what the unit owes now: its acknowledgement first, then its report."""
        if self.status != OPEN:
            return None
        if self.acknowledged_on is None:
            return self.acknowledge_by
        return self.deadline if self.awaiting_report else None

    def owes(self) -> str | None:
        """What the unit owes now: "acknowledge", "report" or nothing."""
        if self.status != OPEN:
            return None
        if self.acknowledged_on is None:
            return "acknowledge"
        return "report" if self.awaiting_report else None

    def late_on(self, today: date) -> bool:
        """Whether the unit owes something whose day has passed."""
        due = self.due_day()
        return due is not None and due < today


@event.listens_for(UnitTracking, "before_insert")
@event.listens_for(UnitTracking, "before_update")
def _keep_due_on(_mapper: object, _connection: object, row: UnitTracking) -> None:
    row.due_on = row.due_day()


def owing_by(day: date) -> ColumnElement[bool]:
    """Open rows whose acknowledgement or report is due before `day` (the SQL form of `late_on`)."""
    return UnitTracking.due_on < day


def of_instance(session: Session, instance_id: int) -> UnitTracking | None:
    """The row a unit's process keeps, if it keeps one."""
    return session.scalar(select(UnitTracking).where(UnitTracking.instance_id == instance_id))


def of_case(session: Session, case_id: int) -> list[UnitTracking]:
    """Every recipient unit of one case, in the order they were addressed."""
    return list(session.scalars(select(UnitTracking).where(UnitTracking.case_id == case_id).order_by(UnitTracking.id)))


def start(
    session: Session,
    *,
    case_id: int,
    instance_id: int,
    unit_code: str,
    lead_division: str | None,
    urgency: int,
    report_required: bool,
    acknowledge_by: date,
    deadline: date | None,
    now: datetime,
) -> UnitTracking:
    """The row of a unit that has just received the directive (again the same row if re-run)."""
    row = of_instance(session, instance_id)
    if row is None:
        row = UnitTracking(case_id=case_id, instance_id=instance_id, reminders=0)
        session.add(row)
    row.unit_code = unit_code
    row.lead_division = lead_division
    row.urgency = urgency
    row.report_required = report_required
    row.status = OPEN
    row.acknowledge_by = acknowledge_by
    row.deadline = row.original_deadline = deadline
    row.awaiting_report = report_required
    row.updated_at = now
    session.flush()
    return row


def _stamp(session: Session, instance_id: int, now: datetime) -> UnitTracking | None:
    row = of_instance(session, instance_id)
    if row is not None:
        row.updated_at = now
    return row


def acknowledged(session: Session, instance_id: int, today: date, now: datetime, *, finished: bool) -> None:
    """The unit acknowledged receipt (the first time counts); `finished` when nothing more is owed."""
    row = _stamp(session, instance_id, now)
    if row is None:
        return
    row.acknowledged_on = row.acknowledged_on or today
    if finished:
        row.status = DONE


def reported(session: Session, instance_id: int, today: date, now: datetime) -> None:
    """The unit sent its report (the first one dates it; a resubmission clears what was owed)."""
    row = _stamp(session, instance_id, now)
    if row is None:
        return
    row.acknowledged_on = row.acknowledged_on or today
    row.reported_on = row.reported_on or today
    row.awaiting_report = False


def returned(session: Session, instance_id: int, resubmit_by: date, now: datetime) -> None:
    """The lead division asked for more: a report is owed again, by a new day."""
    row = _stamp(session, instance_id, now)
    if row is not None:
        row.awaiting_report, row.deadline = True, resubmit_by


def accepted(session: Session, instance_id: int, today: date, now: datetime) -> None:
    """The lead division accepted the report: the unit is done."""
    row = _stamp(session, instance_id, now)
    if row is not None:
        row.accepted_on, row.status, row.awaiting_report = today, DONE, False


def closed(session: Session, instance_id: int, now: datetime) -> None:
    """Follow-up ended without the unit's part (its closing day passed)."""
    row = _stamp(session, instance_id, now)
    if row is not None:
        row.status = CLOSED


def moved_by_round(session: Session, instance_id: int, deadline: date, acknowledge_by: date, now: datetime) -> None:
    """A reminder round named the unit: its report (if the directive asks one) is due by `deadline`,
    and a unit that never acknowledged owes that by `acknowledge_by`."""
    row = _stamp(session, instance_id, now)
    if row is None:
        return
    if row.report_required:
        row.deadline = deadline
    row.reminders += 1
    if row.acknowledged_on is None:
        row.acknowledge_by = acknowledge_by
