"""Tables of the registers: number counters, the ledger of issued numbers, incoming and outgoing."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Final

from sqlalchemy import (
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.types import UtcDateTime

#: Urgency codes (độ khẩn), as used by the BPMN ``priority`` property.
URGENCY_CODES: Final = frozenset({"thuong", "khan", "thuong_khan", "hoa_toc"})
#: Authority marks written above a signer's position (ND30 Phụ lục I); ``None`` = own name.
SIGNER_CAPACITIES: Final = frozenset({"KT.", "TM.", "Q.", "TL.", "TUQ."})
STATUS_OPEN: Final = "open"
STATUS_CLOSED: Final = "closed"
#: ND30 Phụ lục VI: Subject (trích yếu) is at most 500 characters.
SUBJECT_MAX: Final = 500


def clean_text(value: str, field: str, max_length: int) -> str:
    """Normalise user text to NFC with single spaces; refuse empty or over-long values."""
    # NFC matters: "QĐ" typed on different keyboards may arrive decomposed, and
    # notations are compared for uniqueness and duplicate warnings.
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise ValueError(f"{field} must not be empty")
    if len(text) > max_length:
        raise ValueError(f"{field} is longer than {max_length} characters")
    return text


def require_aware(value: datetime, field: str) -> datetime:
    """Refuse a naive datetime early, with the field's name in the message."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime")
    return value


class NumberCounter(Base):
    """The last number given in one sequence (agency, sequence key, calendar year)."""

    __tablename__ = "number_counter"
    __table_args__ = (
        UniqueConstraint("agency_code", "sequence_key", "year"),
        CheckConstraint("last_value >= 0", name="last_value_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64))
    sequence_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNumber(Base):
    """One number given out: the ledger whose unique key is the final guarantee of no duplicate."""

    __tablename__ = "issued_number"
    __table_args__ = (
        UniqueConstraint("agency_code", "sequence_key", "year", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64))
    sequence_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    #: For outgoing documents the own "số, ký hiệu"; for arrivals the sender's one.
    notation: Mapped[str] = mapped_column(String(100))
    document_type: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    #: The date the number belongs to (issue date or arrival date); its year is ``year``.
    issued_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(200))


class IncomingDocument(Base):
    """A row of the incoming register (Sổ đăng ký văn bản đến) and of its tracking register."""

    __tablename__ = "incoming_document"
    __table_args__ = (
        UniqueConstraint("agency_code", "year", "arrival_number"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND reply_notation IS NULL)"
            " OR (status = 'closed' AND closed_at IS NOT NULL AND reply_notation IS NOT NULL)",
            name="status_matches_closure",
        ),
        CheckConstraint("arrival_number >= 1", name="arrival_number_positive"),
        Index("ix_incoming_document_duplicate", "agency_code", "number_code", "issuer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    arrival_number: Mapped[int] = mapped_column(Integer)
    arrival_date: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(255))
    number_code: Mapped[str] = mapped_column(String(100))
    doc_date: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    urgency: Mapped[str] = mapped_column(String(16))
    lead_unit: Mapped[str | None] = mapped_column(String(64))
    handling_deadline: Mapped[date | None] = mapped_column(Date)
    reply_notation: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(8), default=STATUS_OPEN)
    reference: Mapped[str | None] = mapped_column(String(200))


class OutgoingDocument(Base):
    """A row of the outgoing register (Sổ đăng ký văn bản đi)."""

    __tablename__ = "outgoing_document"
    __table_args__ = (
        UniqueConstraint("agency_code", "year", "notation"),
        UniqueConstraint("agency_code", "sequence_key", "year", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64))
    sequence_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    notation: Mapped[str] = mapped_column(String(100))
    document_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    issued_date: Mapped[date] = mapped_column(Date)
    drafting_unit: Mapped[str] = mapped_column(String(64))
    signer_username: Mapped[str] = mapped_column(String(150))
    signer_capacity: Mapped[str | None] = mapped_column(String(8))
    reference: Mapped[str | None] = mapped_column(String(200))
    # "Nơi nhận văn bản" of the outgoing register: the addressees and copies, "; "-separated.
    recipients: Mapped[str | None] = mapped_column(Text)
