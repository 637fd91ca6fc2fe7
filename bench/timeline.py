"""`python -m bench.timeline`: one case's timeline with 500 audit events, served by gunicorn.

Target (issue 12): the timeline of a case with 500 events renders in under 100 ms at the 95th
percentile. The case is the reference directive run through the engine as people would: registered
and instructed, drafted and returned ten times (ten versions of the draft, each compared with the
one before), approved, signed, issued to every recipient unit, each unit acknowledging and
reporting, and then claims and releases of an open step until the case's trail holds 500 events.
Beside it, the timeline of a small case (the same directive up to its first draft, four events)
and the case page of the big one, for comparison, and the timeline's data alone read in this
process (workflows/audit/timeline.py). Pages are asked for by a signed-in auditor, interleaved so
that the machine's noise hits them alike.

On SQLite by default; with TEST_DATABASE_URL naming PostgreSQL, on a fresh schema of it too (dropped after).
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from sqlalchemy import create_engine, func, select, text

from engine.clock import ManualClock
from engine.definitions import call_order
from engine.models import AuditEvent
from engine.runtime import Engine
from engine.worker import run_due_jobs
from web.accounts.users import give_demo_passwords
from web.core import migrate
from web.core.composition import Runtime, build_services, engine_transactions
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.audit.timeline import timeline
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.scenario import HEAD, SIGNER, SPECIALIST, issue, register_and_instruct
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.loader import load_org_chart

from .measure import Timing, served, time_calls, time_urls
from .setup import START, bench_runtime

GOAL_MS = 100.0
EVENTS = 500
REDRAFTS = 10
AUDITOR = "kiemtra"


def _rehearsal(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return Rehearsal(engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, runtime.services))


def _events(runtime: Runtime, case_id: int) -> int:
    with unit_of_work(runtime.sessions) as session:
        return int(session.scalar(select(func.count()).where(AuditEvent.case_id == case_id)) or 0)


def small_case(runtime: Runtime, clock: ManualClock) -> int:
    """The directive up to its first draft: four events."""
    r = _rehearsal(runtime, clock)
    register_and_instruct(r)
    r.do(SPECIALIST, "draft", case.draft())
    return r.case_id or 0


def big_case(runtime: Runtime, clock: ManualClock, events: int) -> int:
    """The directive redrafted ten times, issued, acknowledged and reported by every unit, then
    claimed and released at one open step until its trail holds `events` events."""
    r = _rehearsal(runtime, clock)
    register_and_instruct(r)
    for n in range(1, REDRAFTS + 1):
        r.do(SPECIALIST, "draft", case.draft(tasks=case.TASKS[: 1 + n % len(case.TASKS)]))
        r.do(HEAD, "review_content", {"decision": "return", "comment": f"Lần {n}: đề nghị sửa mục {n}."})
    r.do(SPECIALIST, "draft", case.draft())
    r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.do(SIGNER, "sign", {"decision": "sign", "comment": ""})
    units = issue(r)
    with unit_of_work(runtime.sessions) as session:
        officers = {unit: OrgDirectory(session).holders("unit_officer", unit)[0] for unit in units}
    for index, unit in enumerate(units):
        r.do(officers[unit], "acknowledge", {"acknowledge_note": ""}, unit=unit)
        if index % 2 == 0:
            r.do(officers[unit], "report", case.unit_report(index, "2023-03-15"), unit=unit)
    case_id = r.case_id or 0
    open_unit = units[1]
    (task,) = r.pending("report", unit=open_unit)
    while _events(runtime, case_id) < events - 1:
        with engine_transactions(runtime)() as engine:
            engine.claim(task.id, officers[open_unit])
        with engine_transactions(runtime)() as engine:
            engine.release(task.id, officers[open_unit])
    return case_id


def measure(runtime: Runtime, clock: ManualClock, url: str, requests: int, label: str) -> list[Timing]:
    """Build both cases on the runtime's database and time their pages served from `url`."""
    with unit_of_work(runtime.sessions) as session:
        give_demo_passwords(session)
    small, big = small_case(runtime, clock), big_case(runtime, clock, EVENTS)
    counts = {small: _events(runtime, small), big: _events(runtime, big)}
    paths = {
        f"{label} timeline, {counts[big]} events": f"/cases/{big}/timeline",
        f"{label} timeline, {counts[small]} events": f"/cases/{small}/timeline",
        f"{label} case page, {counts[big]} events": f"/cases/{big}",
    }
    with runtime.sessions() as session:
        # The data alone (workflows/audit/timeline.py), read in this process: what the page is built from.
        data = time_calls({f"{label} timeline data, {counts[big]} events": partial(timeline, session, big)}, requests)
    with served(url) as base:
        timed = time_urls(base, AUDITOR, list(paths.values()), requests)
    return [*data.values(), *(Timing(name, timed[path].seconds) for name, path in paths.items())]


@contextmanager
def postgresql_runtime(url: str) -> Iterator[tuple[Runtime, ManualClock, str]]:
    """A fresh schema migrated to the newest revision, with the org chart and the processes; dropped after."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    scoped = f"{url}{'&' if '?' in url else '?'}options={urllib.parse.quote(f'-csearch_path={name}')}"
    db = make_engine(scoped)
    try:
        migrate.upgrade(db)
        clock = ManualClock(START)
        settings = Settings.from_env({})
        runtime = Runtime(settings, db, make_session_factory(db), build_services(settings, clock))
        with unit_of_work(runtime.sessions) as session:
            load_org_chart(session)
            for path in call_order(settings.bpmn_dir.glob("*.bpmn")):
                Engine(session, runtime.services).deploy(path.read_bytes(), path.name, "quantri")
        yield runtime, clock, scoped
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def main() -> None:
    """Measure on SQLite (and PostgreSQL when TEST_DATABASE_URL names it); print medians and p95."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    timings: list[Timing] = []
    with bench_runtime() as (runtime, clock):
        url = runtime.db.url.render_as_string(hide_password=False)
        timings += measure(runtime, clock, url, options.requests, "SQLite")
    postgresql = os.environ.get("TEST_DATABASE_URL", "")
    if postgresql.startswith("postgresql"):
        with postgresql_runtime(postgresql) as (runtime, clock, scoped):
            timings += measure(runtime, clock, scoped, options.requests, "PostgreSQL")
    for timing in timings:
        page = f"timeline, {EVENTS} events" in timing.name
        print(timing.line(GOAL_MS if page else None))


if __name__ == "__main__":
    main()
