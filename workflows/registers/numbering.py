"""Document numbers per ND30 Đ15: per agency, per calendar year, from 01, guaranteed by the database.

The counter row is advanced by one atomic ``UPDATE … RETURNING``; its row lock serialises
concurrent issuers until their transaction ends, so a rolled-back transaction gives its number
back and committed numbers have no gap. The ``issued_number`` ledger's unique key is the last
line of defence. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows.registers import NumberAlreadyIssued, RegisterError
from workflows.registers.models import (
    SUBJECT_MAX,
    IssuedNumber,
    NumberCounter,
    clean_text,
)

#: Shared administrative sequence of outgoing documents (the default for every type).
SEQUENCE_OUTGOING: Final = "outgoing"
#: Arrival numbers (số đến) of incoming documents: one yearly sequence, paper and electronic.
SEQUENCE_ARRIVAL: Final = "arrival"
#: Copies (sao y, sao lục, trích sao).
SEQUENCE_COPY: Final = "copy"
#: Secret documents (văn bản mật).
SEQUENCE_SECRET: Final = "secret"  # noqa: S105  (secret documents' sequence, not a password)


def format_number(number: int) -> str:
    """Write a number as on the document: "01".."09", then "10", "11"…"""
    if number < 1:
        raise ValueError(f"document numbers start at 1, got {number}")
    return f"{number:02d}"


def sequence_key_for(document_type: str, sequence_for_type: Mapping[str, str] | None = None) -> str:
    """The sequence a document type draws from; types not in the mapping share "outgoing"."""
    # The agency head chooses the scheme (one shared sequence or one per type), so the
    # mapping is configuration passed in, not a rule written here.
    if sequence_for_type is None:
        return SEQUENCE_OUTGOING
    return sequence_for_type.get(document_type, SEQUENCE_OUTGOING)


def _advance(session: Session, agency_code: str, sequence_key: str, year: int) -> int | None:
    statement = (
        update(NumberCounter)
        .where(
            NumberCounter.agency_code == agency_code,
            NumberCounter.sequence_key == sequence_key,
            NumberCounter.year == year,
        )
        .values(last_value=NumberCounter.last_value + 1)
        .returning(NumberCounter.last_value)
        # The counter rows are never loaded into sessions; no need to search the identity map.
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def _create_counter(session: Session, agency_code: str, sequence_key: str, year: int) -> None:
    try:
        with session.begin_nested():
            session.add(
                NumberCounter(
                    agency_code=agency_code,
                    sequence_key=sequence_key,
                    year=year,
                    last_value=0,
                )
            )
    except IntegrityError:
        # A concurrent issuer created this year's row first; its row is the one to advance.
        pass


def next_number(session: Session, agency_code: str, sequence_key: str, year: int) -> int:
    """Take the next number of a sequence (1 for the first of the year); flushes, never commits."""
    if not agency_code or not sequence_key:
        raise ValueError("agency_code and sequence_key must not be empty")
    if not 1 <= year <= 9999:
        raise ValueError(f"not a calendar year: {year}")
    number = _advance(session, agency_code, sequence_key, year)
    if number is None:
        _create_counter(session, agency_code, sequence_key, year)
        number = _advance(session, agency_code, sequence_key, year)
    if number is None:  # pragma: no cover - the row exists after _create_counter
        raise RegisterError(f"counter {agency_code}/{sequence_key}/{year} could not be created")
    return number


def issue_number(
    session: Session,
    *,
    agency_code: str,
    sequence_key: str,
    issued_on: date,
    notation: Callable[[int], str],
    subject: str,
    document_type: str | None = None,
    reference: str | None = None,
) -> IssuedNumber:
    """Take the next number of the year of ``issued_on`` and record it in the ledger."""
    # Validate before taking a number, so that bad input does not consume one.
    subject = clean_text(subject, "subject", SUBJECT_MAX)
    number = next_number(session, agency_code, sequence_key, issued_on.year)
    row = IssuedNumber(
        agency_code=agency_code,
        sequence_key=sequence_key,
        year=issued_on.year,
        number=number,
        notation=clean_text(notation(number), "notation", 100),
        document_type=document_type,
        subject=subject,
        issued_on=issued_on,
        reference=reference,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise NumberAlreadyIssued(agency_code, sequence_key, issued_on.year, number) from exc
    return row
