"""Who has what to do: queries over task rows, never over deserialized workflows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from .models import ProcessInstance, TaskRow
from .text import fold

SORTS = {
    "urgent": (TaskRow.priority.desc(), TaskRow.created_at.desc()),
    "due": (TaskRow.due_at.is_(None), TaskRow.due_at.asc(), TaskRow.priority.desc()),
    "received": (TaskRow.created_at.desc(),),
    "oldest": (TaskRow.created_at.asc(),),
}


@dataclass(frozen=True)
class InboxQuery:
    """Filters, order and page of an inbox."""

    step: str | None = None
    due_before: datetime | None = None
    min_priority: int | None = None
    text: str | None = None
    sort: str = "urgent"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class InboxRow:
    """One line of an inbox: the task and the case it belongs to."""

    task: TaskRow
    case_title: str | None
    case_number: str | None


@dataclass(frozen=True)
class InboxPage:
    """A page of an inbox and how many tasks match in all."""

    rows: list[InboxRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the matching tasks fill."""
        return max(1, -(-self.total // self.per_page))


def open_to(username: str, roles: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """Ready tasks claimed by the user, or unclaimed and offered to a (role, unit) they hold."""
    ready = TaskRow.state == "ready"
    # One branch per index: (state, assignee, …) and (state, role, candidate_unit, …). SQLite uses
    # both indexes (a multi-index OR) only when every branch names all their leading columns; a
    # row-value IN, or a shared `state = …` outside the OR, makes it read every ready task of everyone.
    offered = [
        and_(ready, TaskRow.assignee.is_(None), TaskRow.role == role, TaskRow.candidate_unit == unit)
        for role, unit in sorted(set(roles))
    ]
    return or_(and_(ready, TaskRow.assignee == username), *offered)


def _filtered(
    username: str, roles: Iterable[tuple[str, str]], query: InboxQuery
) -> Select[TaskRow, str | None, str | None]:
    case = ProcessInstance
    statement = (
        select(TaskRow, case.title, case.business_key)
        .join(case, case.id == TaskRow.case_id)
        .where(open_to(username, roles))
    )
    if query.step:
        statement = statement.where(TaskRow.spec_name == query.step)
    if query.due_before is not None:
        statement = statement.where(TaskRow.due_at < query.due_before)
    if query.min_priority is not None:
        statement = statement.where(TaskRow.priority >= query.min_priority)
    if query.text:
        statement = statement.where(case.search_text.contains(fold(query.text), autoescape=True))
    return statement


def inbox(session: Session, username: str, roles: Iterable[tuple[str, str]], query: InboxQuery) -> InboxPage:
    """One page of the user's pending tasks."""
    roles = list(roles)
    statement = _filtered(username, roles, query)
    total = int(session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)
    order = SORTS.get(query.sort, SORTS["urgent"])
    page = max(1, query.page)
    rows = session.execute(
        statement.order_by(*order, TaskRow.id).limit(query.per_page).offset((page - 1) * query.per_page)
    )
    return InboxPage([InboxRow(task, title, number) for task, title, number in rows], total, page, query.per_page)


def steps_open_to(session: Session, username: str, roles: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The distinct steps (id, title) among the user's pending tasks: the choices of the step filter."""
    statement = (
        select(TaskRow.spec_name, TaskRow.title).where(open_to(username, roles)).distinct().order_by(TaskRow.title)
    )
    return [(name, title) for name, title in session.execute(statement)]
