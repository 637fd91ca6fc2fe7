"""The outbox of side effects (docs/architecture.md §6): rows queued in the unit of work, delivered after commit.

Nothing here sends anything; the delivery pass of the job worker (workflows/delivery/) reads the
rows after the transaction that queued them has committed, so a rolled-back step never mails
anyone. A row goes ``pending`` → ``sending`` (claimed in a transaction of its own) → ``sent``, or
back to ``pending`` with a later ``next_attempt_at`` after a failure, or ``failed`` for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db import Base
from engine.types import UtcDateTime
from workflows.registers.models import clean_text, require_aware

CHANNELS: Final = frozenset({"email", "website", "internal"})
RECIPIENT_KINDS: Final = frozenset({"unit", "user", "role", "external"})

PENDING: Final = "pending"  # waiting for its (next) delivery attempt
SENDING: Final = "sending"  # claimed by a worker that is sending it now
SENT: Final = "sent"  # delivered
FAILED: Final = "failed"  # given up on; an administrator may send it again
STATUSES: Final = (PENDING, SENDING, SENT, FAILED)


class Notification(Base):
    """One message waiting to be delivered (``sent_at`` is null) or already delivered."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'website', 'internal')", name="channel"),
        CheckConstraint(
            "recipient_kind IN ('unit', 'user', 'role', 'external')",
            name="recipient_kind",
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_notification_pending", "sent_at", "created_at"),
        # The delivery pass asks for pending rows whose next attempt is due.
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, server_default=PENDING)
    # Not before this moment (None: at once); set after a failed attempt, later each time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When a worker claimed it for sending: a row left "sending" that long ago lost its worker.
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the in-app messages were made (once, whatever happens to the e-mail).
    fanned_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A path of the application the message is about, e.g. /cases/12.
    link: Mapped[str | None] = mapped_column(String(200))


def queue_notification(
    session: Session,
    *,
    created_at: datetime,
    channel: str,
    recipient_kind: str,
    recipient: str,
    kind: str,
    subject: str,
    body: str,
    reference: str | None = None,
    link: str | None = None,
) -> Notification:
    """Add a message to the outbox in the caller's transaction; flushes, never commits."""
    require_aware(created_at, "created_at")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {sorted(CHANNELS)}")
    if recipient_kind not in RECIPIENT_KINDS:
        raise ValueError(f"unknown recipient kind {recipient_kind!r}; expected one of {sorted(RECIPIENT_KINDS)}")
    row = Notification(
        created_at=created_at,
        channel=channel,
        recipient_kind=recipient_kind,
        recipient=clean_text(recipient, "recipient", 255),
        kind=clean_text(kind, "kind", 32),
        subject=clean_text(subject, "subject", 500),
        body=body,
        reference=reference,
        attempts=0,
        status=PENDING,
        link=link,
    )
    session.add(row)
    session.flush()
    return row


def pending_notifications(session: Session, limit: int = 100) -> list[Notification]:
    """Messages not yet delivered, oldest first."""
    statement = (
        select(Notification)
        .where(Notification.sent_at.is_(None))
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    return list(session.scalars(statement))
