"""Reminder rounds (đôn đốc lần 2, lần 3, …): one letter chasing the late units of a directive.

A round is started from the directive's unit table: the late units are chosen, a new deadline
is set in working days, and the product drafts the reminder letter. The letter then goes through
the agency's review, signature and numbering as its own process (bpmn/reminder_round.bpmn), an
instance that belongs to the directive's case without being a child of it. When the clerk issues
it (the script function `issue_reminder_round`), every chosen unit still at work is sent a message
(engine/messages.py) that moves its deadline: its unit process catches it on the acknowledge or
report task, moves the report deadline and re-arms the reminder and escalation timers, and stamps
its row of theo dõi thực hiện. The units are notified through the outbox.

The original directive is "lần 1"; rounds number themselves from 2 within the case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import JSON, CheckConstraint, Date, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine import audit
from engine.db import Base
from engine.messages import queue_message
from engine.models import ProcessInstance, TaskRow
from engine.task_rows import READY
from engine.types import UtcDateTime
from workflows.calendar import WorkingCalendar
from workflows.directive.tracking import UnitTracking, of_case

PROCESS: Final = "reminder_round"
#: The BPMN message the unit process catches (bpmn/unit_execution.bpmn, `reminder_round_message`).
MESSAGE: Final = "reminder_round"
FIRST_NUMBER: Final = 2  # the directive itself was the first time of asking
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 60, 5
DRAFTING: Final = "drafting"
ISSUED: Final = "issued"
STATUSES: Final = (DRAFTING, ISSUED)
LIVE: Final = ("running", "suspended")
#: The step of a unit asked only to acknowledge, with no closing day: the one a round can move.
RECEIPT_STEP: Final = "acknowledge_receipt"
#: Who may start a round besides those who supervise the whole agency: the lead division's people.
LEAD_ROLES: Final = frozenset({"division_head", "specialist"})


class ReminderRound(Base):
    """One reminder round of one directive: whom it chases, by when, and where its letter stands."""

    __tablename__ = "reminder_round"
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        CheckConstraint("status IN ('drafting', 'issued')", name="status"),
        CheckConstraint("number >= 2", name="number_from_two"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The codes of the units chosen, in the order the letter names them.
    units: Mapped[list[str]] = mapped_column(JSON)
    working_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The round's own process instance (its letter's review, signature and issue).
    instance_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    notation: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=DRAFTING)


class RoundRefused(Exception):
    """A round that cannot be started as asked; `field` names what is wrong, `units` the units refused."""

    def __init__(self, field: str, reason: str, units: Sequence[str] = ()) -> None:
        super().__init__(f"{field}: {reason} {', '.join(units)}".strip())
        self.field = field
        self.reason = reason
        self.units = list(units)


def may_start(roles: Iterable[tuple[str, str]], agency_code: str, lead_division: str | None) -> bool:
    """Whether a person with these (role, unit) pairs may start a round of a directive led by `lead_division`:
    whoever supervises the whole agency, or the head or a specialist of the lead division."""
    pairs = set(roles)
    if any(role == "supervisor" or (role in ("director", "leader") and unit == agency_code) for role, unit in pairs):
        return True
    return lead_division is not None and any(role in LEAD_ROLES and unit == lead_division for role, unit in pairs)


def rounds_of(session: Session, case_id: int) -> list[ReminderRound]:
    """The case's rounds, in number order."""
    return list(session.scalars(select(ReminderRound).where(ReminderRound.case_id == case_id).order_by("number")))


def next_number(session: Session, case_id: int) -> int:
    """The number the case's next round takes: 2 for the first."""
    last = session.scalar(select(func.max(ReminderRound.number)).where(ReminderRound.case_id == case_id))
    return FIRST_NUMBER if last is None else int(last) + 1


