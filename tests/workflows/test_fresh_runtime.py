"""Every step in a runtime that never saw the case: nothing the engine needs may live only in memory.

Users run the web and the job worker as separate processes, so the process that resumes a case
after a unit's instance ends is never the one that created the instances. Here each step (and each
pass of the worker) gets services built afresh — a new spec cache, specs parsed again from the
stored XML, no SpiffWorkflow handler left from an earlier step — and the case must still run to
its end with every unit's report collected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import func, select, text

from engine.clock import ManualClock
from engine.models import Job, ProcessInstance, TaskRow
from engine.runtime import Engine
from engine.worker import WorkerReport, run_due_jobs
from tests.workflows.lifecycle_helpers import instance, officer_of, session_of
from web.core.composition import Runtime, build_services
from web.core.db import unit_of_work
from workflows.directive.rehearsal import Rehearsal
from workflows.directive.scenario import run_reference_case

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def fresh_transactions(runtime: Runtime, clock: ManualClock) -> Callable[[], AbstractContextManager[Engine]]:
    """Units of work whose engine is built on services made for that unit alone."""

    @contextmanager
    def transaction() -> Iterator[Engine]:
        with unit_of_work(runtime.sessions) as session:
            yield Engine(session, build_services(runtime.settings, clock))

    return transaction


def fresh_jobs(runtime: Runtime, clock: ManualClock) -> Callable[[], WorkerReport]:
    """A pass of the worker as a newly started worker process would make it."""

    def run() -> WorkerReport:
        report = run_due_jobs(runtime.sessions, build_services(runtime.settings, clock))
        assert not report.failed, report.failed
        return report

    return run


def test_reference_case_completes_when_no_step_shares_memory_with_another(runtime: Runtime, clock: ManualClock) -> None:
    """The case ends with every unit's report collected, each step in services that never saw it before."""
    r = Rehearsal(fresh_transactions(runtime, clock), clock, fresh_jobs(runtime, clock))
    outcome = run_reference_case(r, officer_of(runtime))
    assert instance(runtime, outcome.case_id).status == "completed"
    data = r.data()
    assert [report["unit"] for report in data["unit_reports"]] == outcome.units
    assert all(report["figures"] for report in data["unit_reports"])
    with session_of(runtime) as session:
        unfinished = session.scalar(
            select(func.count()).select_from(Job).where(Job.status.in_(("pending", "incident")))
        )
    assert unfinished == 0


def _url_of(runtime: Runtime) -> str:
    """The test database's URL, naming the PostgreSQL schema the test's tables live in."""
    url = runtime.db.url
    if url.get_backend_name() == "postgresql":
        with runtime.db.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _run_in_new_interpreter(runtime: Runtime, script: str, *args: str) -> dict[str, object]:
    """Run `script` in a Python process of its own against the test's database; its JSON answer."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-c", script, _url_of(runtime), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answer: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return answer


# The two halves of the reference case, each run by its own interpreter, as the web process and the
# job worker are in production. The database is the only thing the two share.
_PROLOGUE = """
import json, sys
from engine.clock import ManualClock
from engine.worker import run_due_jobs
from tests.conftest import MARCH_6_2023
from tests.workflows.lifecycle_helpers import officer_of
from tests.workflows.test_fresh_runtime import fresh_transactions
from web.core.composition import Runtime, build_services
from web.core.db import make_engine, make_session_factory
from web.core.settings import Settings
from workflows.directive.rehearsal import Rehearsal
from workflows.directive import scenario

engine = make_engine(sys.argv[1])
settings = Settings.from_env({})
clock = ManualClock(MARCH_6_2023)
runtime = Runtime(settings, engine, make_session_factory(engine), build_services(settings, clock))
"""

_ISSUE = (
    _PROLOGUE
    + """
r = Rehearsal(fresh_transactions(runtime, clock), clock, lambda: None)
scenario.register_and_instruct(r)
scenario.draft_and_approve(r)
units = scenario.issue(r)
print(json.dumps({"case_id": r.case_id, "units": units}))
"""
)

_REPORT = (
    _PROLOGUE
    + """
from tests.workflows.lifecycle_helpers import all_units_report
r = Rehearsal(fresh_transactions(runtime, clock), clock, lambda: run_due_jobs(runtime.sessions, runtime.services))
r.case_id = int(sys.argv[2])
units = json.loads(sys.argv[3])
all_units_report(r, units, officer_of(runtime))
print(json.dumps({"collected": len(r.data().get("unit_reports") or [])}))
"""
)


def test_units_report_in_another_process_than_the_one_that_issued(runtime: Runtime) -> None:
    """Issued by one interpreter, reported and resumed by another: the consolidation step appears."""
    issued = _run_in_new_interpreter(runtime, _ISSUE)
    case_id, units = issued["case_id"], issued["units"]
    assert isinstance(case_id, int) and isinstance(units, list) and len(units) > 20
    reported = _run_in_new_interpreter(runtime, _REPORT, str(case_id), json.dumps(units))
    assert reported["collected"] == len(units)
    with session_of(runtime) as session:
        consolidate = session.scalars(
            select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.spec_name == "consolidate")
        ).all()
        children = session.scalars(
            select(ProcessInstance.status).where(
                ProcessInstance.case_id == case_id, ProcessInstance.parent_id.is_not(None)
            )
        ).all()
    assert [row.state for row in consolidate] == ["ready"]
    assert children and set(children) == {"completed"}
