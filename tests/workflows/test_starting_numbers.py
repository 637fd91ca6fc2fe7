"""A year's starting numbers: an agency that starts mid-year continues its paper register's numbering.

Each step runs as a committed unit of work on an isolated database (a fresh SQLite file, or a fresh
PostgreSQL schema under ``TEST_DATABASE_URL``); the race runs on PostgreSQL only, as SQLite has
one writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import workflows.models  # noqa: F401  (every table of the domain, for create_all)
from engine.db import Base
from engine.models import AuditEvent
from tests.databases import isolated_engine, postgresql_schema, postgresql_url
from workflows.registers import StartingNumberRefused
from workflows.registers.incoming import register_arrival
from workflows.registers.models import IssuedNumber, NumberCounter
from workflows.registers.numbering import (
    SEQUENCE_ARRIVAL,
    SEQUENCE_OUTGOING,
    issue_number,
    set_starting_number,
    starting_number_open,
)

AGENCY = "AGENCY-T"
AT = datetime(2023, 6, 12, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh database holding every table, committed to by each step."""
    with isolated_engine(tmp_path) as engine:
        Base.metadata.create_all(engine)
        yield engine


def _set(engine: Engine, sequence: str, first: int, year: int = 2023) -> None:
    with Session(engine) as session, session.begin():
        set_starting_number(
            session, agency_code=AGENCY, sequence_key=sequence, year=year, first_number=first, actor="clerk", at=AT
        )


def _issue(engine: Engine, day: date = date(2023, 6, 12)) -> int:
    with Session(engine) as session, session.begin():
        return issue_number(
            session,
            agency_code=AGENCY,
            sequence_key=SEQUENCE_OUTGOING,
            issued_on=day,
            notation=lambda n: f"{n:02d}/T-VP",
            subject="Công văn thử",
        ).number


def test_numbering_continues_from_the_starting_number_and_the_trail_records_it(engine: Engine) -> None:
    _set(engine, SEQUENCE_OUTGOING, 57)

    assert [_issue(engine) for _ in range(3)] == [57, 58, 59]
    with Session(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.tag == "workflows:register:starting_number_set"))
        (event,) = events
        assert event.actor == "clerk"
        assert event.after == {"agency": AGENCY, "sequence": SEQUENCE_OUTGOING, "year": 2023, "first_number": 57}


def test_the_arrival_register_has_its_own_start(engine: Engine) -> None:
    _set(engine, SEQUENCE_ARRIVAL, 312)

    with Session(engine) as session, session.begin():
        doc = register_arrival(
            session,
            agency_code=AGENCY,
            arrival_date=date(2023, 6, 12),
            issuer="Một cơ quan cấp trên",
            number_code="15/CV-X",
            doc_date=date(2023, 6, 9),
            subject="Một văn bản đến",
            urgency="thuong",
        )
        assert doc.arrival_number == 312
    assert _issue(engine) == 1  # the outgoing register still starts at 01


def test_the_start_is_for_one_year_only(engine: Engine) -> None:
    _set(engine, SEQUENCE_OUTGOING, 57)

    assert _issue(engine, date(2024, 1, 2)) == 1


def test_a_second_setting_is_refused_and_changes_nothing(engine: Engine) -> None:
    _set(engine, SEQUENCE_OUTGOING, 57)

    with pytest.raises(StartingNumberRefused) as refused:
        _set(engine, SEQUENCE_OUTGOING, 90)
    assert refused.value.numbers_given is False
    assert _issue(engine) == 57


def test_setting_after_numbers_were_given_is_refused_and_changes_nothing(engine: Engine) -> None:
    assert [_issue(engine), _issue(engine)] == [1, 2]
    with Session(engine) as session:
        assert not starting_number_open(session, AGENCY, SEQUENCE_OUTGOING, 2023)
        assert starting_number_open(session, AGENCY, SEQUENCE_ARRIVAL, 2023)

    with pytest.raises(StartingNumberRefused) as refused:
        _set(engine, SEQUENCE_OUTGOING, 57)
    assert refused.value.numbers_given is True
    assert refused.value.last_given == 2
    assert _issue(engine) == 3
    with Session(engine) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.tag.like("workflows:register:%"))).all() == []


@pytest.mark.parametrize("first", [0, -4, 1_000_001])
def test_a_starting_number_out_of_range_is_refused(engine: Engine, first: int) -> None:
    with pytest.raises(ValueError, match="starting number"):
        _set(engine, SEQUENCE_OUTGOING, first)
    assert _issue(engine) == 1


def test_a_setting_racing_the_first_issues_never_renumbers() -> None:
    """PostgreSQL: either the start wins and every number follows it, or it is refused; no duplicates."""
    threads = 6
    with postgresql_schema(postgresql_url(), pool_size=threads + 2) as engine:
        Base.metadata.create_all(
            engine,
            tables=[NumberCounter.__table__, IssuedNumber.__table__, AuditEvent.__table__],  # type: ignore[list-item]
        )
        barrier = threading.Barrier(threads + 1)

        def issuer() -> list[int]:
            barrier.wait(timeout=30)
            return [_issue(engine) for _ in range(10)]

        def setter() -> bool:
            barrier.wait(timeout=30)
            try:
                _set(engine, SEQUENCE_OUTGOING, 500)
            except StartingNumberRefused:
                return False
            return True

        with ThreadPoolExecutor(max_workers=threads + 1) as pool:
            issued = [pool.submit(issuer) for _ in range(threads)]
            started = pool.submit(setter)
            numbers = sorted(n for future in issued for n in future.result())
            set_won = started.result()

        first = 500 if set_won else 1
        assert numbers == list(range(first, first + threads * 10))
