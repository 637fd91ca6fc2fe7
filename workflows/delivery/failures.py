"""What administrators see of delivery: rows that failed or are waiting to retry, and sending one again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import audit
from workflows.delivery.outbox import DELIVERED_CHANNELS
from workflows.directive.queries import case_of
from workflows.notifications import FAILED, PENDING, Notification

LIMIT = 200


class NotRetryable(Exception):
    """The row is not one that failed or waits to retry (sent already, being sent, or unknown)."""


def troubled(session: Session, limit: int = LIMIT) -> list[Notification]:
    """Rows that failed for good, then rows waiting for another attempt; newest first within each."""
    query = (
        select(Notification)
        .where(
            Notification.channel.in_(DELIVERED_CHANNELS),
            or_(Notification.status == FAILED, (Notification.status == PENDING) & (Notification.attempts > 0)),
        )
        .order_by((Notification.status == FAILED).desc(), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def send_again(session: Session, row_id: int, actor: str, now: datetime) -> Notification:
    """Put a failed (or retrying) row back in the queue, due now, with its attempts counted afresh; audited."""
    row = session.get(Notification, row_id)
    if row is None or row.channel not in DELIVERED_CHANNELS:
        raise NotRetryable(row_id)
    if not (row.status == FAILED or (row.status == PENDING and row.attempts > 0)):
        raise NotRetryable(row_id)
    before = {"notification": row.id, "status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status, row.next_attempt_at, row.attempts, row.claimed_at = PENDING, now, 0, None
    audit.append(
        session,
        "workflows:notification:sent_again",
        actor=actor,
        at=now,
        case_id=case_of(row.reference),
        before=before,
        after={"notification": row.id, "status": row.status},
    )
    session.flush()
    return row
