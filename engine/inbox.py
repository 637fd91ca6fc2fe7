"""Who has what to do: queries over task rows, never over deserialized workflows.

An inbox is the union of disjoint branches: the tasks the user claimed, and for each (role, unit)
they hold the unclaimed tasks offered to it. Each branch has an index whose order is the inbox's
order (`TaskRow`'s `ix_task_offered_*`), so a page asks every branch for its first rows only and
merges them: with twenty thousand tasks open to one unit, a page still reads a few dozen index
entries instead of sorting them all. The count stops at `COUNT_CAP` (the page says "1000+"), and
the step filter's choices come from skipping through an index, one probe per distinct step.

The search box matches the case's text copied onto each ready task (`TaskRow.search_text`, kept by
`task_rows.keep_search_text`), not the case row: on PostgreSQL the urgent order's index holds it and
everything else a search filters by or returns, so that a search reads at most a unit's index entries,
never a task or a case per entry, however rare the words are. Words are not in any index's order,
so the count of a search reads entries until it has found `SEARCH_COUNT_CAP` matches ("100+").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label

from .models import ProcessInstance, TaskRow
from .text import fold

# The order of each sort, given the task columns to order (the table's, or a merged page's).
# NULLS LAST is PostgreSQL's own order for ASC, so a deadline index serves "due" there.
SORTS: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "urgent": lambda t: (t.priority.desc(), t.created_at.desc()),
    "due": lambda t: (t.due_at.asc().nulls_last(), t.priority.desc()),
    "received": lambda t: (t.created_at.desc(),),
    "oldest": lambda t: (t.created_at.asc(),),
}
# Beyond this many matching tasks the inbox says "1000+" instead of counting them all.
COUNT_CAP = 1000
# A search counts no further than this: each match costs index entries read, not one.
SEARCH_COUNT_CAP = 100


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
    """A page of an inbox and how many tasks match in all (at most the cap, then `capped`)."""

    rows: list[InboxRow]
    total: int
    page: int
    per_page: int
    capped: bool = False
    has_next: bool = False

    @property
    def pages(self) -> int:
        """How many pages there are to link to: all of them, or up to the next one past the cap."""
        counted = -(-self.total // self.per_page)
        return max(1, counted, self.page + 1 if self.has_next else self.page)


def _branches(groups: int) -> list[ColumnElement[bool]]:
    """Disjoint conditions whose union is what is open to the user, each matching an index's prefix.

    The user and their (role, unit) pairs are parameters (`username`, `role_N`, `unit_N`), so that
    a statement built once serves every user holding as many pairs.
    """
    ready = TaskRow.state == "ready"
    offered = [
        and_(
            ready,
            TaskRow.role == bindparam(f"role_{n}"),
            TaskRow.candidate_unit == bindparam(f"unit_{n}"),
            TaskRow.assignee.is_(None),
        )
        for n in range(groups)
    ]
    return [and_(ready, TaskRow.assignee == bindparam("username")), *offered]


def _who(username: str, roles: Iterable[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
    """How many (role, unit) pairs the user holds, and the parameters of `_branches` for them."""
    pairs = sorted(set(roles))
    params: dict[str, Any] = {"username": username}
    for n, (role, unit) in enumerate(pairs):
        params[f"role_{n}"], params[f"unit_{n}"] = role, unit
    return len(pairs), params


def open_to(username: str, roles: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """Ready tasks claimed by the user, or unclaimed and offered to a (role, unit) they hold."""
    # One branch per index: (state, assignee, …) and (state, role, candidate_unit, …). SQLite uses
    # both indexes (a multi-index OR) only when every branch names all their leading columns; a
    # row-value IN, or a shared `state = …` outside the OR, makes it read every ready task of everyone.
    ready = TaskRow.state == "ready"
    offered = [
        and_(ready, TaskRow.role == role, TaskRow.candidate_unit == unit, TaskRow.assignee.is_(None))
        for role, unit in sorted(set(roles))
    ]
    return or_(and_(ready, TaskRow.assignee == username), *offered)


@dataclass(frozen=True)
class _Shape:
    """What a statement's SQL depends on; the values are its parameters (see `_params`)."""

    groups: int
    sort: str
    step: bool
    due: bool
    priority: bool
    text: bool

    @property
    def cap(self) -> int:
        """Where the count stops: `SEARCH_COUNT_CAP` for a search, else `COUNT_CAP`."""
        return SEARCH_COUNT_CAP if self.text else COUNT_CAP

    @classmethod
    def of(cls, groups: int, query: InboxQuery) -> _Shape:
        """The shape of a query for a user holding `groups` (role, unit) pairs."""
        sort = query.sort if query.sort in SORTS else "urgent"
        return cls(
            groups,
            sort,
            bool(query.step),
            query.due_before is not None,
            query.min_priority is not None,
            bool(query.text),
        )


def _params(query: InboxQuery) -> dict[str, Any]:
    """The filters' values, named as `_branch` names them."""
    text = fold(query.text)
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return {
        "step": query.step,
        "due_before": query.due_before,
        "min_priority": query.min_priority,
        "pattern": f"%{escaped}%",
    }


