"""The auditors' search across cases: the events that match who, where, which step, what was decided, when.

An event of the audit trail (engine/audit.py) names its actor, its time, its case and, for a step,
its task; the task row holds what the actor acted as: the role of the step's lane and the unit it
was offered to, which do not change after the task is created, and the decision taken when it was
completed. So "every return by a head of division" is the completed events of tasks whose role is
``division_head`` and whose decision is ``return``. A document number matches the case's numbers
(incoming and outgoing), kept folded in the case's search text.

Results are newest first. A count stops at COUNT_CAP, as the inbox's does (engine/inbox.py): what
costs is reading every match, and a search that matches tens of thousands of events across a
million (one unit's, one step's) would otherwise read them all for each page; its pages show the
newest COUNT_CAP, and an export takes at most EXPORT_LIMIT events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, aliased

from engine import task_rows
from engine.models import AuditEvent, ProcessInstance, TaskRow
from engine.text import fold
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.models import Unit, User
from workflows.supervision.statistics import user_tasks

#: Every state a task row is in. Naming them all selects nothing less, and lets the planner read
#: the task indexes that begin with the state: ix_task_inbox for a role, ix_task_step for a step.
TASK_STATES = (task_rows.READY, task_rows.COMPLETED, task_rows.CANCELLED)
PER_PAGE = 50
COUNT_CAP = 1_000
EXPORT_LIMIT = 10_000
COMPLETED = "engine:task:completed"


@dataclass(frozen=True)
class Criteria:
    """What to look for; None means any. `people` are usernames (an empty tuple matches no one)."""

    people: tuple[str, ...] | None = None
    unit: str | None = None
    role: str | None = None
    step: str | None = None
    decision: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    number: str | None = None

    @property
    def asked(self) -> bool:
        """Whether anything at all was asked."""
        wanted = (self.unit, self.role, self.step, self.decision, self.first_day, self.last_day, self.number)
        return self.people is not None or any(value is not None for value in wanted)

    @property
    def about_tasks(self) -> bool:
        """Whether only events of steps can match (the criteria name a step's role, unit, id or decision)."""
        return any(value is not None for value in (self.unit, self.role, self.step, self.decision))


@dataclass(frozen=True)
class Hit:
    """One matching event: its case, its step, who did it (as what, where, for whom), when, decision, comment."""

    event_id: int
    case_id: int
    case_number: str | None
    case_title: str | None
    tag: str
    at: datetime
    actor: str
    actor_name: str
    on_behalf_of: str | None
    on_behalf_name: str | None
    role: str | None
    unit: str | None
    unit_name: str | None
    step: str | None
    step_title: str | None
    decision: str | None
    comment: str | None


@dataclass(frozen=True)
class HitPage:
    """One page of hits and how many match in all, counted up to one past `cap` (`complete` says whether it stopped)."""

    hits: list[Hit]
    total: int
    page: int
    per_page: int = PER_PAGE
    cap: int = COUNT_CAP

    @property
    def complete(self) -> bool:
        """Whether `total` counts every match."""
        return self.total <= self.cap

    @property
    def pages(self) -> int:
        """How many pages the counted matches fill (the newest `cap` of them)."""
        return max(1, -(-min(self.total, self.cap) // self.per_page))


def day_start(day: date) -> datetime:
    """The first moment of a day in Vietnam, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def people_named(session: Session, text: str) -> tuple[str, ...]:
    """Usernames the text names: a username exactly, or part of a full name, with or without diacritics."""
    wanted = fold(text)
    if not wanted:
        return ()
    # Users are a few hundred at most: their names are folded here, the same way on every database.
    rows = session.execute(select(User.username, User.full_name).order_by(User.username))
    return tuple(name for name, full in rows if name.lower() == text.strip().lower() or wanted in fold(full))


def steps(session: Session) -> list[tuple[str, str]]:
    """Every step of the deployed processes (id, title), by title, each id once."""
    titles: dict[str, str] = {}
    for process_steps in user_tasks(session).values():
        titles.update(process_steps)
    return sorted(titles.items(), key=lambda item: (fold(item[1]), item[0]))


_case = aliased(ProcessInstance, name="searched_case")


def _conditions(criteria: Criteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.people is not None:
        where.append(AuditEvent.actor.in_(criteria.people) if criteria.people else false())
    if criteria.role is not None or criteria.step is not None:
        where.append(TaskRow.state.in_(TASK_STATES))
    if criteria.unit is not None:
        where.append(TaskRow.candidate_unit == criteria.unit)
    if criteria.role is not None:
        where.append(TaskRow.role == criteria.role)
    if criteria.step is not None:
        where.append(TaskRow.spec_name == criteria.step)
    if criteria.decision is not None:
        where += [AuditEvent.tag == COMPLETED, TaskRow.decision == criteria.decision]
    if criteria.first_day is not None:
        where.append(AuditEvent.at >= day_start(criteria.first_day))
    if criteria.last_day is not None:
        where.append(AuditEvent.at < day_start(criteria.last_day + timedelta(days=1)))
    if criteria.number:
        where.append(_case.search_text.contains(fold(criteria.number), autoescape=True))
    return where


def matching(criteria: Criteria) -> Select[Any]:
    """The matching events with their task and case, newest first."""
    query = select(
        AuditEvent.id,
        AuditEvent.case_id,
        AuditEvent.tag,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.after,
        AuditEvent.comment,
        TaskRow.spec_name,
        TaskRow.title,
        TaskRow.role,
        TaskRow.candidate_unit,
        TaskRow.decision,
        _case.business_key,
        _case.title.label("case_title"),
    ).join(_case, _case.id == AuditEvent.case_id)
    # A step's role, unit, id or decision can only match an event of a task: join, not outer join.
    query = query.join(TaskRow, TaskRow.id == AuditEvent.task_id, isouter=not criteria.about_tasks)
    return query.where(*_conditions(criteria)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _count(session: Session, criteria: Criteria, cap: int) -> int:
    """How many events match, counted up to one past `cap`."""
    capped = matching(criteria).with_only_columns(AuditEvent.id).order_by(None).limit(cap + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


def _hits(session: Session, rows: Sequence[Any]) -> list[Hit]:
    after_of = [row.after if isinstance(row.after, dict) else {} for row in rows]
    substituted = {str(after["on_behalf_of"]) for after in after_of if after.get("on_behalf_of")}
    people = {row.actor for row in rows} | substituted
    names = dict(session.execute(select(User.username, User.full_name).where(User.username.in_(people))).all())
    units = {row.candidate_unit for row in rows if row.candidate_unit}
    unit_names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(units))).all())
    hits = []
    for row, after in zip(rows, after_of, strict=True):
        absent = str(after["on_behalf_of"]) if after.get("on_behalf_of") else None
        hits.append(
            Hit(
                event_id=row.id,
                case_id=row.case_id,
                case_number=row.business_key,
                case_title=row.case_title,
                tag=row.tag,
                at=row.at,
                actor=row.actor,
                actor_name=names.get(row.actor, row.actor),
                on_behalf_of=absent,
                on_behalf_name=names.get(absent, absent) if absent else None,
                role=row.role,
                unit=row.candidate_unit,
                unit_name=unit_names.get(row.candidate_unit) if row.candidate_unit else None,
                step=row.spec_name or after.get("task"),
                step_title=row.title or after.get("title"),
                decision=row.decision if row.tag == COMPLETED else None,
                comment=row.comment,
            )
        )
    return hits


def search(
    session: Session, criteria: Criteria, page: int = 1, per_page: int = PER_PAGE, cap: int = COUNT_CAP
) -> HitPage:
    """One page of the events that match, newest first, and how many match (counted up to `cap`)."""
    total = _count(session, criteria, cap)
    page = min(max(1, page), HitPage([], total, 1, per_page, cap).pages)
    offset = (page - 1) * per_page
    rows = session.execute(matching(criteria).limit(min(per_page, cap - offset)).offset(offset)).all()
    return HitPage(_hits(session, rows), total, page, per_page, cap)


def every_hit(session: Session, criteria: Criteria, limit: int = EXPORT_LIMIT) -> list[Hit]:
    """The events that match, newest first, at most `limit` of them (for an export)."""
    return _hits(session, session.execute(matching(criteria).limit(limit)).all())
