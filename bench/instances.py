"""Issue 12: simple instances (start, one user task, end) through the engine API on PostgreSQL.

`python -m bench.instances` deploys a process of one user task and releases two OS processes
together; each starts instances and completes their task, one transaction per command as a request
would. The figure is instances per second of wall time, from the first process's start to the last
one's end. The same run measures, interleaved, a baseline that writes the same rows with the audit
events as plain rows: the bench replaces the appender (`audit.append`, `audit.prepare`) and the
chain a command takes before writing (`audit.take_chain`, and on PostgreSQL in the query that reads
the task), in its own processes only, so the baseline has no hashing and no chain lock, and the
product keeps no switch to turn the chain off. Each mode has a database of its own; the
chained one must verify unbroken afterwards. Each run also counts the SQL statements of one
instance, a figure no other work on the machine moves (`python -m bench.instance_cost` counts its
round trips and CPU instructions too).

Goals: at least 300 instances per second with two processes; the chain costs at most 25 % of the
baseline's time (the chained rate at least 1/1.25 of the baseline's).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import bindparam, create_engine, event, func, insert, null, select, text
from sqlalchemy.orm import Session

from engine import audit, runtime
from engine.clock import ManualClock
from engine.models import AuditEvent, ProcessInstance
from engine.runtime import Engine
from web.core import migrate
from web.core.composition import build_services
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.loader import load_org_chart

from .scale_data import database_url

GOAL_PER_SECOND = 300.0
CHAIN_COST_LIMIT = 0.25
MODES = ("chain", "plain")
START = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)
UNIT, ROLE = "BTLS", "unit_officer"
WARM_UP = 3
SIMPLE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs_bench_simple" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="collab"><bpmn:participant id="p" name="Tiếp nhận" processRef="bench_simple"/>
  </bpmn:collaboration>
  <bpmn:process id="bench_simple" name="Tiếp nhận (thử tải)" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="unit_officer" name="Cán bộ đơn vị">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="acknowledge" name="Tiếp nhận">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="acknowledge"/>
        <spiffworkflow:property name="candidateUnit" value="unit"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="acknowledge"/>
    <bpmn:sequenceFlow id="f2" sourceRef="acknowledge" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def database(mode: str) -> str:
    """The database a mode runs in: the baseline's plain rows would not verify as a chain."""
    return f"bench_instances_{mode}"


def prepare(mode: str) -> None:
    """A fresh database with the organisation and the one-task process deployed."""
    admin = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database(mode)}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database(mode)}"'))
    admin.dispose()
    db = make_engine(database_url(database(mode)))
    try:
        migrate.upgrade(db)
        settings = Settings.from_env({}, instance_path=Path())
        with unit_of_work(make_session_factory(db)) as session:
            load_org_chart(session, settings.org_chart_file)
            Engine(session, build_services(settings, ManualClock(START))).deploy(
                SIMPLE_BPMN.encode(), "bench_simple.bpmn", "quantri"
            )
    finally:
        db.dispose()


class PlainAppender:
    """The baseline's audit: the same event rows, numbered in memory, with no hash and no chain lock.

    Each case's events are all written by one process, so a counter per chain in that process
    keeps (chain, seq) unique without reading the head.
    """

    def __init__(self) -> None:
        self.last_seq: dict[str, int] = {}

    def __call__(self, session: Session, tag: str, *, actor: str, at: datetime, **fields: Any) -> AuditEvent:
        # Written at once, straight to the table, as the product's appender does.
        row = self._row(tag, actor, at, fields)
        session.connection().execute(_EVENT_INSERT, row)
        return AuditEvent(**row)

    def prepare(self, session: Session, tag: str, *, actor: str, at: datetime, **fields: Any) -> Any:
        """The baseline's `audit.prepare`: the row, for the engine to send along with another statement."""
        return _EVENT_ALONG, {f"event_{name}": value for name, value in self._row(tag, actor, at, fields).items()}

    def _row(self, tag: str, actor: str, at: datetime, fields: dict[str, Any]) -> dict[str, Any]:
        chain = audit.chain_of(fields.get("case_id"))
        seq = self.last_seq[chain] = self.last_seq.get(chain, 0) + 1
        columns = dict.fromkeys(("case_id", "instance_id", "task_id", "before", "after", "comment"))
        unsealed = {"prev_hash": "", "hash": "", "key_id": ""}
        return {"chain": chain, "seq": seq, "tag": tag, "actor": actor, "at": at} | columns | fields | unsealed


_EVENT_COLUMNS = [column.key for column in AuditEvent.__table__.c if column.key != "id"]
_EVENT_INSERT = insert(AuditEvent)
_EVENT_ALONG = insert(AuditEvent).values({name: bindparam(f"event_{name}") for name in _EVENT_COLUMNS})
# The task query of the engine on PostgreSQL (engine/runtime.py), without the chain's lock and head.
_TASK_WITHOUT_CHAIN = runtime._TASK_AND_INSTANCE.add_columns(null(), null())


def _no_chain(session: Session, case_id: int) -> None:
    """The baseline's `audit.take_chain`: with no chain there is no lock to take nor head to read."""


def _no_chain_taken(session: Session, case_id: int, seq: int | None, prev_hash: str | None) -> None:
    """The baseline's `audit.chain_taken`: nothing was taken."""


def _one_instance(sessions: Any, services: Any, officer: str) -> None:
    with unit_of_work(sessions) as session:
        started = Engine(session, services).start("bench_simple", "vanthu", {"unit": UNIT})
        (task,) = started.new_tasks
        task_id = task.id
    with unit_of_work(sessions) as session:
        Engine(session, services).complete(task_id, officer, {"acknowledge_note": ""})


