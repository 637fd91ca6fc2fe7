"""Lists of cases (Văn bản của tôi, search results): one page of cases with their current steps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, TaskRow
from web.accounts.auth import CurrentUser
from web.cases.case_access import fully_visible, involved
from web.core.labels import step_label
from workflows.registers.models import IncomingDocument

PER_PAGE = 20


@dataclass(frozen=True)
class CaseRow:
    """One case in a list."""

    case: ProcessInstance
    arrival: IncomingDocument | None
    current: list[str]


@dataclass(frozen=True)
class CasePage:
    """A page of cases and how many match in all."""

    rows: list[CaseRow]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the matching cases fill."""
        return max(1, -(-self.total // self.per_page))


def arrival_of_case() -> ColumnElement[bool]:
    """Joins a case to its incoming register row: registers refer to a case as "case:<id>"."""
    return IncomingDocument.reference == literal("case:", String) + cast(ProcessInstance.id, String)


def current_steps(session: Session, user: CurrentUser, case_ids: Iterable[int]) -> dict[int, list[str]]:
    """The waiting steps of each case, as far as the user may see them, e.g. "Triển khai và báo cáo (12)"."""
    ids = set(case_ids)
    if not ids:
        return {}
    whole = fully_visible(session, user, ids)
    partial = ids - whole
    mine: set[int] = set()
    if partial:
        query = select(TaskRow.instance_id).where(TaskRow.case_id.in_(partial), involved(user.username, user.roles))
        mine = set(session.scalars(query.distinct()))
    ready = session.execute(
        select(TaskRow.case_id, TaskRow.instance_id, TaskRow.title)
        .where(TaskRow.case_id.in_(ids), TaskRow.state == "ready")
        .order_by(TaskRow.created_at, TaskRow.id)
    ).all()
    counts: dict[int, Counter[str]] = {case_id: Counter() for case_id in ids}
    for case_id, instance_id, title in ready:
        if case_id in whole or instance_id in mine:
            counts[case_id][step_label(title)] += 1
    return {
        case_id: [title if n == 1 else f"{title} ({n})" for title, n in counter.items()]
        for case_id, counter in counts.items()
    }


def page_of(
    session: Session, user: CurrentUser, statement: Select[ProcessInstance, IncomingDocument], page: int
) -> CasePage:
    """One page of the cases a statement selects (newest first), with their current steps."""
    total = int(session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)
    page = max(1, page)
    rows = session.execute(
        statement.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    steps = current_steps(session, user, [case.id for case, _arrival in rows])
    return CasePage([CaseRow(case, arrival, steps.get(case.id, [])) for case, arrival in rows], total, page)


def cases_with_arrival(*where: ColumnElement[bool]) -> Select[ProcessInstance, IncomingDocument]:
    """Cases with their incoming register row (if any), filtered."""
    return select(ProcessInstance, IncomingDocument).outerjoin(IncomingDocument, arrival_of_case()).where(*where)


def arrived_between(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """Conditions on the arrival date, both ends included."""
    conditions = []
    if start is not None:
        conditions.append(IncomingDocument.arrival_date >= start)
    if end is not None:
        conditions.append(IncomingDocument.arrival_date <= end)
    return conditions
