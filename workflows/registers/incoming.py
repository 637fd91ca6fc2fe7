"""Incoming documents (văn bản đến, ND30 Đ20–24): arrival register and handling tracking."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.registers import ArrivalClosed, ArrivalNotFound
from workflows.registers.models import (
    STATUS_CLOSED,
    STATUS_OPEN,
    SUBJECT_MAX,
    URGENCY_CODES,
    IncomingDocument,
    clean_text,
    require_aware,
)
from workflows.registers.numbering import SEQUENCE_ARRIVAL, issue_number


def register_arrival(
    session: Session,
    *,
    agency_code: str,
    arrival_date: date,
    issuer: str,
    number_code: str,
    doc_date: date,
    subject: str,
    urgency: str,
    reference: str | None = None,
) -> IncomingDocument:
    """Enter an incoming document with the next arrival number (số đến) of its arrival year."""
    if urgency not in URGENCY_CODES:
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {sorted(URGENCY_CODES)}")
    if doc_date > arrival_date:
        raise ValueError(f"document date {doc_date} is after its arrival date {arrival_date}")
    issuer = clean_text(issuer, "issuer", 255)
    number_code = clean_text(number_code, "number_code", 100)
    subject = clean_text(subject, "subject", SUBJECT_MAX)
    issued = issue_number(
        session,
        agency_code=agency_code,
        sequence_key=SEQUENCE_ARRIVAL,
        issued_on=arrival_date,
        notation=lambda _number: number_code,
        subject=subject,
        reference=reference,
    )
    doc = IncomingDocument(
        agency_code=agency_code,
        year=issued.year,
        arrival_number=issued.number,
        arrival_date=arrival_date,
        issuer=issuer,
        number_code=number_code,
        doc_date=doc_date,
        subject=subject,
        urgency=urgency,
        status=STATUS_OPEN,
        reference=reference,
    )
    session.add(doc)
    session.flush()
    return doc


def find_duplicates(
    session: Session, agency_code: str, issuer: str, number_code: str, doc_date: date
) -> list[IncomingDocument]:
    """Already registered documents with the same issuer and number-code in the same year."""
    # ND30 Phụ lục VI warns on "same number + code + issuer". Number and code are unique
    # only within a year, so the year of the document date is compared, not the exact
    # day: a mistyped day must still raise the warning.
    statement = (
        select(IncomingDocument)
        .where(
            IncomingDocument.agency_code == agency_code,
            IncomingDocument.issuer == clean_text(issuer, "issuer", 255),
            IncomingDocument.number_code == clean_text(number_code, "number_code", 100),
            IncomingDocument.doc_date >= date(doc_date.year, 1, 1),
            IncomingDocument.doc_date <= date(doc_date.year, 12, 31),
        )
        .order_by(IncomingDocument.year, IncomingDocument.arrival_number)
    )
    return list(session.scalars(statement))


def assign_handling(session: Session, doc: IncomingDocument, lead_unit: str, deadline: date | None) -> IncomingDocument:
    """Record the leader's directive: the lead unit (chủ trì) and the handling deadline."""
    if doc.status != STATUS_OPEN:
        raise ArrivalClosed(doc.agency_code, doc.year, doc.arrival_number, doc.reply_notation)
    if deadline is not None and deadline < doc.arrival_date:
        raise ValueError(f"deadline {deadline} is before the arrival date {doc.arrival_date}")
    doc.lead_unit = clean_text(lead_unit, "lead_unit", 64)
    doc.handling_deadline = deadline
    session.flush()
    return doc


def arrival(session: Session, agency_code: str, year: int, arrival_number: int) -> IncomingDocument:
    """One row of the incoming register; ArrivalNotFound when there is none."""
    doc = session.scalars(
        select(IncomingDocument).where(
            IncomingDocument.agency_code == agency_code,
            IncomingDocument.year == year,
            IncomingDocument.arrival_number == arrival_number,
        )
    ).one_or_none()
    if doc is None:
        raise ArrivalNotFound(agency_code, year, arrival_number)
    return doc


def close_arrival(
    session: Session,
    agency_code: str,
    year: int,
    arrival_number: int,
    reply_notation: str,
    closed_at: datetime,
) -> IncomingDocument:
    """Close the tracking row with the reply's "số, ký hiệu"; repeating the same close is a no-op."""
    reply_notation = clean_text(reply_notation, "reply_notation", 100)
    require_aware(closed_at, "closed_at")
    doc = arrival(session, agency_code, year, arrival_number)
    if doc.status == STATUS_CLOSED:
        # A replayed script step closes with the same reply: keep the first close.
        if doc.reply_notation == reply_notation:
            return doc
        raise ArrivalClosed(agency_code, year, arrival_number, doc.reply_notation)
    doc.reply_notation = reply_notation
    doc.closed_at = closed_at
    doc.status = STATUS_CLOSED
    session.flush()
    return doc


def incoming_register(session: Session, agency_code: str, year: int) -> list[IncomingDocument]:
    """The incoming register of one year, in arrival-number order."""
    statement = (
        select(IncomingDocument)
        .where(IncomingDocument.agency_code == agency_code, IncomingDocument.year == year)
        .order_by(IncomingDocument.arrival_number)
    )
    return list(session.scalars(statement))
