"""`python -m bench.case_migration`: the migration page's dry run and migration over a batch of cases (issue 13).

`--cases` directives (200 by default) registered and instructed, each waiting at the specialist's
draft, then a second version of directive_lifecycle deployed (the draft step renamed). Timed: the
dry run of the whole batch (engine/migration.py `plan_migration`: each case loaded and compared,
nothing stored), which the page runs on every "Chạy thử", and the migration of the batch
(`migrate`: each case in its savepoint, task rows, timers, audit), rolled back after each run so
that every run moves the same cases. On a fresh SQLite database.
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from engine.models import ProcessDefinition
from engine.runtime import Engine
from engine.worker import run_due_jobs
from web.core.composition import engine_transactions
from workflows.directive import scenario
from workflows.directive.rehearsal import Rehearsal

from .measure import Timing, time_calls
from .setup import bench_runtime

ADMIN = "quantri"


def main() -> None:
    """Print the median and p95 of the dry run and of the migration of the batch."""
    parser = argparse.ArgumentParser(prog="python -m bench.case_migration")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with bench_runtime() as (runtime, clock):
        rehearsal = Rehearsal(
            engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, runtime.services)
        )
        for _ in range(args.cases):
            scenario.register_and_instruct(rehearsal)
        bpmn = runtime.settings.bpmn_dir / "directive_lifecycle.bpmn"
        xml = bpmn.read_text(encoding="utf-8").replace('name="Dự thảo công văn"', 'name="Soạn thảo công văn"', 1)
        with engine_transactions(runtime)() as engine:
            engine.deploy(xml.encode("utf-8"), bpmn.name, ADMIN)
            old, new = engine.session.scalars(
                select(ProcessDefinition.id)
                .where(ProcessDefinition.key == "directive_lifecycle")
                .order_by(ProcessDefinition.version)
            ).all()

        def dry_run() -> None:
            with runtime.sessions() as session:
                plan = Engine(session, runtime.services).plan_migration(old, new, ADMIN)
                assert len(plan.movable) == args.cases

        def migrate() -> None:
            with runtime.sessions() as session:
                plan = Engine(session, runtime.services).migrate(old, new, ADMIN)
                assert len(plan.movable) == args.cases
                session.rollback()

        calls = {f"dry run ({args.cases} cases)": dry_run, f"migration ({args.cases} cases)": migrate}
        timings: dict[str, Timing] = time_calls(calls, args.runs, warmup=1)
    for timing in timings.values():
        print(timing.line())


if __name__ == "__main__":
    main()
