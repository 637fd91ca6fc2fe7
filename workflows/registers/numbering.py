"""Document numbers per ND30 Đ15: per agency, per calendar year, from 01, guaranteed by the database.

The counter row is advanced by one atomic ``UPDATE … RETURNING``; its row lock serialises
concurrent issuers until their transaction ends, so a rolled-back transaction gives its number
back and committed numbers have no gap. The ``issued_number`` ledger's unique key is the last
line of defence. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from workflows.registers import NumberAlreadyIssued, RegisterError, StartingNumberRefused
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
#: The highest starting number accepted: a paper register of one year never reaches it.
STARTING_NUMBER_MAX: Final = 1_000_000
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


def set_starting_number(
    session: Session,
    *,
    agency_code: str,
    sequence_key: str,
    year: int,
    first_number: int,
    actor: str,
    at: datetime,
) -> None:
    """Make a year's numbering start at ``first_number`` (once, before any number of that year).

    An agency that starts using the product in the middle of a year continues its paper
    register's numbering. The setting is the counter row itself, created at ``first_number - 1``;
    its unique key makes a second setting, or one racing the first issue of the year, fail
    instead of renumbering anything. Recorded in the audit trail; flushes, never commits.
    """
    if not agency_code or not sequence_key:
        raise ValueError("agency_code and sequence_key must not be empty")
    if not 1 <= year <= 9999:
        raise ValueError(f"not a calendar year: {year}")
    if not 1 <= first_number <= STARTING_NUMBER_MAX:
        raise ValueError(f"a starting number is between 1 and {STARTING_NUMBER_MAX}, got {first_number}")
    try:
        with session.begin_nested():
            session.add(
                NumberCounter(
                    agency_code=agency_code,
                    sequence_key=sequence_key,
                    year=year,
                    last_value=first_number - 1,
                )
            )
    except IntegrityError:
        raise _refusal(session, agency_code, sequence_key, year) from None
    audit.append(
        session,
        "workflows:register:starting_number_set",
        actor=actor,
        at=at,
        after={"agency": agency_code, "sequence": sequence_key, "year": year, "first_number": first_number},
    )


def _refusal(session: Session, agency_code: str, sequence_key: str, year: int) -> StartingNumberRefused:
    """Why a year's counter row already exists: numbers were given, or the start was set."""
    last_given = session.scalar(
        select(func.max(IssuedNumber.number)).where(
            IssuedNumber.agency_code == agency_code,
            IssuedNumber.sequence_key == sequence_key,
            IssuedNumber.year == year,
        )
    )
    return StartingNumberRefused(
        agency_code, sequence_key, year, int(last_given or 0), numbers_given=last_given is not None
    )


def starting_number_open(session: Session, agency_code: str, sequence_key: str, year: int) -> bool:
    """Whether a year's starting number may still be set (no number given, none set)."""
    return (
        session.scalar(
            select(NumberCounter.id).where(
                NumberCounter.agency_code == agency_code,
                NumberCounter.sequence_key == sequence_key,
                NumberCounter.year == year,
            )
        )
        is None
    )
