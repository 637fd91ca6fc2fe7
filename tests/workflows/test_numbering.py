"""Document numbers: per agency, per calendar year, from 01 on 1 January (ND30 Đ15)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflows.registers import NumberAlreadyIssued
from workflows.registers.models import IssuedNumber, NumberCounter
from workflows.registers.numbering import (
    SEQUENCE_ARRIVAL,
    SEQUENCE_COPY,
    SEQUENCE_OUTGOING,
    SEQUENCE_SECRET,
    format_number,
    issue_number,
    next_number,
    sequence_key_for,
)

AGENCY = "SVHTTDL-LS"


@pytest.mark.parametrize(("number", "text"), [(1, "01"), (9, "09"), (10, "10"), (57, "57"), (1234, "1234")])
def test_format_number_pads_below_ten(number: int, text: str) -> None:
    assert format_number(number) == text


def test_format_number_refuses_zero() -> None:
    with pytest.raises(ValueError):
        format_number(0)


def test_first_number_of_the_year_is_one_and_numbers_increment(
    db_session: Session,
) -> None:
    numbers = [next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023) for _ in range(12)]
    assert numbers == list(range(1, 13))
    assert [format_number(n) for n in numbers[:10]] == [
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
        "08",
        "09",
        "10",
    ]


def test_new_year_restarts_at_one(db_session: Session) -> None:
    def issue(day: date) -> int:
        return issue_number(
            db_session,
            agency_code=AGENCY,
            sequence_key=SEQUENCE_OUTGOING,
            issued_on=day,
            notation=lambda n: f"{format_number(n)}/SVHTTDL-VP",
            subject="Trích yếu",
        ).number

    assert [issue(date(2023, 12, 30)), issue(date(2023, 12, 31))] == [1, 2]
    assert issue(date(2024, 1, 1)) == 1
    assert issue(date(2024, 1, 2)) == 2
    # A late 2023 document still continues 2023's sequence.
    assert issue(date(2023, 12, 31)) == 3


def test_agencies_have_separate_sequences(db_session: Session) -> None:
    assert next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023) == 1
    assert next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023) == 2
    assert next_number(db_session, "UBND-LS", SEQUENCE_OUTGOING, 2023) == 1
    assert next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023) == 3


def test_sequence_keys_are_independent(db_session: Session) -> None:
    for _ in range(3):
        next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023)
    assert next_number(db_session, AGENCY, SEQUENCE_ARRIVAL, 2023) == 1
    assert next_number(db_session, AGENCY, SEQUENCE_COPY, 2023) == 1
    assert next_number(db_session, AGENCY, SEQUENCE_SECRET, 2023) == 1
    assert next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023) == 4


def test_counter_is_a_database_row(db_session: Session) -> None:
    next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023)
    next_number(db_session, AGENCY, SEQUENCE_OUTGOING, 2023)
    counter = db_session.scalars(
        select(NumberCounter).where(NumberCounter.agency_code == AGENCY, NumberCounter.year == 2023)
    ).one()
    assert (counter.sequence_key, counter.last_value) == (SEQUENCE_OUTGOING, 2)


def test_default_mapping_shares_one_sequence() -> None:
    assert sequence_key_for("CV") == SEQUENCE_OUTGOING
    assert sequence_key_for("BC") == SEQUENCE_OUTGOING
    assert sequence_key_for("QĐ") == SEQUENCE_OUTGOING


def test_mapping_chooses_per_type_sequences() -> None:
    mapping = {"QĐ": "qd", "KH": "kh"}
    assert sequence_key_for("QĐ", mapping) == "qd"
    assert sequence_key_for("KH", mapping) == "kh"
    assert sequence_key_for("CV", mapping) == SEQUENCE_OUTGOING


def test_issue_number_records_the_ledger_row(db_session: Session) -> None:
    row = issue_number(
        db_session,
        agency_code=AGENCY,
        sequence_key=SEQUENCE_OUTGOING,
        issued_on=date(2023, 3, 10),
        notation=lambda n: f"{format_number(n)}/SVHTTDL-QLVHGĐ",
        subject="Tuyên truyền kỷ niệm",
        document_type="CV",
        reference="instance-1",
    )
    stored = db_session.get(IssuedNumber, row.id)
    assert stored is not None
    assert (stored.year, stored.number, stored.notation, stored.reference) == (
        2023,
        1,
        "01/SVHTTDL-QLVHGĐ",
        "instance-1",
    )


def test_ledger_refuses_a_number_given_twice(db_session: Session) -> None:
    def issue() -> IssuedNumber:
        return issue_number(
            db_session,
            agency_code=AGENCY,
            sequence_key=SEQUENCE_OUTGOING,
            issued_on=date(2023, 3, 10),
            notation=lambda n: f"{format_number(n)}/SVHTTDL-VP",
            subject="Trích yếu",
        )

    issue()
    # Someone winds the counter back by hand: the ledger's unique key still holds.
    db_session.execute(update(NumberCounter).values(last_value=0))
    with pytest.raises(NumberAlreadyIssued) as caught:
        issue()
    assert (caught.value.number, caught.value.year) == (1, 2023)
    assert db_session.scalar(select(func.count()).select_from(IssuedNumber)) == 1
