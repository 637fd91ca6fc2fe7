"""One person's notifications: what the bell counts, the page lists and the person marks read; their e-mail choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflows.delivery.models import NotificationPreference, UserNotification

PER_PAGE = 20


@dataclass(frozen=True)
class NotificationPage:
    """A page of one person's notifications, newest first, and how many there are in all."""

    rows: list[UserNotification]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the notifications fill."""
        return max(1, -(-self.total // self.per_page))


def unread_count(session: Session, username: str) -> int:
    """How many of the person's notifications are unread (one range of ix_user_notification_unread)."""
    query = select(func.count()).where(UserNotification.username == username, UserNotification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def notifications_page(session: Session, username: str, page: int) -> NotificationPage:
    """The person's notifications on page `page` (from 1), newest first."""
    mine = UserNotification.username == username
    total = int(session.scalar(select(func.count()).where(mine)) or 0)
    page = max(1, page)
    rows = session.scalars(
        select(UserNotification)
        .where(mine)
        .order_by(UserNotification.created_at.desc(), UserNotification.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return NotificationPage(list(rows), total, page)


def mark_read(session: Session, username: str, notification_id: int, now: datetime) -> bool:
    """Mark one of the person's own notifications read; False when they have none with that id."""
    row = session.scalar(
        select(UserNotification).where(UserNotification.id == notification_id, UserNotification.username == username)
    )
    if row is None:
        return False
    if row.read_at is None:
        row.read_at = now
    return True


def mark_all_read(session: Session, username: str, now: datetime) -> int:
    """Mark every unread notification of the person read; how many were."""
    result = session.execute(
        update(UserNotification)
        .where(UserNotification.username == username, UserNotification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def wants_email(session: Session, username: str) -> bool:
    """Whether the person receives notifications by e-mail too (yes unless they turned it off)."""
    choice = session.get(NotificationPreference, username)
    return choice is None or choice.email_enabled


def choose_email(session: Session, username: str, enabled: bool, now: datetime) -> None:
    """Record the person's choice about e-mail."""
    choice = session.get(NotificationPreference, username)
    if choice is None:
        session.add(NotificationPreference(username=username, email_enabled=enabled, updated_at=now))
    else:
        choice.email_enabled, choice.updated_at = enabled, now
    session.flush()
