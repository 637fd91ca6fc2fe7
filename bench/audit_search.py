"""`python -m bench.audit_search`: the auditors' search across cases with 1,000,000 audit events.

Issue 12 asks for a search across cases by person, unit, role, step, decision, days and document
number, with exports. No figure is named for it; this bench shows where it stands at the size the
issue names for the trail (a million events), beside a small agency, on PostgreSQL. A fresh schema
gets the demo organisation and 20,000 directives, each with 25 finished steps (its own six: register,
instruct, draft, the head of division's review — a return in one case of five —, signature and
issue; then its units' acknowledgements and reports), each step a task row and two events (claimed,
completed), one case every 30 minutes over 14 months. Rows are made by the database
(generate_series), not by running the processes: what is measured is the search's statement
(`workflows/audit/search.py`, one page: the capped count and 50 rows) and the page and the XLSX
export served by gunicorn to the demo auditor. Requests are interleaved so that the machine's noise
hits every variant alike.

Needs PostgreSQL: TEST_DATABASE_URL, or postgres@127.0.0.1:5432/test. The schemas are dropped after.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date
from functools import partial
from urllib.parse import urlencode

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from workflows.audit.search import Criteria, search

from .board import LOCAL_POSTGRESQL, schema
from .measure import Timing, served, signed_in, time_calls, time_pages

AUDITOR, HEAD, DIVISION, AGENCY = "kiemtra", "tp.qlvhgd", "QLVHGD", "SVHTTDL"
STEPS_PER_CASE = 25
#: The first case's day; one case every 30 minutes after it.
FIRST_DAY = date(2024, 1, 1)

FILL = [
    "CREATE TEMP TABLE bench_unit AS SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM org_unit"
    " WHERE kind NOT IN ('division', 'agency', 'province', 'external', 'district')",
    # The steps of a case, k = 0..24: the Sở's six, then the units' acknowledgements and reports.
    """CREATE TEMP TABLE bench_step AS SELECT k AS position,
         (ARRAY['register_incoming', 'instruct', 'draft', 'review_content', 'sign', 'issue'])[k + 1] AS spec,
         (ARRAY['Tiếp nhận văn bản đến', 'Ý kiến chỉ đạo', 'Dự thảo công văn', 'Kiểm tra nội dung', 'Ký duyệt',
                'Cấp số, phát hành'])[k + 1] AS title,
         (ARRAY['clerk', 'director', 'specialist', 'division_head', 'leader', 'clerk'])[k + 1] AS role,
         (ARRAY[:agency, :agency, :division, :division, :agency, :agency])[k + 1] AS unit,
         (ARRAY['vanthu', 'giamdoc', 'cv.hvd', :head, 'pgd.hoa', 'vanthu'])[k + 1] AS actor
       FROM generate_series(0, 5) k""",
    """INSERT INTO process_instance (id, definition_id, process_key, case_id, business_key, title, search_text,
         status, state, serializer_version, started_by, started_at, version)
       SELECT g, 1, 'directive_lifecycle', g, g || '/SVHTTDL-QLVHGĐ', 'Công văn thử tải số ' || g,
              'cong van thu tai so ' || g || ' | ' || g || '/svhttdl-qlvhgd', 'completed', '{{}}', '1', 'vanthu',
              :first + (g - 1) * interval '30 minutes', 1
       FROM generate_series(1, {cases}) g""",
    """INSERT INTO task (id, instance_id, case_id, spec_name, title, role, candidate_unit, assignee, state, priority,
         created_at, completed_at, completed_by, decision, comment, version)
       SELECT md5(c || ':' || k), c, c,
              COALESCE(s.spec, (ARRAY['acknowledge', 'report'])[1 + k % 2]),
              COALESCE(s.title, (ARRAY['Tiếp nhận công văn', 'Triển khai và báo cáo'])[1 + k % 2]),
              COALESCE(s.role, 'unit_officer'), COALESCE(s.unit, u.code), COALESCE(s.actor, 'cb.' || lower(u.code)),
              'completed', 0, :first + (c - 1) * interval '30 minutes' + k * interval '1 minute',
              :first + (c - 1) * interval '30 minutes' + (k + 1) * interval '1 minute',
              COALESCE(s.actor, 'cb.' || lower(u.code)),
              CASE WHEN k = 3 AND c % 5 = 0 THEN 'return' WHEN k = 3 THEN 'approve' WHEN k = 4 THEN 'sign' END,
              CASE WHEN k = 3 AND c % 5 = 0 THEN 'Đề nghị bổ sung mục ' || (c % 7 + 1) END, 1
       FROM generate_series(1, {cases}) c
       CROSS JOIN generate_series(0, {steps} - 1) k
       LEFT JOIN bench_step s ON s.position = k
       JOIN bench_unit u ON u.n = (c * 7 + k) % (SELECT count(*) FROM bench_unit)""",
    # Two events per step, in its case's chain: claimed when it started, completed when it ended. Their
    # seals are stand-ins (the search never reads them; bench.audit_verify measures sealing and checking).
    """INSERT INTO audit_event (chain, seq, tag, actor, at, case_id, instance_id, task_id, after, comment,
         prev_hash, hash, key_id)
       SELECT 'case:' || t.case_id,
              row_number() OVER (PARTITION BY t.case_id ORDER BY t.created_at, e.n),
              CASE WHEN e.n = 0 THEN 'engine:task:claimed' ELSE 'engine:task:completed' END, t.completed_by,
              CASE WHEN e.n = 0 THEN t.created_at ELSE t.completed_at END, t.case_id, t.instance_id, t.id,
              json_build_object('task', t.spec_name, 'title', t.title, 'decision', t.decision),
              CASE WHEN e.n = 1 THEN t.comment END, repeat('0', 64), md5(t.id || e.n) || md5(t.id), 'bench'
       FROM task t CROSS JOIN generate_series(0, 1) e(n)
       ORDER BY t.created_at, e.n""",
]


def fill(db: Engine, cases: int) -> int:
    """The cases, their finished steps and their events; then VACUUM ANALYZE. How many events were made."""
    sizes = {"cases": cases, "steps": STEPS_PER_CASE}
    values = {"agency": AGENCY, "division": DIVISION, "head": HEAD, "first": FIRST_DAY}
    with db.begin() as connection:
        for statement in FILL:
            # Counts go in as literals: bound, psycopg sends small ones as smallint and their products overflow.
            connection.execute(text(statement.format(**sizes)), values)
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        return int(connection.scalar(text("SELECT count(*) FROM audit_event")) or 0)


def shapes(db: Engine) -> dict[str, Criteria]:
    """The searches measured: each criterion alone, and the issue's example."""
    with db.connect() as connection:
        unit = str(connection.scalar(text("SELECT min(candidate_unit) FROM task WHERE role = 'unit_officer'")) or "")
    a_day = date(2024, 6, 3)
    return {
        "returns by heads of division": Criteria(role="division_head", decision="return"),
        "one person": Criteria(people=(HEAD,)),
        "one person, one month": Criteria(people=(HEAD,), first_day=date(2024, 6, 1), last_day=date(2024, 6, 30)),
        "one unit": Criteria(unit=unit),
        "one step": Criteria(step="review_content"),
        "one day": Criteria(first_day=a_day, last_day=a_day),
        "one number": Criteria(number="1234/SVHTTDL-QLVHGĐ"),
        "a whole year (count capped)": Criteria(first_day=date(2024, 1, 1), last_day=date(2024, 12, 31)),
    }


