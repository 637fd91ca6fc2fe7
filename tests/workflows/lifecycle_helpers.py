"""Helpers of the lifecycle tests: a rehearsal on the test runtime that round-trips state after every step."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import CommandResult, Engine
from engine.worker import WorkerReport, run_due_jobs
from web.core.composition import Runtime, engine_transactions
from web.core.db import unit_of_work
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.queries import case_reference
from workflows.directive.rehearsal import Rehearsal
from workflows.notifications import Notification
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Setting


def assert_roundtrip(runtime: Runtime, case_id: int, verified: dict[int, int] | None = None) -> None:
    """Every stored instance of the case restores through the serializer and dumps back to the same JSON.

    `verified` maps instance ids to the row version last checked; rows not written since are skipped
    (their stored state is the one already checked), so a 30-instance case stays fast.
    """
    services = runtime.services
    with unit_of_work(runtime.sessions) as session:
        rows = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).all()
        assert rows, f"case {case_id} has no instances"
        for row in rows:
            if verified is not None and verified.get(row.id) == row.version:
                continue
            definition = session.get(ProcessDefinition, row.definition_id)
            assert definition is not None
            parsed = services.spec_cache.get(definition)
            restored = services.serializer.load(row.state, parsed.spec, parsed.subprocess_specs)
            again = services.serializer.dump(restored)
            assert json.loads(again) == json.loads(row.state), f"instance {row.id} changed on save/restore"
            assert row.serializer_version == services.serializer.version
            if verified is not None:
                verified[row.id] = row.version


@dataclass
class CheckedRehearsal(Rehearsal):
    """A rehearsal that, after every step, checks that the case's state survives save and restore."""

    runtime: Runtime | None = None
    verified: dict[int, int] = field(default_factory=dict)

    def _check(self) -> None:
        if self.runtime is not None and self.case_id is not None:
            assert_roundtrip(self.runtime, self.case_id, self.verified)

    def start(self, process_key: str, actor: str, data: Mapping[str, Any] | None = None) -> int:
        """Start the case, then check the round trip."""
        case_id = super().start(process_key, actor, data)
        self._check()
        return case_id

    def do(self, actor: str, spec_name: str, data: Mapping[str, Any], *, unit: str | None = None) -> CommandResult:
        """Complete one step, then check the round trip."""
        result = super().do(actor, spec_name, data, unit=unit)
        self._check()
        return result

    def tick(self) -> WorkerReport:
        """Run due jobs, insist none failed, then check the round trip."""
        report: WorkerReport = super().tick()
        assert not report.failed, report.failed
        self._check()
        return report


def rehearsal(runtime: Runtime, clock: ManualClock) -> CheckedRehearsal:
    """A checked rehearsal on the test runtime, each step one committed transaction."""
    services = runtime.services
    assert services.clock is clock, "the runtime must run on the test's clock"
    return CheckedRehearsal(
        engine_transactions(runtime), clock, lambda: run_due_jobs(runtime.sessions, services), runtime=runtime
    )


def officer_of(runtime: Runtime) -> Callable[[str], str]:
    """The first unit officer of each recipient unit, from the org chart."""
    cache: dict[str, str] = {}

    def lookup(unit: str) -> str:
        if unit not in cache:
            with unit_of_work(runtime.sessions) as session:
                holders = OrgDirectory(session).holders("unit_officer", unit)
            assert holders, f"no unit officer for {unit}"
            cache[unit] = holders[0]
        return cache[unit]

    return lookup


@contextmanager
def session_of(runtime: Runtime) -> Iterator[Session]:
    """A committed unit of work for reading (or arranging) rows directly."""
    with unit_of_work(runtime.sessions) as session:
        yield session


def set_setting(runtime: Runtime, key: str, value: Any) -> None:
    """Change an agency-wide setting, as an administrator would."""
    with session_of(runtime) as session:
        row = session.scalar(select(Setting).where(Setting.key == key))
        assert row is not None, f"no setting {key}"
        row.value = value


