"""Tables of the web layer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.types import UtcDateTime


class LoginAttempt(Base):
    """One sign-in attempt, kept so that repeated failures can be slowed down across processes."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # Turned away by the throttle before any password was checked: kept, but not counted as a guess.
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SignInSession(Base):
    """One signed-in browser session, kept on the server so that signing out really ends it."""

    __tablename__ = "sign_in_session"
    __table_args__ = (Index("ix_sign_in_session_username", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The SHA-256 of the token the session cookie carries; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(100))
    # A digest of the password hash at sign-in: a changed password ends every earlier session.
    password_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


ATTACHMENT_KINDS = ("incoming_letter", "draft", "unit_report", "other")


class Attachment(Base):
    """A file attached to a case; the bytes live in the instance folder, never under the web root."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_case", "case_id", "uploaded_at"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in ATTACHMENT_KINDS)})", name="kind"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    # The part of the case it belongs to (a unit's child instance) and the step it was given for.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    # The name the uploader gave, cleaned for display and download; never used as a path.
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    doc_number: Mapped[str | None] = mapped_column(String(100))
    doc_date: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sha256: Mapped[str] = mapped_column(String(64))


class ProcessDraft(Base):
    """A BPMN file an administrator is editing in the modeler, not deployed yet.

    `revision` counts the saves: a save names the revision it started from, so of two
    administrators saving the same draft one wins and the other is told of the conflict.
    """

    __tablename__ = "process_draft"
    __table_args__ = (Index("ix_process_draft_key", "process_key", "saved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    # The deployed version the draft was opened from; none for a new process.
    base_version: Mapped[int | None] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500))
    revision: Mapped[int] = mapped_column(Integer)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
