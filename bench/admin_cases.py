"""`python -m bench.admin_cases`: the administrators' list of running cases over 100,000 cases (issue 13).

100,000 top-level instances of the deployed processes (a quarter of them suspended or finished,
spread over a year of start days, each with a searchable text) and an open task row for every
tenth, written straight into the tables. Each timed call is one page of /admin/cases as its view
asks for it (web/admin/case_list.py `find`: the capped count and the page's rows) under one filter.
On a fresh SQLite database and, when the server answers, on PostgreSQL (a database
`bench_admin_cases` of its own, its tables recreated each run).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import Base
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from web.admin import case_list
from web.core.db import make_engine, make_session_factory, unit_of_work

from .measure import Timing, time_calls
from .setup import bench_runtime

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DATABASE = "bench_admin_cases"
CASES = 100_000
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_DAY = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)
STATUSES = ("running", "running", "running", "suspended", "completed", "cancelled", "running", "running")
UNITS = ("QLVHGD", "VP", "BTLS", "TTVH")


def populate(session: Session) -> None:
    """The cases and their open task rows, in large batches."""
    definitions = list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "directive_lifecycle")))
    definition = definitions[0]
    start = (session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc()).limit(1)) or 0) + 1
    for first in range(start, start + CASES, 10_000):
        batch = range(first, min(first + 10_000, start + CASES))
        session.execute(
            insert(ProcessInstance),
            [
                {
                    "id": n,
                    "definition_id": definition.id,
                    "process_key": definition.key,
                    "case_id": n,
                    "business_key": f"{n}-CV/BTGTU",
                    "title": f"Công văn số {n} về việc tuyên truyền",
                    "search_text": f"{n}-cv/btgtu | cong van so {n} ve viec tuyen truyen",
                    "status": STATUSES[n % len(STATUSES)],
                    "state": "{}",
                    "serializer_version": "1.4",
                    "started_by": "vanthu",
                    "started_at": FIRST_DAY + timedelta(minutes=5 * n),
                    "version": 1,
                }
                for n in batch
            ],
        )
        session.execute(
            insert(TaskRow),
            [
                {
                    "id": f"00000000-0000-0000-0000-{n:012d}",
                    "instance_id": n,
                    "case_id": n,
                    "spec_name": "draft",
                    "title": "Dự thảo công văn",
                    "role": "specialist",
                    "candidate_unit": UNITS[n % len(UNITS)],
                    "state": "ready",
                    "priority": 0,
                    "created_at": FIRST_DAY + timedelta(minutes=5 * n),
                    "version": 1,
                }
                for n in batch
                if n % 10 == 0
            ],
        )


def _calls(sessions: sessionmaker[Session], label: str) -> dict[str, Callable[[], object]]:
    processes = {"directive_lifecycle", "unit_execution", "reminder_round"}

    def page(args: dict[str, str]) -> Callable[[], object]:
        def call() -> object:
            filters = case_list.read_filters(args, processes, set(UNITS))
            assert not filters.errors, filters.errors
            with sessions() as session:
                return case_list.find(session, filters, ZONE)

        return call

    return {
        f"{label} first page, no filter": page({}),
        f"{label} page 20, no filter": page({"page": "20"}),
        f"{label} suspended": page({"status": "suspended"}),
        f"{label} process and version": page({"process": "directive_lifecycle", "version": "1"}),
        f"{label} unit with work waiting": page({"unit": "BTLS"}),
        f"{label} started in one week": page({"from": "01/03/2025", "to": "07/03/2025"}),
        f"{label} text (a number)": page({"q": "54321-cv"}),
    }


def _postgresql(source: Session) -> sessionmaker[Session] | None:
    try:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                connection.execute(f"CREATE DATABASE {DATABASE}")
    except psycopg.OperationalError:
        return None
    engine = make_engine(f"{SERVER}/{DATABASE}")
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        for definition in source.scalars(select(ProcessDefinition)):
            values = {c.key: getattr(definition, c.key) for c in ProcessDefinition.__mapper__.column_attrs}
            session.execute(insert(ProcessDefinition), [values])
        populate(session)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return sessions


def main() -> None:
    """Print the median and p95 of each page on SQLite and PostgreSQL, interleaved."""
    parser = argparse.ArgumentParser(prog="python -m bench.admin_cases")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with bench_runtime() as (runtime, _clock):
        with unit_of_work(runtime.sessions) as session:
            populate(session)
        with runtime.db.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
        calls = _calls(runtime.sessions, "SQLite")
        with runtime.sessions() as source:
            pg = _postgresql(source)
        if pg is not None:
            calls |= _calls(pg, "PostgreSQL")
        timings: dict[str, Timing] = time_calls(calls, args.runs, warmup=2)
    print(f"{CASES} cases, an open task for every tenth")
    for timing in timings.values():
        print(timing.line())


if __name__ == "__main__":
    main()
