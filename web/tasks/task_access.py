"""Which task a person may open or act on, answered so that nothing leaks outside their group."""

from __future__ import annotations

from engine.errors import ConcurrencyConflict, NotFound, TaskNotActive
from engine.models import TaskRow
from web.accounts.auth import me
from web.core.requests import engine

READY = "ready"


def task_for_me(task_id: str, *, acting: bool = False) -> TaskRow:
    """The task if I may do it now; otherwise a refusal that reveals nothing outside my group.

    Someone who holds the task's role in its unit learns that it was done (or taken) meanwhile;
    anyone else is told it does not exist, as if they had guessed an id.
    """
    user = me()
    row = engine().task(task_id)
    if row.state == READY and engine().may_do(user.username, row):
        return row
    mine = row.completed_by == user.username or (
        row.role is not None and row.candidate_unit is not None and user.holds(row.role, row.candidate_unit)
    )
    if mine and row.state != READY:
        raise TaskNotActive(f"task {row.title!r} is {row.state}", task_id=task_id, instance_id=row.instance_id)
    if mine and acting and row.assignee:
        raise ConcurrencyConflict(f"task {row.title!r} was taken by {row.assignee}", task_id=task_id)
    raise NotFound("task", task_id)
