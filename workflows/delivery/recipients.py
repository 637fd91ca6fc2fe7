"""Who an outbox row reaches, as people: the users its recipient stands for, read from the org chart."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import TaskRow
from workflows.directive.queries import case_of
from workflows.notifications import Notification
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Setting, Unit

#: The role that does a recipient unit's work (the lanes of bpmn/unit_execution.bpmn).
UNIT_OFFICER = "unit_officer"


def role_recipient(role: str, unit_code: str | None = None) -> str:
    """How an outbox row names the holders of a role: in the agency (``supervisor``) or in one unit (``leader@X``)."""
    return role if unit_code is None else f"{role}@{unit_code}"


def people(session: Session, row: Notification) -> list[str]:
    """The usernames a row reaches in the application, sorted; none for an outside addressee.

    A unit is its officers, or only the officer who took the unit's open task of the case when one
    did; a role is its holders in the agency (or in the unit it names); a user is that user if active.
    """
    directory = OrgDirectory(session)
    if row.recipient_kind == "unit":
        assignee = _assignee(session, row)
        return [assignee] if assignee is not None else directory.holders(UNIT_OFFICER, row.recipient)
    if row.recipient_kind == "role":
        role, _, named_unit = row.recipient.partition("@")
        unit = named_unit or _agency(session)
        return directory.holders(role, unit) if unit else []
    if row.recipient_kind == "user":
        user = directory.user(row.recipient)
        return [user.username] if user is not None and user.active else []
    return []


def outside_address(session: Session, row: Notification) -> str | None:
    """The e-mail address of an outside addressee: written as one, or the address of the unit so named."""
    if "@" in row.recipient:
        return row.recipient.strip()
    named = (Unit.name == row.recipient) | (Unit.short_name == row.recipient) | (Unit.code == row.recipient)
    return session.scalar(select(Unit.email).where(named, Unit.email.is_not(None)).limit(1))


def _assignee(session: Session, row: Notification) -> str | None:
    """The active officer who took the unit's open task of the row's case, if one did."""
    case_id = case_of(row.reference)
    if case_id is None:
        return None
    assignee = session.scalar(
        select(TaskRow.assignee)
        .where(
            TaskRow.case_id == case_id,
            TaskRow.candidate_unit == row.recipient,
            TaskRow.role == UNIT_OFFICER,
            TaskRow.state == "ready",
            TaskRow.assignee.is_not(None),
        )
        .order_by(TaskRow.created_at.desc())
        .limit(1)
    )
    if assignee is None:
        return None
    # A task taken by someone since moved or deactivated goes back to the unit's officers.
    return assignee if OrgDirectory(session).may_act(assignee, UNIT_OFFICER, row.recipient) else None


def _agency(session: Session) -> str | None:
    value = session.scalar(select(Setting.value).where(Setting.key == "agency"))
    return value if isinstance(value, str) else None
