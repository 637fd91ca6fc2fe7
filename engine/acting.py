"""Whether a person may do a task, and in whose name: their own, or an absent colleague's.

A task is open to its assignee, or else to whoever holds its role in its candidate unit. While
someone is away, the directory names who stands in for them on a day (``Directory.stands_in_for``):
the substitute may then do the tasks assigned to the absent person and those offered to the absent
person's roles, and the audit trail records whom they acted for (``on_behalf_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from .errors import PermissionDenied
from .models import TaskRow
from .ports import Directory


@dataclass(frozen=True)
class Standing:
    """What a person may do on one task: `allowed`, and for whom when standing in (`on_behalf_of`)."""

    task_id: str
    allowed: bool
    on_behalf_of: str | None = None

    def required(self, actor: str, action: str) -> Standing:
        """This standing when it allows the action; PermissionDenied otherwise."""
        if not self.allowed:
            raise PermissionDenied(actor, action, f"task {self.task_id}")
        return self


def standing(directory: Directory, actor: str, row: TaskRow, now: datetime, zone: tzinfo) -> Standing:
    """How `actor` stands towards the task at `now`; substitutions count whole days in `zone`."""
    own, refused = Standing(row.id, True), Standing(row.id, False)
    if row.assignee == actor and (row.role is None or row.candidate_unit is None):
        return own
    if row.assignee and row.assignee != actor:
        standing_in = row.assignee in directory.stands_in_for(actor, now.astimezone(zone).date())
        return Standing(row.id, True, row.assignee) if standing_in else refused
    if row.role is None or row.candidate_unit is None:
        return refused
    if directory.may_act(actor, row.role, row.candidate_unit):
        return own
    # A task claimed while standing in is still done for the absent person, as long as the substitution runs.
    for absent in directory.stands_in_for(actor, now.astimezone(zone).date()):
        if directory.may_act(absent, row.role, row.candidate_unit):
            return Standing(row.id, True, absent)
    return own if row.assignee == actor else refused