def open_units(session: Session, case_id: int) -> dict[str, UnitTracking]:
    """The units a round may chase: their part still runs and they owe an acknowledgement or a report.

    Of a directive that asks no report, the units that have not acknowledged it: except those whose
    follow-up ends on a set day (they are closed on that day, not chased; bpmn/README.md).
    """
    rows = [row for row in of_case(session, case_id) if row.owes() is not None]
    ids = [row.instance_id for row in rows]
    live = set(
        session.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(ids), ProcessInstance.status.in_(LIVE)))
    )
    receipt_only = [row.instance_id for row in rows if not row.report_required]
    chaseable = set(
        session.scalars(
            select(TaskRow.instance_id).where(
                TaskRow.instance_id.in_(receipt_only), TaskRow.state == READY, TaskRow.spec_name == RECEIPT_STEP
            )
        )
        if receipt_only
        else []
    )
    return {
        row.unit_code: row
        for row in rows
        if row.instance_id in live and (row.report_required or row.instance_id in chaseable)
    }


def late_units(session: Session, case_id: int, today: date) -> list[str]:
    """The open units whose acknowledgement or report is owed past its day, in the order addressed."""
    return [code for code, row in open_units(session, case_id).items() if row.late_on(today)]


def new_deadline(calendar: WorkingCalendar, today: date, working_days: int) -> date:
    """The deadline a round sets: that many working days after today."""
    return calendar.add_working_days(today, working_days)


@dataclass(frozen=True)
class RoundRequest:
    """What the person starting a round asked for."""

    case_id: int
    units: list[str]
    working_days: int
    actor: str
    today: date
    now: datetime


def check_request(session: Session, request: RoundRequest) -> list[str]:
    """The chosen units in the order the directive addressed them; RoundRefused when the choice cannot stand."""
    if not MIN_DAYS <= request.working_days <= MAX_DAYS:
        raise RoundRefused("working_days", "out_of_range")
    chosen = list(dict.fromkeys(code.strip() for code in request.units if code.strip()))
    if not chosen:
        raise RoundRefused("units", "none")
    allowed = open_units(session, request.case_id)
    refused = [code for code in chosen if code not in allowed]
    if refused:
        raise RoundRefused("units", "not_open", refused)
    return [code for code in allowed if code in chosen]


def record_round(session: Session, request: RoundRequest, units: list[str], deadline: date) -> ReminderRound:
    """The round's row, numbered next in its case (the caller starts its process)."""
    row = ReminderRound(
        case_id=request.case_id,
        number=next_number(session, request.case_id),
        units=units,
        working_days=request.working_days,
        deadline=deadline,
        started_by=request.actor,
        started_at=request.now,
        status=DRAFTING,
    )
    session.add(row)
    session.flush()
    return row


def started(session: Session, row: ReminderRound, instance_id: int, actor: str, now: datetime) -> None:
    """Link the round to its process and record it in the case's trail."""
    row.instance_id = instance_id
    audit.append(
        session,
        "workflows:reminder_round:started",
        actor=actor,
        at=now,
        case_id=row.case_id,
        instance_id=instance_id,
        after=_summary(row),
    )


def issue(session: Session, round_id: int, notation: str, issued_on: date, actor: str, now: datetime) -> list[int]:
    """The round's letter was numbered (by `actor`, the clerk): queue a deadline message to each chosen unit
    still at work.

    Returns the ids of the unit instances messaged. A unit that finished meanwhile is left alone.
    """
    row = session.get(ReminderRound, round_id)
    if row is None:
        raise LookupError(f"unknown reminder round {round_id}")
    row.status, row.notation, row.issued_on = ISSUED, notation, issued_on
    still_open = open_units(session, row.case_id)
    payload: dict[str, Any] = {"deadline": row.deadline.isoformat(), "round": row.number, "notation": notation}
    messaged = []
    for code in row.units:
        tracked = still_open.get(code)
        if tracked is not None:
            queue_message(session, tracked.instance_id, MESSAGE, str(row.id), payload, now)
            messaged.append(tracked.instance_id)
    audit.append(
        session,
        "workflows:reminder_round:issued",
        actor=actor,
        at=now,
        case_id=row.case_id,
        instance_id=row.instance_id,
        after={**_summary(row), "notation": notation, "messaged": len(messaged)},
    )
    return messaged


def _summary(row: ReminderRound) -> dict[str, Any]:
    return {"round": row.number, "units": len(row.units), "deadline": row.deadline.isoformat()}


def by_instance(session: Session, case_id: int) -> dict[int, ReminderRound]:
    """The case's rounds by the id of their process instance (for the trail)."""
    return {row.instance_id: row for row in rounds_of(session, case_id) if row.instance_id is not None}