def notifications(runtime: Runtime, case_id: int) -> list[Notification]:
    """The outbox rows the case queued, oldest first."""
    with session_of(runtime) as session:
        query = select(Notification).where(Notification.reference == case_reference(case_id))
        return list(session.scalars(query.order_by(Notification.id)))


def tasks(runtime: Runtime, case_id: int, spec_name: str, unit: str | None = None) -> list[TaskRow]:
    """Task rows of one step of the case (any state), optionally about one unit, oldest first."""
    with session_of(runtime) as session:
        query = select(TaskRow).where(TaskRow.case_id == case_id, TaskRow.spec_name == spec_name)
        if unit is not None:
            query = query.where(TaskRow.detail == unit)
        return list(session.scalars(query.order_by(TaskRow.created_at, TaskRow.id)))


def instance(runtime: Runtime, instance_id: int) -> ProcessInstance:
    """One instance row as stored now."""
    with session_of(runtime) as session:
        row = session.get(ProcessInstance, instance_id)
        assert row is not None
        return row


def child_of(runtime: Runtime, case_id: int, unit: str) -> ProcessInstance:
    """The unit_execution instance of the case for one recipient unit."""
    with session_of(runtime) as session:
        ids = session.scalars(
            select(TaskRow.instance_id).where(
                TaskRow.case_id == case_id, TaskRow.spec_name == "acknowledge", TaskRow.detail == unit
            )
        ).all()
        assert len(set(ids)) == 1, f"expected one child for {unit}, found {ids}"
        row = session.get(ProcessInstance, ids[0])
        assert row is not None
        return row


def instance_data(runtime: Runtime, instance_id: int) -> dict[str, Any]:
    """An instance's current data (for children as well as the case)."""
    with unit_of_work(runtime.sessions) as session:
        return Engine(session, runtime.services).data(instance_id)


def run_to_issue(r: Rehearsal, *, return_once: bool = False) -> list[str]:
    """Register, instruct, draft, approve, sign and issue the reference directive; the recipient units."""
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r, return_once=return_once)
    return scenario.issue(r)


def all_units_report(r: Rehearsal, units: list[str], officer: Callable[[str], str], *, day: str = "2023-03-15") -> None:
    """Every unit acknowledges and reports on `day`; the specialist accepts each; the case resumes."""
    r.at(f"{day} 09:00")
    for unit in units:
        r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at(f"{day} 10:00")
    for index, unit in enumerate(units):
        r.do(officer(unit), "report", case.unit_report(index, day), unit=unit)
    r.at(f"{day} 15:00")
    for unit in units:
        r.do(scenario.SPECIALIST, "review_report", {"decision": "accept", "comment": ""}, unit=unit)
    r.tick()


#: The late-units scenario of the supervision tests: so many units report on time, so many never acknowledge.
ON_TIME, SILENT = 6, 4


@dataclass
class LateUnits:
    """The reference directive issued to its units, most of which are late by its deadline (24/03/2023)."""

    r: CheckedRehearsal
    case_id: int
    units: list[str]
    on_time: list[str]
    late: list[str]
    silent: list[str]


def issued_with_late_units(runtime: Runtime, clock: ManualClock) -> LateUnits:
    """Issue the directive; all but the last SILENT units acknowledge on 10/3, the first ON_TIME report on 15/3."""
    r = rehearsal(runtime, clock)
    units = run_to_issue(r)
    officer = officer_of(runtime)
    on_time, silent = units[:ON_TIME], units[-SILENT:]
    r.at("2023-03-10 09:00")
    for unit in units:
        if unit not in silent:
            r.do(officer(unit), "acknowledge", {"acknowledge_note": ""}, unit=unit)
    r.at("2023-03-15 10:00")
    for index, unit in enumerate(on_time):
        r.do(officer(unit), "report", case.unit_report(index, "2023-03-15"), unit=unit)
    return LateUnits(r, r.case_id or 0, units, on_time, [u for u in units if u not in on_time], silent)
