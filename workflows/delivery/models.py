"""Tables of delivered notifications: each person's messages in the application, and whether they want e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.types import UtcDateTime


class UserNotification(Base):
    """One message in one person's notifications, made from one outbox row."""

    __tablename__ = "user_notification"
    __table_args__ = (
        # One message per person per outbox row, however often a delivery pass is repeated.
        UniqueConstraint("username", "notification_id"),
        # The bell counts a person's unread messages on every page: one index range.
        Index("ix_user_notification_unread", "username", "read_at"),
        # The notifications page lists a person's messages newest first.
        Index("ix_user_notification_listing", "username", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))


class NotificationPreference(Base):
    """A person's choice about notifications; without a row, the defaults (e-mail on)."""

    __tablename__ = "notification_preference"

    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