def measure(db: Engine, scoped_url: str, requests: int, label: str) -> dict[str, Timing]:
    """The search's statement for each shape, and the page and its XLSX export served by gunicorn."""
    session = Session(db)
    calls: dict[str, Callable[[], object]] = {
        f"{label} query: {name}": partial(search, session, criteria) for name, criteria in shapes(db).items()
    }
    timings = time_calls(calls, requests)
    session.close()
    returns = urlencode({"role": "division_head", "decision": "return"})
    paths = [f"/audit/search?{returns}", f"/audit/search?{returns}&page=3"]
    export = f"/audit/search/export.xlsx?{returns}"
    with served(scoped_url) as base:
        auditor = signed_in(base, AUDITOR)
        pages = time_pages({"auditor": auditor}, paths, requests)

        def download() -> bytes:
            # A workbook, not a page: read as bytes (the pages' timer reads text).
            with auditor.opener.open(base + export, timeout=120) as response:
                return bytes(response.read())

        downloads = time_calls({f"{label} page {export}": download}, requests, warmup=2)
    for (_who, path), timing in pages.items():
        timings[f"{label} page {path}"] = Timing(f"{label} page {path}", timing.seconds)
    timings.update(downloads)
    return timings


def main() -> None:
    """Measure on a small agency and on a million events, side by side; print medians and p95."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    options = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL", "")
    url = url if url.startswith("postgresql") else LOCAL_POSTGRESQL
    with schema(url) as (small_db, small_url), schema(url) as (big_db, big_url):
        small_events = fill(small_db, 40)
        big_events = fill(big_db, options.cases)
        print(f"filled: {small_events:,} and {big_events:,} audit events ({options.cases:,} cases)")
        small = measure(small_db, small_url, options.requests, f"{small_events:,}")
        big = measure(big_db, big_url, options.requests, f"{big_events:,}")
    for timing in [*small.values(), *big.values()]:
        print(timing.line())


if __name__ == "__main__":
    main()
