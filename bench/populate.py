"""Ten thousand open cases in a fresh database, made in under a minute as the engine would make them.

Running the engine for every case (a parent and up to 29 child instances, tens of commands each)
would take hours. Instead the engine drives one *template* case per `Shape` — a case stopped at a
step: waiting for the director's instruction, the draft, the check, the signature, the issue; or
issued and waiting for some units to acknowledge or report, for the specialist to review a report,
for the consolidation — and each template is then cloned in bulk with plain SQL inserts:

* every instance row of a clone gets a new id (the parent, then its children, as the engine numbers
  them); `case_id`, `parent_id` and resume jobs follow;
* every SpiffWorkflow task id gets clone-specific first 8 hex digits — in the task rows, in
  `parent_task_id`, in timer jobs and inside the serialized states alike — so a clone's state
  describes exactly its task rows (`populate` checks that the engine loads a clone and completes
  one of its tasks);
* each state is compiled once into pieces around what varies (task ids, child instance ids,
  recipient unit codes, subject, numbers, issuer, urgency) and re-joined per clone: a clone costs
  string joins, not JSON parsing;
* each clone draws a subject, an incoming number and issuer, an urgency (the tasks' priority), its
  recipient units (shuffled within each recipient group, so every unit gets its share of pending
  steps), an age (every time moves so that the case ran that many days before now: due dates fall
  before and after now) and, for some ready tasks, a colleague who claimed it; the registers get
  the clone's arrival number and outgoing number, numbered in date order.

Not cloned: audit events (a hash chain: the templates keep theirs and the chain stays valid) and
the outbox rows of notifications. Dates inside the serialized task data stay the template's, and
timer jobs keep the template's status: an old clone's reminder whose moved time has passed is still
pending, as if no worker had run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import Job, TaskRow
from engine.runtime import Engine
from engine.worker import run_due_jobs
from web.accounts.users import give_demo_passwords
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST

from .cloning import (
    CENTRE,
    DISTRICT,
    OWN,
    TABLES,
    Clone,
    Org,
    Rules,
    Template,
    draw,
    fresh_prefixes,
    number,
    prioritised_steps,
    read_org,
    read_template,
    rows_of,
)
from .setup import bench_runtime

HANDLING_DEADLINE, REPORT_DEADLINE = "2023-03-20", "2023-04-14"
LAST_REPORT_IN_CHECK = "own units: report in check"


@dataclass(frozen=True)
class Shape:
    """One kind of open case: the step it waits at, or how far each recipient unit has gone."""

    name: str
    weight: float
    # The Sở step it waits at; "units" once issued.
    stop: str = "units"
    # Per recipient group, one letter per unit: A acknowledge, R report, V review (the Sở's), D done.
    units: tuple[tuple[str, str], ...] = ()
    max_age: int = 30


def _all(own: str, district: str, centre: str) -> tuple[tuple[str, str], ...]:
    return ((OWN, own), (DISTRICT, district), (CENTRE, centre))


def _one(group: str, stages: str) -> tuple[tuple[str, str], ...]:
    return ((group, stages),)


# Most open cases wait for one thing: a late unit, the Sở's check of a report, a Sở step. The
# weights give a unit officer a few hundred pending steps and the lead division's specialists a
# couple of thousand among 10,000 cases.
SHAPES = (
    Shape("awaiting instruction", 2.0, stop="instruct", max_age=5),
    Shape("awaiting draft", 2.5, stop="draft", max_age=12),
    Shape("awaiting content check", 1.5, stop="review_content", max_age=12),
    Shape("awaiting signature", 1.5, stop="sign", max_age=8),
    Shape("awaiting issue", 1.5, stop="issue", max_age=4),
    Shape("own units: just issued", 0.3, units=_one(OWN, "A" * 7), max_age=3),
    Shape("own units: reporting", 0.4, units=_one(OWN, "R" * 7), max_age=20),
    Shape("own units: one late", 8.0, units=_one(OWN, "R" + "D" * 6), max_age=40),
    Shape(LAST_REPORT_IN_CHECK, 4.0, units=_one(OWN, "V" + "D" * 6)),
    Shape("own units: to consolidate", 2.0, units=_one(OWN, "D" * 7), max_age=10),
    Shape("district offices: one late", 14.0, units=_one(DISTRICT, "R" + "D" * 10), max_age=40),
    Shape("district offices: report in check", 3.0, units=_one(DISTRICT, "V" + "D" * 10)),
    Shape("district centres: one unacknowledged", 4.0, units=_one(CENTRE, "A" + "D" * 10), max_age=40),
    Shape("district centres: one late", 10.0, units=_one(CENTRE, "R" + "D" * 10), max_age=40),
    Shape("districts: an office late", 8.0, units=((DISTRICT, "R" + "D" * 10), (CENTRE, "D" * 11)), max_age=40),
    Shape("districts: a centre late", 7.0, units=((DISTRICT, "D" * 11), (CENTRE, "R" + "D" * 10)), max_age=40),
    Shape("all units: just issued", 0.3, units=_all("A" * 7, "A" * 11, "A" * 11), max_age=3),
    Shape("all units: reporting", 0.5, units=_all("R" * 7, "R" * 11, "R" * 11), max_age=20),
    Shape("all units: under way", 2.0, units=_all("R" + "D" * 6, "AR" + "D" * 9, "RV" + "D" * 9)),
    Shape("all units: a centre late", 6.0, units=_all("D" * 7, "D" * 11, "R" + "D" * 10), max_age=40),
    Shape("all units: report in check", 4.0, units=_all("V" + "D" * 6, "D" * 11, "D" * 11)),
    Shape("all units: to consolidate", 2.0, units=_all("D" * 7, "D" * 11, "D" * 11), max_age=10),
)


# -- the templates, driven by the engine ----------------------------------------------------------


def drive(r: Rehearsal, shape: Shape, org: Org) -> None:
    """Take a new case through the engine to where `shape` stops."""
    groups = [group for group, _ in shape.units] or [OWN, DISTRICT, CENTRE]
    draft = {**case.draft(), "recipient_groups": groups, "report_deadline": REPORT_DEADLINE}
    r.at("2023-03-06 08:00")
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", case.INCOMING)
    steps = (
        ("instruct", "2023-03-06 09:30", DIRECTOR, {**case.INSTRUCTION, "handling_deadline": HANDLING_DEADLINE}),
        ("draft", "2023-03-07 09:00", SPECIALIST, draft),
        ("review_content", "2023-03-08 10:00", HEAD, {"decision": "approve", "comment": ""}),
        ("sign", "2023-03-08 15:00", SIGNER, {"decision": "sign", "comment": ""}),
        ("issue", "2023-03-09 08:00", CLERK, {"issue_note": "Phát hành qua Hệ thống quản lý văn bản và điều hành."}),
    )
    for step, moment, actor, data in steps:
        if shape.stop == step:
            return
        r.at(moment)
        r.do(actor, step, data)
    letters = {group: iter(stages) for group, stages in shape.units}
    stage = {unit: next(letters[org.group_of[unit]]) for unit in r.data()["recipients"]}
    r.at("2023-03-09 15:00")
    for unit in [u for u, s in stage.items() if s != "A"]:
        r.do(org.officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    done = [u for u, s in stage.items() if s == "D"]
    for index, unit in enumerate(done):
        day = f"2023-03-{13 + index * 5 // len(done):02d}"
        r.at(f"{day} 10:00")
        r.do(org.officer(unit), "report", case.unit_report(index, day), unit=unit)
    r.at("2023-03-20 09:00")
    for unit in done:
        r.do(SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    r.at("2023-03-24 10:00")
    for index, unit in enumerate([u for u, s in stage.items() if s == "V"]):
        r.do(org.officer(unit), "report", case.unit_report(index, "2023-03-24"), unit=unit)
    r.at("2023-03-27 09:00")
    r.tick()


# -- putting it together ------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """What `populate` made and how long it took."""

    cases: int
    instances: int
    tasks: int
    ready_tasks: int
    by_shape: dict[str, int]
    engine_seconds: float
    clone_seconds: float
    database_bytes: int


def shares(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), at least one each."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(x)) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in range(max(0, total - sum(counts))):
        counts[by_remainder[i % len(by_remainder)]] += 1
    return counts


def _insert(db: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        columns = list(rows[0])
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
        db.executemany(sql, rows)


def drive_templates(runtime: Runtime, clock: ManualClock, org: Org) -> list[tuple[Shape, int, datetime]]:
    """One case per shape, driven by the engine: (shape, case id, the clock when it stopped)."""
    services = runtime.services
    driven = []
    for shape in SHAPES:
        rehearsal = Rehearsal(engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, services))
        drive(rehearsal, shape, org)
        assert rehearsal.case_id is not None
        driven.append((shape, rehearsal.case_id, clock.now()))
    return driven


def clone_all(
    db: sqlite3.Connection, templates: list[Template], counts: list[int], now: datetime, seed: int
) -> list[Clone]:
    """Insert clones of the templates, `counts` cases of each in all (the template is one); returns them."""
    rules = Rules(read_org(db), prioritised_steps(db))
    rng = random.Random(seed)
    clones = [
        draw(t, rules.org, rng, now) for t, count in zip(templates, counts, strict=True) for _ in range(count - 1)
    ]
    counters = db.execute("SELECT sequence_key, year, last_value FROM number_counter").fetchall()
    number(clones, {(key, year): last for key, year, last in counters}, rules.org)
    # Case ids grow with the arrival, as the engine would have given them.
    clones.sort(key=Clone.arrived)
    prefixes = fresh_prefixes(set().union(*(t.prefixes for t in templates)))
    next_id = int(db.execute("SELECT max(id) FROM process_instance").fetchone()[0]) + 1
    batch = 200
    for start in range(0, len(clones), batch):
        rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
        for clone in clones[start : start + batch]:
            clone.prefix = next(prefixes)
            for table, items in rows_of(clone, next_id, rules, rng).items():
                rows[table].extend(items)
            next_id += len(clone.template.instances)
        for table in TABLES:
            _insert(db, table, rows[table])
    db.execute(
        "INSERT INTO number_counter (agency_code, sequence_key, year, last_value) "
        "SELECT agency_code, sequence_key, year, max(number) FROM issued_number WHERE true GROUP BY 1, 2, 3 "
        "ON CONFLICT (agency_code, sequence_key, year) DO UPDATE SET last_value = excluded.last_value"
    )
    return clones


def check_clone(runtime: Runtime, case_id: int) -> None:
    """Let the engine accept a clone's last report and resume its parent; then roll back.

    The serialized states, task rows, `parent_task_id` and the parent's child ids must all agree for
    the case to reach its consolidation step.
    """
    session = runtime.sessions()
    try:
        engine = Engine(session, runtime.services)
        engine.data(case_id)
        review = session.scalars(
            select(TaskRow).where(
                TaskRow.case_id == case_id, TaskRow.state == "ready", TaskRow.spec_name == "review_report"
            )
        ).one()
        engine.complete(review.id, review.assignee or SPECIALIST, {"decision": "accept", "comment": ""})
        resume = session.scalars(select(Job).where(Job.instance_id == case_id, Job.status == "pending")).one()
        engine.run_job(resume)
        ready = session.scalars(select(TaskRow.spec_name).where(TaskRow.case_id == case_id, TaskRow.state == "ready"))
        assert list(ready) == ["consolidate"], f"case {case_id} did not resume"
    finally:
        session.rollback()
        session.close()


def populate(runtime: Runtime, clock: ManualClock, cases: int = 10_000, seed: int = 2023) -> Population:
    """Fill the runtime's fresh SQLite database with `cases` open cases (see the module's docstring)."""
    started = time.perf_counter()
    path = Path(str(runtime.db.url.database))
    with unit_of_work(runtime.sessions) as session:
        give_demo_passwords(session)
    db = sqlite3.connect(path)
    org = read_org(db)
    db.close()
    driven = drive_templates(runtime, clock, org)
    engine_seconds = time.perf_counter() - started
    runtime.db.dispose()
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # One writer on a throw-away database: no journal, no syncing; foreign keys still checked.
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("BEGIN")
        templates = [read_template(db, s.name, s.max_age, case_id, ended, org) for s, case_id, ended in driven]
        counts = shares(cases, [shape.weight for shape in SHAPES])
        clones = clone_all(db, templates, counts, datetime.now(UTC), seed)
        db.execute("COMMIT")
        assert not db.execute("PRAGMA foreign_key_check").fetchall()
        db.execute("PRAGMA journal_mode=WAL")
        by_shape = Counter([t.name for t in templates] + [c.template.name for c in clones])
        total, instances = db.execute(
            "SELECT count(*) FILTER (WHERE parent_id IS NULL), count(*) FROM process_instance"
        ).fetchone()
        tasks, ready = db.execute("SELECT count(*), count(*) FILTER (WHERE state = 'ready') FROM task").fetchone()
    finally:
        db.close()
    check_clone(runtime, next(c.case_id for c in clones if c.template.name == LAST_REPORT_IN_CHECK))
    seconds = time.perf_counter() - started
    return Population(
        total, instances, tasks, ready, dict(by_shape), engine_seconds, seconds - engine_seconds, path.stat().st_size
    )


def main() -> None:
    """Populate a database and print what it holds; optionally keep a copy of it."""
    parser = argparse.ArgumentParser(prog="python -m bench.populate")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--keep", type=Path, help="copy the database to this file")
    args = parser.parse_args()
    with bench_runtime() as (runtime, clock):
        population = populate(runtime, clock, args.cases, args.seed)
        print(
            f"{population.cases} open cases, {population.instances} instances, {population.tasks} task rows "
            f"({population.ready_tasks} ready); engine {population.engine_seconds:.1f} s, "
            f"clones {population.clone_seconds:.1f} s; {population.database_bytes / 2**20:.0f} MiB"
        )
        for name, count in sorted(population.by_shape.items(), key=lambda item: -item[1]):
            print(f"  {count:6d}  {name}")
        if args.keep:
            runtime.db.dispose()
            shutil.copyfile(Path(str(runtime.db.url.database)), args.keep)


if __name__ == "__main__":
    main()
