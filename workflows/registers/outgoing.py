"""Outgoing documents (văn bản đi, ND30 Đ15–16): number, notation and the outgoing register."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.registers.models import (
    SIGNER_CAPACITIES,
    SUBJECT_MAX,
    OutgoingDocument,
    clean_text,
)
from workflows.registers.numbering import format_number, issue_number, sequence_key_for

#: Document type code of a công văn, whose notation has no type part (ND30 Phụ lục I).
CONG_VAN = "CV"


def _code(value: str, field: str) -> str:
    code = unicodedata.normalize("NFC", value).strip()
    if not code or any(ch.isspace() or ch in "/-" for ch in code):
        raise ValueError(f"{field} must be a non-empty code without spaces, '/' or '-': {value!r}")
    return code


def document_notation(number: int, document_type: str, agency_notation: str, unit_notation: str | None) -> str:
    """The "số, ký hiệu": "57/SNN-TT" for a công văn, "58/BC-SNN[-UNIT]" otherwise."""
    prefix = format_number(number)
    agency = _code(agency_notation, "agency_notation")
    doc_type = _code(document_type, "document_type")
    unit = _code(unit_notation, "unit_notation") if unit_notation is not None else None
    if doc_type == CONG_VAN:
        # A công văn's code is the issuer's plus the drafting unit's (or field's) abbreviation.
        if unit is None:
            raise ValueError("a công văn's notation needs the drafting unit's notation")
        return f"{prefix}/{agency}-{unit}"
    suffix = f"-{unit}" if unit is not None else ""
    return f"{prefix}/{doc_type}-{agency}{suffix}"


def issue_outgoing(
    session: Session,
    *,
    agency_code: str,
    agency_notation: str,
    document_type: str,
    drafting_unit_notation: str,
    subject: str,
    issued_date: date,
    signer_username: str,
    signer_capacity: str | None,
    reference: str | None = None,
    sequence_for_type: Mapping[str, str] | None = None,
    unit_suffix: bool = False,
    recipients: Sequence[str] = (),
) -> OutgoingDocument:
    """Give a signed document its number and notation and enter it in the outgoing register.

    The number is the next of the type's sequence (``sequence_for_type``, default all types
    share "outgoing") in the year of ``issued_date``. ``unit_suffix`` appends the drafting
    unit to the notation of types other than công văn ("58/BC-SNN-VP"). ``recipients`` are the
    names the register lists under "Nơi nhận".
    """
    if signer_capacity is not None and signer_capacity not in SIGNER_CAPACITIES:
        raise ValueError(
            f"unknown signer capacity {signer_capacity!r}; expected None or one of {sorted(SIGNER_CAPACITIES)}"
        )
    document_type = _code(document_type, "document_type")
    drafting_unit = _code(drafting_unit_notation, "drafting_unit_notation")
    subject = clean_text(subject, "subject", SUBJECT_MAX)
    signer_username = clean_text(signer_username, "signer_username", 150)
    unit_in_notation = drafting_unit if document_type == CONG_VAN or unit_suffix else None
    # Build one notation now so that a bad agency notation fails before a number is taken.
    document_notation(1, document_type, agency_notation, unit_in_notation)
    sequence_key = sequence_key_for(document_type, sequence_for_type)
    issued = issue_number(
        session,
        agency_code=agency_code,
        sequence_key=sequence_key,
        issued_on=issued_date,
        notation=lambda number: document_notation(number, document_type, agency_notation, unit_in_notation),
        subject=subject,
        document_type=document_type,
        reference=reference,
    )
    doc = OutgoingDocument(
        agency_code=agency_code,
        sequence_key=sequence_key,
        year=issued.year,
        number=issued.number,
        notation=issued.notation,
        document_type=document_type,
        subject=subject,
        issued_date=issued_date,
        drafting_unit=drafting_unit,
        signer_username=signer_username,
        signer_capacity=signer_capacity,
        reference=reference,
        recipients="; ".join(name for name in (" ".join(r.split()) for r in recipients) if name) or None,
    )
    session.add(doc)
    session.flush()
    return doc


def outgoing_register(
    session: Session, agency_code: str, year: int, *, document_type: str | None = None
) -> list[OutgoingDocument]:
    """The outgoing register of one year in number order, optionally of one document type."""
    statement = select(OutgoingDocument).where(
        OutgoingDocument.agency_code == agency_code, OutgoingDocument.year == year
    )
    if document_type is not None:
        statement = statement.where(OutgoingDocument.document_type == document_type)
    statement = statement.order_by(OutgoingDocument.number, OutgoingDocument.id)
    return list(session.scalars(statement))
