"""Việc cần xử lý: the signed-in officer's pending tasks, and claiming or releasing them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.errors import NotFound
from engine.inbox import SORTS, InboxPage, InboxQuery, inbox, steps_open_to
from web.accounts.auth import CurrentUser, me
from web.core.labels import URGENCIES, step_label, urgency_by_priority
from web.core.requests import db, directory, engine, runtime
from web.tasks.task_access import task_for_me
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.calendar_days import working_calendar
from workflows.orgchart.models import Unit, User
from workflows.urgency import PRIORITY

bp = Blueprint("inbox", __name__, template_folder="templates")
SOON_WORKING_DAYS = 2


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def soon_boundary(today: date) -> datetime:
    """Deadlines before this moment are due within two working days (amber)."""
    last = working_calendar(db()).add_working_days(today, SOON_WORKING_DAYS)
    return datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ)


def _query() -> InboxQuery:
    args = request.args
    due = args.get("due")
    now = runtime().services.clock.now()
    due_before = now if due == "overdue" else soon_boundary(_today()) if due == "soon" else None
    urgency = args.get("urgency")
    return InboxQuery(
        step=args.get("step") or None,
        due_before=due_before,
        min_priority=PRIORITY.get(urgency) if urgency else None,
        text=(args.get("q") or "").strip()[:200] or None,
        sort=str(args.get("sort")) if args.get("sort") in SORTS else "urgent",
        page=max(1, args.get("page", 1, type=int) or 1),
    )


@dataclass(frozen=True)
class StandingIn:
    """Whom I stand in for today (out of office): their names and their (role, unit) pairs, by username."""

    names: dict[str, str]
    roles: dict[str, frozenset[tuple[str, str]]]

    def all_roles(self, mine: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
        """My pairs and those of everyone I stand in for."""
        return set(mine).union(*self.roles.values())

    def marks(self, user: CurrentUser, page: InboxPage) -> dict[str, str]:
        """The name of the absent officer each task is offered to, for tasks that are not offered to me."""
        found = {}
        for row in page.rows:
            pair = (row.task.role or "", row.task.candidate_unit or "")
            if pair not in user.roles:
                absent = next((name for name, pairs in self.roles.items() if pair in pairs), None)
                if absent is not None:
                    found[row.task.id] = self.names[absent]
        return found


def standing_in(username: str) -> StandingIn:
    """The absent officers the user stands in for on the engine's today."""
    absent = directory().stands_in_for(username, _today())
    if not absent:
        return StandingIn({}, {})
    rows = db().execute(select(User.username, User.full_name).where(User.username.in_(absent)))
    names = {row.username: row.full_name for row in rows}
    return StandingIn(names, {name: directory().roles_of(name) for name in absent})


@bp.get("/")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The pending tasks of my role in my unit, open to my group or claimed by me (or by those I stand in for)."""
    user = me()
    query = _query()
    substituting = standing_in(user.username)
    roles = substituting.all_roles(user.roles)
    page = inbox(db(), user.username, roles, query)
    # Tasks the absent officers had claimed: a few at most, listed apart from the paged inbox.
    claimed = {name: inbox(db(), name, (), replace(query, page=1)) for name in substituting.names}
    marks = substituting.marks(user, page)
    marks.update({row.task.id: substituting.names[name] for name, found in claimed.items() for row in found.rows})
    steps = set(steps_open_to(db(), user.username, roles)).union(
        *(steps_open_to(db(), name, ()) for name in substituting.names)
    )
    details = {row.task.detail for row in page.rows if row.task.detail}
    details |= {row.task.detail for found in claimed.values() for row in found.rows if row.task.detail}
    return render_template(
        "inbox/index.html",
        page=page,
        query=query,
        claimed_by_absent=[row for found in claimed.values() for row in found.rows],
        standing_in=marks,
        steps=sorted(steps, key=lambda step: (step[1], step[0])),
        urgencies={code: str(label) for code, label in URGENCIES.items()},
        priority_labels=urgency_by_priority(),
        now=runtime().services.clock.now(),
        soon=soon_boundary(_today()),
        unit_names=_unit_names(details),
    )


def _unit_names(codes: set[str]) -> dict[str, str]:
    """Names of the units a page's tasks are about (a task's `detail` holds the unit's code)."""
    if not codes:
        return {}
    rows = db().execute(select(Unit.code, Unit.short_name).where(Unit.code.in_(codes)))
    return dict(rows.all())  # Row objects are (code, name) tuples


@bp.post("/tasks/<task_id>/claim")
@login_required  # type: ignore[untyped-decorator]
def claim(task_id: str) -> Response:
    """Take a task so that colleagues see it is being handled, and go to it: claiming is starting."""
    # Outside the task's group the answer is the one for an id that does not exist.
    task_for_me(task_id, acting=True)
    row = engine().claim(task_id, me().username)
    flash(_("Bạn đã nhận việc “%(title)s”.", title=step_label(row.title)), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<task_id>/release")
@login_required  # type: ignore[untyped-decorator]
def release(task_id: str) -> Response:
    """Give a claimed task back to the group."""
    if task_for_me(task_id, acting=True).assignee != me().username:
        # Only a task I hold can be given back; any other answers as an id that does not exist.
        raise NotFound("task", task_id)
    row = engine().release(task_id, me().username)
    flash(_("Việc “%(title)s” đã được trả lại cho nhóm.", title=step_label(row.title)), "info")
    return redirect(url_for("inbox.index"))
