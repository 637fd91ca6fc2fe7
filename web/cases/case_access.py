"""Who may see a case, and how much of it, answered from task rows (never from deserialized workflows).

A person sees the whole case when they started it, took part in or are a candidate for a step of
the case's own instance, hold an agency-wide role (director, leader, supervisor, auditor), or are
an administrator, a supervisor or an auditor of any unit. A person whose only part is in a
recipient unit's child instance (a unit officer) sees the directive and that unit's part, not the
other units' reports. A substitute sees what the officer they stand in for would, where work waits
for them. Everyone else sees nothing: the pages answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, tuple_
from sqlalchemy.orm import Session

from engine.models import ProcessInstance, TaskRow
from web.accounts.auth import CurrentUser
from web.core.requests import runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Setting

#: Roles that oversee every case of the agency when held in the agency itself.
AGENCY_WIDE_ROLES = ("director", "leader", "supervisor", "auditor")
#: Roles that see every case wherever they are held: the administrator, a supervisor (whose scope is
#: the whole agency, workflows/supervision/scope.py) and an auditor, who reads everything.
EVERY_CASE_ROLES = frozenset({"admin", "supervisor", "auditor"})


@dataclass(frozen=True)
class CaseAccess:
    """What one person may see of one case."""

    case: ProcessInstance
    full: bool
    # The child instances (a unit's part) a person with partial access may see.
    instances: frozenset[int] = frozenset()

    def sees_instance(self, instance_id: int | None) -> bool:
        """Whether the part of the case run by this instance is visible (the case itself always is)."""
        if instance_id is None or instance_id == self.case.id:
            return True
        return self.full or instance_id in self.instances

    @property
    def own_instance(self) -> int | None:
        """The one unit part shown to a person who sees only that part."""
        return min(self.instances) if not self.full and self.instances else None


def agency_code(session: Session) -> str | None:
    """The agency's unit code (setting "agency")."""
    value = session.scalar(select(Setting.value).where(Setting.key == "agency"))
    return str(value) if value else None


def oversees_agency(user: CurrentUser, agency: str | None) -> bool:
    """Whether the user holds a role that oversees every case of the agency."""
    if any(role in EVERY_CASE_ROLES for role, _unit in user.roles):
        return True
    return agency is not None and any(user.holds(role, agency) for role in AGENCY_WIDE_ROLES)


def involved(username: str, roles: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """Task rows the user did, holds, or is a candidate for (their role in the task's unit)."""
    pairs = sorted(set(roles))
    candidate = tuple_(TaskRow.role, TaskRow.candidate_unit).in_(pairs) if pairs else false()
    return or_(TaskRow.completed_by == username, TaskRow.assignee == username, candidate)


def access_to(session: Session, user: CurrentUser, case_id: int) -> CaseAccess | None:
    """What the user may see of the case, or None when they may not see it at all (or it does not exist)."""
    case = session.get(ProcessInstance, case_id)
    if case is None or case.parent_id is not None or case.case_id != case.id:
        return None
    if case.started_by == user.username or oversees_agency(user, agency_code(session)):
        return CaseAccess(case, full=True)
    query = select(TaskRow.instance_id).where(TaskRow.case_id == case_id, involved(user.username, user.roles))
    instances = set(session.scalars(query.distinct())) | _standing_in(session, user, case_id)
    if case_id in instances:
        return CaseAccess(case, full=True)
    if not instances:
        return None
    return CaseAccess(case, full=False, instances=frozenset(instances))


def _standing_in(session: Session, user: CurrentUser, case_id: int) -> set[int]:
    """The parts of the case with work waiting for someone the user stands in for today: the
    substitute reads the case as the absent officer would, to do that work."""
    directory = OrgDirectory(session)
    today = runtime().services.clock.now().astimezone(LOCAL_TZ).date()
    found: set[int] = set()
    for absent in directory.stands_in_for(user.username, today):
        waiting = select(TaskRow.instance_id).where(
            TaskRow.case_id == case_id,
            TaskRow.state == "ready",
            involved(absent, directory.roles_of(absent)),
        )
        found |= set(session.scalars(waiting.distinct()))
    return found


def visible_cases(session: Session, user: CurrentUser) -> ColumnElement[bool]:
    """A filter on ProcessInstance keeping the cases (top-level instances) the user may see, wholly or in part."""
    # A case is its own root; a reminder round's instance belongs to its directive's case instead.
    top_level = ProcessInstance.parent_id.is_(None) & (ProcessInstance.case_id == ProcessInstance.id)
    if oversees_agency(user, agency_code(session)):
        return top_level
    took_part = select(TaskRow.case_id).where(involved(user.username, user.roles))
    return and_(top_level, or_(ProcessInstance.started_by == user.username, ProcessInstance.id.in_(took_part)))


def fully_visible(session: Session, user: CurrentUser, case_ids: Iterable[int]) -> set[int]:
    """Those of the given cases the user sees wholly (the others, if visible at all, only in part)."""
    ids = set(case_ids)
    if not ids:
        return set()
    if oversees_agency(user, agency_code(session)):
        return ids
    started = select(ProcessInstance.id).where(ProcessInstance.id.in_(ids), ProcessInstance.started_by == user.username)
    own_step = select(TaskRow.case_id).where(
        TaskRow.case_id.in_(ids), TaskRow.instance_id == TaskRow.case_id, involved(user.username, user.roles)
    )
    return set(session.scalars(started.union(own_step)))
