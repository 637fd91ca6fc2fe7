"""Holding and releasing an instance: a status change recorded in the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from . import audit
from .errors import InstanceNotRunning
from .instances import flush_or_conflict
from .models import ProcessInstance


def change_status(
    session: Session,
    row: ProcessInstance,
    expected: str,
    new: str,
    action: str,
    *,
    actor: str,
    at: datetime,
    reason: str | None,
) -> None:
    """Move the instance from `expected` to `new` (else InstanceNotRunning) and append `engine:instance:<action>`
    with the status before and after and the reason."""
    if row.status != expected:
        raise InstanceNotRunning(row.id, row.status)
    row.status = new
    flush_or_conflict(session, f"instance {row.id}", instance_id=row.id)
    audit.append(
        session,
        f"engine:instance:{action}",
        actor=actor,
        at=at,
        case_id=row.case_id,
        instance_id=row.id,
        before={"status": expected},
        after={"status": new},
        comment=reason,
    )
