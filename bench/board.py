"""`python -m bench.board`: the supervision board and a directive's unit table with 1,000,000 open tasks.

Target (issue 11): both render in under 100 ms at the 95th percentile on PostgreSQL with a million
open tasks. A fresh schema gets the demo organisation and 20,000 directives sent to 30 units each
(600,000 unit instances, each with its row of theo dõi thực hiện), 1,000,000 ready tasks (900,000
at the units' steps, 100,000 at the directives' own steps) with due dates from 40 days ago to 40
days ahead of today — a third of everything is late — and as many finished tasks. Rows are made by
the database (generate_series), not by running the processes: what is measured is the board's and
the table's statements (`workflows/supervision`) and the pages around them, served by gunicorn
like `directive-flow web` and asked for by a signed-in supervisor, head of division and (for
comparison) on the same schema before the million rows are added. The requests are interleaved so
that the machine's noise hits every variant alike.

Needs PostgreSQL: TEST_DATABASE_URL, or postgres@127.0.0.1:5432/test. The schemas are dropped after.
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

from lxml import etree
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

import web.core.models  # noqa: F401  # declares tables create_all must make
import workflows.models  # noqa: F401  # declares tables create_all must make
from engine.db import Base
from engine.definitions import read_metadata
from engine.models import ProcessDefinition
from web.accounts.users import give_demo_passwords
from web.core.settings import PROJECT_ROOT
from workflows.calendar import LOCAL_TZ, WorkingCalendar
from workflows.orgchart.loader import load_org_chart
from workflows.supervision.board import BoardFilter, board
from workflows.supervision.scope import Scope
from workflows.supervision.unit_table import unit_lines

from .measure import Timing, served, signed_in, time_calls, time_pages

LOCAL_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_MS = 100.0
SUPERVISOR, HEAD, DIVISION = "giamsat", "tp.qlvhgd", "QLVHGD"
UNITS = 30

# The recipient units of the demo chart, numbered 0..n-1 so that generate_series can pick them.
UNIT_CODES = (
    "SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM org_unit"
    " WHERE kind NOT IN ('division', 'agency', 'province', 'external', 'district')"
)
FILL = [
    f"CREATE TEMP TABLE bench_unit AS {UNIT_CODES}",
    """INSERT INTO process_instance (id, definition_id, process_key, case_id, business_key, title, search_text,
         status, state, serializer_version, started_by, started_at, version)
       SELECT g, 1, 'directive_lifecycle', g, g || '/SO-' || :division, 'Công văn thử tải số ' || g, 'cong van ' || g,
              'running', '{{}}', '1', 'bench', now(), 1
       FROM generate_series(1, {cases}) g""",
    """INSERT INTO process_instance (id, definition_id, process_key, case_id, parent_id, business_key, title, status,
         state, serializer_version, started_by, started_at, version)
       SELECT {cases} + g, 2, 'unit_execution', 1 + (g - 1) / {units}, 1 + (g - 1) / {units}, 'k', 't',
              CASE WHEN g % 500 = 0 THEN 'cancelled' ELSE 'running' END, '{{}}', '1', 'bench', now(), 1
       FROM generate_series(1, {cases} * {units}) g""",
    # One row per unit; half still owe their report, a quarter never acknowledged.
    """INSERT INTO unit_tracking (case_id, instance_id, unit_code, lead_division, urgency, report_required, status,
         acknowledge_by, acknowledged_on, deadline, original_deadline, awaiting_report, reported_on, reminders,
         updated_at, due_on)
       SELECT 1 + (g - 1) / {units}, {cases} + g, u.code, :division, g % 4, true,
              CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END,
              current_date - 40 + g % 80,
              CASE WHEN g % 4 = 0 THEN NULL ELSE current_date - 40 + g % 80 END,
              current_date - 40 + g % 81, current_date - 40 + g % 81, g % 2 = 0,
              CASE WHEN g % 2 = 1 THEN current_date - 40 + g % 81 END, g % 3, now(),
              CASE WHEN g % 2 = 1 THEN NULL WHEN g % 4 = 0 THEN current_date - 40 + g % 80
                   ELSE current_date - 40 + g % 81 END
       FROM generate_series(1, {cases} * {units}) g
       JOIN bench_unit u ON u.n = g % (SELECT count(*) FROM bench_unit)""",
    # The units' own steps (about the unit they are offered to, as the unit process's are).
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, detail, role, candidate_unit, state, priority,
         created_at, due_at, version)
       SELECT md5('u' || g), {cases} + 1 + g % ({cases} * {units}), 1 + (g % ({cases} * {units})) / {units},
              (ARRAY['acknowledge', 'report'])[1 + g % 2], 'Tiếp nhận công văn', u.code, 'unit_officer',
              u.code, 'ready', g % 4, now() - (g % 2000) * interval '1 hour',
              now() + ((g % 80) - 40) * interval '1 day', 1
       FROM generate_series(1, {unit_tasks}) g
       JOIN bench_unit u ON u.n = (g % ({cases} * {units}) + 1) % (SELECT count(*) FROM bench_unit)""",
    # The directives' own steps, at the Sở's divisions and leaders.
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, detail, role, candidate_unit, state, priority,
         created_at, due_at, version)
       SELECT md5('c' || g), 1 + g % {cases}, 1 + g % {cases},
              (ARRAY['draft', 'review_content', 'sign', 'issue', 'review_report'])[1 + g % 5], 'Bước của Sở',
              CASE WHEN g % 5 = 4 THEN 'BTLS' END, 'specialist', :division, 'ready', g % 4,
              now() - (g % 3000) * interval '1 hour',
              now() + ((g % 80) - 40) * interval '1 day', 1
       FROM generate_series(1, {case_tasks}) g""",
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, role, candidate_unit, state, priority, created_at,
         completed_at, due_at, version)
       SELECT md5('d' || g), {cases} + 1 + g % ({cases} * {units}), 1 + (g % ({cases} * {units})) / {units},
              'acknowledge', 'Tiếp nhận công văn', 'unit_officer', 'X', 'completed', 0,
              now() - interval '90 days', now() - interval '60 days', now() - interval '80 days', 1
       FROM generate_series(1, {done_tasks}) g""",
]


