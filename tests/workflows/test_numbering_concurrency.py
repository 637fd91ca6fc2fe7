"""Concurrent issuers never share or skip a number (PostgreSQL only: SQLite has one writer).

Uses ``TEST_DATABASE_URL`` when it is a PostgreSQL URL, otherwise the local default below if
a server answers. Tables live in a fresh schema that is dropped afterwards, so the run does
not disturb the shared test database. When no server answers the test is skipped, except
under ``CI=true`` or when ``TEST_DATABASE_URL`` named PostgreSQL explicitly: then it fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from engine.db import Base
from tests.databases import postgresql_schema, postgresql_url
from workflows.registers.models import IssuedNumber, NumberCounter
from workflows.registers.numbering import SEQUENCE_OUTGOING, format_number, issue_number

THREADS = 8
ISSUES_PER_THREAD = 25
AGENCY = "SVHTTDL-LS"


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    """An engine whose search_path is a fresh schema holding only the numbering tables."""
    with postgresql_schema(postgresql_url(), pool_size=THREADS) as engine:
        tables = [NumberCounter.__table__, IssuedNumber.__table__]
        Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
        yield engine


def test_concurrent_issuers_get_every_number_exactly_once(pg_engine: Engine) -> None:
    barrier = threading.Barrier(THREADS)

    def issuer(worker: int) -> list[int]:
        numbers: list[int] = []
        # Start together, so that even the creation of the year's counter row is contended.
        barrier.wait(timeout=30)
        for i in range(ISSUES_PER_THREAD):
            with Session(pg_engine) as session, session.begin():
                row = issue_number(
                    session,
                    agency_code=AGENCY,
                    sequence_key=SEQUENCE_OUTGOING,
                    issued_on=date(2023, 3, 10),
                    notation=lambda n: f"{format_number(n)}/SVHTTDL-VP",
                    subject=f"Công văn của luồng {worker}, lần {i}",
                    document_type="CV",
                    reference=f"worker-{worker}",
                )
                numbers.append(row.number)
        return numbers

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [future.result(timeout=120) for future in [pool.submit(issuer, w) for w in range(THREADS)]]

    total = THREADS * ISSUES_PER_THREAD
    issued = sorted(n for numbers in results for n in numbers)
    assert issued == list(range(1, total + 1)), "numbers must have no duplicate and no gap"
    for numbers in results:
        # Each issuer's own numbers rise: a later transaction never gets a smaller number.
        assert numbers == sorted(numbers)
    with Session(pg_engine) as session:
        rows = session.scalar(select(func.count()).select_from(IssuedNumber))
        distinct = session.scalar(select(func.count(func.distinct(IssuedNumber.number))))
        last = session.scalar(select(NumberCounter.last_value))
        counters = session.scalar(select(func.count()).select_from(NumberCounter))
    assert (rows, distinct, last, counters) == (total, total, total, 1)