def _work(mode: str, count: int, barrier: Barrier, results: Any) -> None:
    """One process: warm up, wait for the others, start and complete `count` instances; report when."""
    if mode == "plain":
        # This bench process only: events as plain rows, and no chain for a command to take first.
        audit.append = appender = PlainAppender()
        audit.prepare = appender.prepare
        audit.take_chain, audit.chain_taken = _no_chain, _no_chain_taken
        runtime._TASK_INSTANCE_AND_HEAD = _TASK_WITHOUT_CHAIN  # the task read without taking the chain
    db = make_engine(database_url(database(mode)))
    services = build_services(Settings.from_env({}, instance_path=Path()), ManualClock(START))
    sessions = make_session_factory(db)
    with sessions() as session:
        officer = OrgDirectory(session).holders(ROLE, UNIT)[0]
    for _ in range(WARM_UP):  # the spec parsed and the connection open, as in a running server
        _one_instance(sessions, services, officer)
    statements = _statements_of_one(db, sessions, services, officer)
    barrier.wait(timeout=120)
    started, cpu = time.monotonic(), time.process_time()
    for _ in range(count):
        _one_instance(sessions, services, officer)
    results.put((started, time.monotonic(), time.process_time() - cpu, statements))
    db.dispose()


def _statements_of_one(db: SqlEngine, sessions: Any, services: Any, officer: str) -> int:
    """The SQL statements one instance sends (the pool's ping, BEGIN and COMMIT not counted): steady on any machine."""
    sent = [0]

    def count(*_args: Any) -> None:
        sent[0] += 1

    event.listen(db, "before_cursor_execute", count)
    try:
        _one_instance(sessions, services, officer)
    finally:
        event.remove(db, "before_cursor_execute", count)
    return sent[0]


@dataclass(frozen=True)
class Run:
    """One release of the processes in one mode: instances done, the wall time and the processes' CPU time."""

    mode: str
    instances: int
    seconds: float
    cpu_seconds: float
    statements: int

    @property
    def per_second(self) -> float:
        """Instances started and completed per second of wall time."""
        return self.instances / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The processes' own CPU time per instance (the database server's is not counted): steadier than
        the rate on a machine shared with other work."""
        return self.cpu_seconds * 1000 / self.instances


def race(mode: str, processes: int, count: int) -> Run:
    """Release `processes` processes together, each starting and completing `count` instances."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [context.Process(target=_work, args=(mode, count, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=900) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        if worker.exitcode != 0:
            raise RuntimeError(f"a {mode} process failed (exit code {worker.exitcode})")
    seconds = max(report[1] for report in reports) - min(report[0] for report in reports)
    return Run(mode, processes * count, seconds, sum(report[2] for report in reports), reports[0][3])


def check(mode: str) -> str:
    """Every instance completed and, for the chain, the trail verified unbroken."""
    db = make_engine(database_url(database(mode)))
    try:
        with make_session_factory(db)() as session:
            open_instances = session.scalar(
                select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status != "completed")
            )
            total = session.scalar(select(func.count()).select_from(ProcessInstance))
            breaks = audit.verify(session) if mode == "chain" else []
    finally:
        db.dispose()
    unbroken = "trail unbroken" if not breaks else f"TRAIL BROKEN ({len(breaks)}: {breaks[0]})"
    return f"{mode}: {total} instances, {open_instances} not completed" + (f", {unbroken}" if mode == "chain" else "")


def main() -> None:
    """Prepare both databases, race the modes in turn, print rates, the chain's cost and the goals."""
    parser = argparse.ArgumentParser(prog="python -m bench.instances")
    parser.add_argument("--instances", type=int, default=300, help="instances per process and run")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="runs of each mode, interleaved")
    args = parser.parse_args()
    for mode in MODES:
        prepare(mode)
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
    for run in range(1, args.runs + 1):
        # Alternate which mode goes first, so that a noisy moment on the shared machine hits both alike.
        for mode in MODES if run % 2 else MODES[::-1]:
            result = race(mode, args.processes, args.instances)
            rates[mode].append(result.per_second)
            cpu[mode].append(result.cpu_ms)
            print(
                f"run {run} {mode:5}: {result.instances} instances started and completed by {args.processes} "
                f"processes in {result.seconds:.2f} s: {result.per_second:.0f}/s; CPU {result.cpu_ms:.1f} ms each, "
                f"{result.statements} SQL statements each"
            )
    for mode in MODES:
        print(check(mode))
    chain, plain = statistics.median(rates["chain"]), statistics.median(rates["plain"])
    cost = plain / chain - 1
    print(
        f"goal: ≥ {GOAL_PER_SECOND:.0f} instances/s with {args.processes} processes: median {chain:.0f}/s with the "
        f"chain (best {max(rates['chain']):.0f}/s): {'OK' if chain >= GOAL_PER_SECOND else 'MISSED'}"
    )
    print(
        f"baseline without the chain: median {plain:.0f}/s (best {max(rates['plain']):.0f}/s); the chain costs "
        f"{cost:.0%} of the baseline's time (≤ {CHAIN_COST_LIMIT:.0%}): "
        f"{'OK' if cost <= CHAIN_COST_LIMIT else 'MISSED'}"
    )
    chain_cpu, plain_cpu = statistics.median(cpu["chain"]), statistics.median(cpu["plain"])
    print(
        f"the processes' CPU per instance (median): {chain_cpu:.1f} ms with the chain, {plain_cpu:.1f} ms without: "
        f"the chain costs {chain_cpu / plain_cpu - 1:.0%} of it"
    )


if __name__ == "__main__":
    main()
