"""`python -m bench.pictures`: the supervisors' pictures with a million open tasks, on PostgreSQL.

A fresh schema gets 20,000 directives sent to 30 units each (620,000 instances), 1,000,000 ready
tasks (900,000 at the units' steps, 100,000 at the directives'), 2,000,000 finished ones and a
theo dõi row per unit (half still open). Rows are made by the database (generate_series), not by
running the processes: what is measured is the statements of workflows/supervision/statistics.py,
as the diagram page and the on-time page run them, for the whole agency, one unit and one division.

Needs PostgreSQL: TEST_DATABASE_URL, or postgres@127.0.0.1:5432/test. The schema is dropped after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from lxml import etree
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

import web.core.models  # noqa: F401  # declares tables create_all must make
import workflows.models  # noqa: F401  # declares tables create_all must make
from engine.db import Base
from engine.definitions import read_metadata
from engine.models import ProcessDefinition
from web.core.settings import PROJECT_ROOT
from workflows.calendar import WorkingCalendar
from workflows.supervision.scope import Scope
from workflows.supervision.statistics import (
    OnTimeFilter,
    on_time_by_month,
    on_time_by_unit,
    process_load,
    units_owing,
)

LOCAL_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET = 0.500  # seconds: the whole agency's figures of one process, on a 2-core machine
SCOPES = {
    "whole agency": Scope(whole_agency=True),
    "one unit": Scope(units=frozenset({"U7"})),
    "one division": Scope(divisions=frozenset({"D3"})),
}

FILL = [
    """INSERT INTO process_instance (id, definition_id, process_key, case_id, business_key, title, status, state,
         serializer_version, started_by, started_at, version)
       SELECT g, 1, 'directive_lifecycle', g, 'k', 't', 'running', '{}', '1', 'x', now(), 1
       FROM generate_series(1, :cases) g""",
    """INSERT INTO process_instance (id, definition_id, process_key, case_id, parent_id, business_key, title, status,
         state, serializer_version, started_by, started_at, version)
       SELECT :cases + g, 2, 'unit_execution', 1 + g % :cases, 1 + g % :cases, 'k', 't',
              CASE WHEN g % 500 = 0 THEN 'cancelled' ELSE 'running' END, '{}', '1', 'x', now(), 1
       FROM generate_series(1, :cases * 30) g""",
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, role, candidate_unit, state, priority, created_at,
         version)
       SELECT md5('u' || g), :cases + 1 + g % (:cases * 30), 1 + g % :cases,
              (ARRAY['acknowledge', 'report', 'review_report'])[1 + g % 3], 'T', 'unit_officer', 'U' || g % 300,
              'ready', 0, now() - (g % 5000) * interval '1 hour', 1
       FROM generate_series(1, :unit_tasks) g""",
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, role, candidate_unit, state, priority, created_at,
         version)
       SELECT md5('c' || g), 1 + g % :cases, 1 + g % :cases,
              (ARRAY['register_incoming', 'instruct', 'draft', 'review_content', 'sign', 'issue', 'consolidate'])
                [1 + g % 7], 'T', 'specialist', 'D' || g % 10, 'ready', 0, now() - (g % 3000) * interval '1 hour', 1
       FROM generate_series(1, :case_tasks) g""",
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, role, candidate_unit, state, priority, created_at,
         completed_at, version)
       SELECT md5('d' || g), :cases + 1 + g % (:cases * 30), 1 + g % :cases,
              (ARRAY['acknowledge', 'report', 'review_report'])[1 + g % 3], 'T', 'unit_officer', 'U' || g % 300,
              'completed', 0, now() - (g % 9000) * interval '1 hour', now(), 1
       FROM generate_series(1, :done_tasks) g""",
    """INSERT INTO unit_tracking (case_id, instance_id, unit_code, lead_division, urgency, report_required, status,
         acknowledge_by, acknowledged_on, deadline, original_deadline, awaiting_report, reported_on, reminders,
         updated_at)
       SELECT 1 + g % :cases, :cases + g, 'U' || g % 300, 'D' || g % 10, 0, true,
              CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END, date '2023-01-01' + g % 700,
              CASE WHEN g % 4 = 0 THEN NULL ELSE date '2023-01-02' + g % 700 END,
              date '2023-01-10' + g % 700, date '2023-01-10' + g % 700, g % 2 = 0,
              CASE WHEN g % 2 = 1 THEN date '2023-01-08' + g % 700 + g % 5 END, 0, now()
       FROM generate_series(1, :cases * 30) g""",
]


def _metadata(filename: str, process_id: str) -> dict[str, Any]:
    xml = (PROJECT_ROOT / "bpmn" / filename).read_bytes()
    tree = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return read_metadata(tree, process_id)


def _fill(db: Engine, cases: int, ready: int) -> None:
    Base.metadata.create_all(db)
    sizes = {"cases": cases, "unit_tasks": ready * 9 // 10, "case_tasks": ready // 10, "done_tasks": ready * 2}
    with Session(db) as session, session.begin():
        for number, (key, filename) in enumerate(
            [("directive_lifecycle", "directive_lifecycle.bpmn"), ("unit_execution", "unit_execution.bpmn")], start=1
        ):
            session.add(
                ProcessDefinition(
                    id=number,
                    key=key,
                    name=key,
                    version=1,
                    checksum=str(number) * 64,
                    filename=filename,
                    bpmn_xml="",
                    metadata_json=_metadata(filename, key),
                    deployed_by="bench",
                    deployed_at=datetime.now(UTC),
                )
            )
        session.flush()
        for statement in FILL:
            session.execute(text(statement), sizes)
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _median(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Fill a fresh schema, time each statement of the pictures, print the medians."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--ready", type=int, default=1_000_000, help="open (ready) tasks")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL", "")
    url = url if url.startswith("postgresql") else LOCAL_POSTGRESQL
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        started = time.perf_counter()
        _fill(db, options.cases, options.ready)
        print(
            f"filled in {time.perf_counter() - started:.0f} s: {options.ready:,} ready tasks, {options.cases:,} cases"
        )
        now, today, calendar = datetime(2024, 6, 1, 3, tzinfo=UTC), date(2024, 6, 1), WorkingCalendar()
        year = OnTimeFilter(date(2023, 6, 1), date(2024, 5, 1))
        whole = 0.0
        with Session(db) as session:
            for label, scope in SCOPES.items():
                for key in ("unit_execution", "directive_lifecycle"):
                    took = _median(partial(process_load, session, key, scope, now, calendar), options.repeat)
                    whole = max(whole, took) if label == "whole agency" else whole
                    print(f"{label:>13}  steps of {key:<20} {took * 1000:7.0f} ms")
                runs: dict[str, Callable[[], object]] = {
                    "units owing": partial(units_owing, session, scope, now),
                    "on time by unit, 12 months": partial(on_time_by_unit, session, scope, year, today),
                    "on time by month, 12 months": partial(on_time_by_month, session, scope, year, today),
                }
                for name, run in runs.items():
                    print(f"{label:>13}  {name:<29} {_median(run, options.repeat) * 1000:7.0f} ms")
        verdict = "within" if whole < TARGET else "OVER"
        print(f"whole agency, slowest process: {whole * 1000:.0f} ms ({verdict} the {TARGET * 1000:.0f} ms target)")
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
