"""`directive-flow demo`: the reference case through every step, in a database of its own.

The demo plays in a temporary SQLite database, thrown away afterwards, unless a database is named;
it never adds to the users' data. `directive-flow samples` fills the loaded organisation instead.
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from engine import audit
from engine.clock import ManualClock
from engine.definitions import call_order
from engine.models import ProcessInstance, TaskRow
from engine.runtime import Engine
from engine.worker import run_due_jobs
from web.core import migrate
from web.core.composition import Runtime, build_runtime, engine_transactions
from web.core.db import unit_of_work
from web.core.settings import Settings
from workflows.calendar import WorkingCalendar
from workflows.directive.queries import arrival_of, issued_by
from workflows.directive.rehearsal import LOCAL, Rehearsal
from workflows.directive.samples import cast_of, create_samples
from workflows.directive.scenario import Outcome, run_reference_case
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.loader import DEFAULT_CHART, load_org_chart

#: Who deploys the processes into the demo's own database.
DEMO_DEPLOYER = "demo"


@dataclass
class DemoResult:
    """The outcome of one rehearsal and how long it took."""

    outcome: Outcome
    status: str
    seconds: float


def _officers(runtime: Runtime) -> Callable[[str], str]:
    """The officer who acts for a unit; it does not change during a rehearsal, so ask once per unit."""

    @functools.cache
    def officer_of(unit: str) -> str:
        with unit_of_work(runtime.sessions) as session:
            holders = OrgDirectory(session).holders("unit_officer", unit)
        if not holders:
            raise LookupError(f"no unit officer for {unit}")
        return holders[0]

    return officer_of


def _rehearsal(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    """A rehearsal on `clock`: each step its own unit of work, jobs run by the real worker."""
    services = replace(runtime.services, clock=clock)
    return Rehearsal(engine_transactions(runtime, services), clock, lambda: run_due_jobs(runtime.sessions, services))


@contextmanager
def demo_runtime(settings: Settings, database_url: str | None = None) -> Iterator[Runtime]:
    """A runtime on the demo's own database: a temporary one, removed afterwards, unless one is named."""
    if database_url:
        runtime = build_runtime(replace(settings, database_url=database_url))
        try:
            yield runtime
        finally:
            runtime.db.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="directive-flow-demo-") as folder:
        instance = Path(folder)
        runtime = build_runtime(
            replace(settings, database_url=f"sqlite:///{instance / 'demo.sqlite'}", instance_path=instance)
        )
        try:
            yield runtime
        finally:
            runtime.db.dispose()


def prepare_demo(runtime: Runtime) -> None:
    """The schema, the reference organisation (the case is its letter) and the processes."""
    migrate.upgrade(runtime.db)
    with unit_of_work(runtime.sessions) as session:
        load_org_chart(session, DEFAULT_CHART)
        engine = Engine(session, runtime.services)
        for bpmn in call_order(runtime.settings.bpmn_dir.glob("*.bpmn")):
            engine.deploy(bpmn.read_bytes(), bpmn.name, DEMO_DEPLOYER)


def rehearse(runtime: Runtime) -> DemoResult:
    """Run the reference case on a manual clock starting in March 2023."""
    rehearsal = _rehearsal(runtime, ManualClock(datetime(2023, 3, 6, 1, 0, tzinfo=UTC)))
    started = time.perf_counter()
    outcome = run_reference_case(rehearsal, _officers(runtime))
    seconds = time.perf_counter() - started
    with unit_of_work(runtime.sessions) as session:
        case = session.get(ProcessInstance, outcome.case_id)
        status = case.status if case else "missing"
    return DemoResult(outcome, status, seconds)


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def trail_lines(runtime: Runtime, case_id: int) -> Iterator[str]:
    """The case's trail (step, actor, time, decision) and the numbers it was given."""
    with unit_of_work(runtime.sessions) as session:
        rows = session.execute(select(TaskRow.id, TaskRow.detail).where(TaskRow.case_id == case_id))
        units = {row.id: row.detail for row in rows}
        yield f"{'Thời gian':<17} {'Người thực hiện':<22} {'Bước':<44} Quyết định / ghi chú"
        for event in audit.trail(session, case_id):
            if event.tag == "engine:task:completed":
                after = event.after or {}
                step = after.get("title", "")
                unit = units.get(event.task_id or "")
                if unit:
                    step = f"{step} [{unit}]"
                note = " — ".join(x for x in (after.get("decision"), event.comment) if x)
                yield f"{_local(event.at):<17} {event.actor:<22} {step[:44]:<44} {note}"
            elif event.tag == "engine:timer:fired":
                timer = f"Hẹn giờ: {(event.after or {}).get('timer')}"
                yield f"{_local(event.at):<17} {'(hệ thống)':<22} {timer:<44}"
            elif event.tag == "engine:instance:completed" and event.instance_id == case_id:
                yield f"{_local(event.at):<17} {'(hệ thống)':<22} Hoàn thành hồ sơ"
        arrival = arrival_of(session, case_id)
        if arrival is not None:
            yield (
                f"Số đến: {arrival.arrival_number} ngày {arrival.arrival_date:%d/%m/%Y} "
                f"({arrival.number_code}); trả lời: {arrival.reply_notation or '—'}"
            )
        for doc in issued_by(session, case_id):
            yield f"Văn bản đi: {doc.notation} ngày {doc.issued_date:%d/%m/%Y} ({doc.document_type}): {doc.subject}"


def create_sample_cases(runtime: Runtime) -> int:
    """Sample cases at every stage of the loaded organisation, dated around today.

    Raises ``SamplesRefused`` with the reason, before anything is stored, when the organisation
    lacks someone a stage needs (see workflows.directive.samples).
    """
    now = runtime.services.clock.now().astimezone(LOCAL)
    calendar = WorkingCalendar()
    # Steps are timed during office hours; before they start, "today" is the last working day.
    today = now.date() if now.hour >= 17 else calendar.previous_working_day(now.date())
    with unit_of_work(runtime.sessions) as session:
        cast = cast_of(session, today)
    clock = ManualClock(now)
    return create_samples(lambda: _rehearsal(runtime, clock), cast, today)


def has_cases(runtime: Runtime) -> bool:
    """Whether the database holds any case yet."""
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(ProcessInstance.id).limit(1)) is not None