def _branch(condition: ColumnElement[bool], shape: _Shape, *columns: Any) -> Select[Any]:
    statement = select(*columns).select_from(TaskRow).where(condition)
    if shape.step:
        statement = statement.where(TaskRow.spec_name == bindparam("step"))
    if shape.due:
        statement = statement.where(TaskRow.due_at < bindparam("due_before"))
    if shape.priority:
        statement = statement.where(TaskRow.priority >= bindparam("min_priority"))
    if shape.text:
        statement = statement.where(TaskRow.search_text.like(bindparam("pattern"), escape="/"))
    return statement


def _wrapped(statement: Select[Any]) -> Select[Any]:
    # SQLite takes ORDER BY and LIMIT inside a UNION only in a subquery of its own.
    return select(statement.subquery())


# Statements are built once per shape and kept: building one and computing its cache key costs
# more than running it against the indexes.
@functools.lru_cache(maxsize=256)
def _count_statement(shape: _Shape) -> Select[Any]:
    """How many tasks match, counting no further than one past the cap."""
    one: Label[Any] = literal_column("1").label("one")
    limited = [_wrapped(_branch(c, shape, one).limit(shape.cap + 1)) for c in _branches(shape.groups)]
    return select(func.count()).select_from(union_all(*limited).subquery())


@functools.lru_cache(maxsize=256)
def _page_statement(shape: _Shape) -> Select[TaskRow, str | None, str | None, int]:
    """A page: each branch's first `wanted` keys in order, merged, `shown` of them from `offset`, then their rows.

    Each row also says how many keys were merged (`counted`): fewer than `wanted` means every match.
    """
    order = SORTS[shape.sort]
    wanted = bindparam("wanted", type_=Integer)
    # Keys only, so that a search reads them from an index that holds its text (`TaskRow`'s indexes).
    keys = [TaskRow.id, TaskRow.priority, TaskRow.created_at, TaskRow.due_at]
    firsts = [
        _wrapped(_branch(c, shape, *keys).order_by(*order(TaskRow), TaskRow.id).limit(wanted))
        for c in _branches(shape.groups)
    ]
    merged = union_all(*firsts).subquery()
    shown = (
        select(merged.c.id, func.count().over().label("counted"))
        .order_by(*order(merged.c), merged.c.id)
        .limit(bindparam("shown", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery()
    )
    case = ProcessInstance
    return (
        select(TaskRow, case.title, case.business_key, shown.c.counted)
        .join(shown, shown.c.id == TaskRow.id)
        .join(case, case.id == TaskRow.case_id)
        .order_by(*order(TaskRow), TaskRow.id)
    )


def inbox(session: Session, username: str, roles: Iterable[tuple[str, str]], query: InboxQuery) -> InboxPage:
    """One page of the user's pending tasks."""
    groups, params = _who(username, roles)
    shape = _Shape.of(groups, query)
    params |= _params(query)
    page = max(1, query.page)
    offset = (page - 1) * query.per_page
    # One more row than the page shows says whether a next page exists past the count's cap.
    wanted = offset + query.per_page + 1
    params |= {"wanted": wanted, "shown": query.per_page + 1, "offset": offset}
    rows = list(session.execute(_page_statement(shape), params))
    merged = int(rows[0].counted) if rows else None
    if merged is not None and merged < wanted:
        # Every branch gave fewer keys than asked for, so all it has: that is the count. A search
        # for a directive's number ends here, having read each branch once.
        counted = merged
    elif not rows and offset == 0:
        counted = 0
    else:
        counted = int(session.scalar(_count_statement(shape), params) or 0)
    return InboxPage(
        [InboxRow(t, title, number) for t, title, number, _ in rows[: query.per_page]],
        min(counted, shape.cap),
        page,
        query.per_page,
        capped=counted > shape.cap,
        has_next=len(rows) > query.per_page,
    )


def _offered_steps(condition: ColumnElement[bool], name: str) -> Select[Any]:
    """The distinct steps of one offered branch, skipping through its steps index: a probe per step."""

    def first_after(previous: Any = None) -> Any:
        later = [] if previous is None else [TaskRow.spec_name > previous]
        return select(TaskRow.spec_name).where(condition, *later).order_by(TaskRow.spec_name).limit(1).scalar_subquery()

    steps = select(first_after().label("name")).cte(name, recursive=True)
    steps = steps.union_all(select(first_after(steps.c.name)).where(steps.c.name.is_not(None)))
    title = (
        select(TaskRow.title)
        .where(condition, TaskRow.spec_name == steps.c.name)
        .order_by(TaskRow.title)
        .limit(1)
        .scalar_subquery()
    )
    return select(steps.c.name, title.label("title")).where(steps.c.name.is_not(None))


@functools.lru_cache(maxsize=64)
def _steps_statement(groups: int) -> CompoundSelect[str, str]:
    claimed, *offered = _branches(groups)
    claimed_steps = select(TaskRow.spec_name, TaskRow.title).where(claimed).distinct()
    parts = [claimed_steps, *(_offered_steps(c, f"steps_{n}") for n, c in enumerate(offered))]
    return union_all(*(_wrapped(part) for part in parts))


def steps_open_to(session: Session, username: str, roles: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The distinct steps (id, title) among the user's pending tasks: the choices of the step filter.

    A step renamed between versions of a process is offered once, under the first of its titles.
    """
    groups, params = _who(username, roles)
    titles: dict[str, str] = {}
    for name, title in session.execute(_steps_statement(groups), params):
        titles[name] = min(title, titles.get(name, title))
    return sorted(titles.items(), key=lambda step: (step[1], step[0]))