@contextmanager
def schema(url: str) -> Iterator[tuple[Engine, str]]:
    """A fresh schema with the demo organisation; yields its engine and a URL whose connections use it."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    options = urllib.parse.quote(f"-csearch_path={name}")
    scoped = f"{url}{'&' if '?' in url else '?'}options={options}"
    db = create_engine(scoped)
    try:
        Base.metadata.create_all(db)
        with Session(db) as session, session.begin():
            load_org_chart(session)
            give_demo_passwords(session)
            for number, key in enumerate(("directive_lifecycle", "unit_execution"), start=1):
                session.add(_definition(number, key))
        yield db, scoped
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _definition(number: int, key: str) -> ProcessDefinition:
    # The deployed processes' rows, as deployment writes them; the pages measured read only their keys.
    xml = (PROJECT_ROOT / "bpmn" / f"{key}.bpmn").read_bytes()
    tree = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return ProcessDefinition(
        id=number,
        key=key,
        name=key,
        version=1,
        checksum=str(number) * 64,
        filename=f"{key}.bpmn",
        bpmn_xml=xml.decode("utf-8"),
        metadata_json=read_metadata(tree, key),
        deployed_by="bench",
        deployed_at=datetime.now(UTC),
    )


def fill(db: Engine, cases: int, ready: int) -> None:
    """The directives, their units' instances and rows, and the tasks; then VACUUM ANALYZE."""
    sizes: dict[str, int] = {
        "cases": cases,
        "units": UNITS,
        "unit_tasks": ready * 9 // 10,
        "case_tasks": ready // 10,
        "done_tasks": ready,
    }
    with db.begin() as connection:
        for statement in FILL:
            # Counts go in as literals: bound, psycopg sends small ones as smallint and their products overflow.
            connection.execute(text(statement.format(**sizes)), {"division": DIVISION})
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def measure(db: Engine, scoped_url: str, requests: int, label: str) -> dict[str, Timing]:
    """The statements and the served pages, for the whole agency and for one division."""
    today, calendar = datetime.now(UTC).astimezone(LOCAL_TZ).date(), WorkingCalendar()
    whole, division = Scope(whole_agency=True), Scope(divisions=frozenset({DIVISION}))
    session = Session(db)
    calls: dict[str, Callable[[], object]] = {
        f"{label} board query, whole agency": partial(board, session, whole, BoardFilter(), today, calendar),
        f"{label} board query, one unit": partial(
            board, session, whole, BoardFilter(unit=_a_unit(session)), today, calendar
        ),
        f"{label} board query, one division": partial(board, session, division, BoardFilter(), today, calendar),
        f"{label} unit table query": partial(unit_lines, session, 7, today, calendar, whole),
    }
    timings = time_calls(calls, requests)
    session.close()
    paths = ["/supervision", "/supervision?within=5&urgency=khan", "/supervision/cases/7/units?sort=late"]
    with served(scoped_url) as base:
        browsers = {"supervisor": signed_in(base, SUPERVISOR), "head": signed_in(base, HEAD)}
        pages = time_pages(browsers, paths, requests)
    for (who, path), timing in pages.items():
        timings[f"{label} page {path} ({who})"] = Timing(f"{label} page {path} ({who})", timing.seconds)
    return timings


def _a_unit(session: Session) -> str:
    return str(session.execute(text("SELECT min(unit_code) FROM unit_tracking")).scalar() or "")


def main() -> None:
    """Measure on an empty agency and on a million open tasks, side by side; print medians and p95."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--ready", type=int, default=1_000_000, help="open (ready) tasks")
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL", "")
    url = url if url.startswith("postgresql") else LOCAL_POSTGRESQL
    with schema(url) as (small_db, small_url), schema(url) as (big_db, big_url):
        fill(small_db, 20, 1000)
        fill(big_db, options.cases, options.ready)
        print(f"filled: {options.ready:,} ready tasks, {options.cases:,} directives × {UNITS} units")
        small = measure(small_db, small_url, options.requests, "small")
        big = measure(big_db, big_url, options.requests, "1M")
    for name, timing in [*small.items(), *big.items()]:
        print(timing.line(GOAL_MS if name.startswith("1M") else None))


if __name__ == "__main__":
    main()
