"""`python -m bench.timers`: two job workers on PostgreSQL fire due timers, each exactly once (issue 11).

A fresh PostgreSQL database (`bench_timers`, made anew each run) with the demo organisation and a
tiny process — a unit's report with a reminder timer on it — started `--timers` times through the
engine, every reminder due. Two worker processes (real OS processes, as two `directive-flow worker`
would be) are released together and run `engine.worker.run_due_jobs` until nothing is due. The
figure is timers fired per second of wall time, from the first worker's start to the last one's
end; then every job must be done and every timer's `engine:timer:fired` event must exist once.

Goal: at least 500 timers per second with two workers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from engine.clock import ManualClock
from engine.models import AuditEvent, Job
from engine.runtime import Engine
from engine.worker import run_due_jobs
from web.core import migrate
from web.core.composition import build_services
from web.core.db import make_engine, make_session_factory, unit_of_work
from web.core.settings import Settings
from workflows.orgchart.loader import load_org_chart

from .scale_data import database_url

GOAL_PER_SECOND = 500.0
DATABASE = "bench_timers"
START = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)
UNIT = "BTLS"
# A unit officer's report with a non-interrupting reminder on it: firing the reminder ends its branch.
TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs_bench_timer" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="collab"><bpmn:participant id="p" name="Nhắc hạn" processRef="bench_timer"/>
  </bpmn:collaboration>
  <bpmn:process id="bench_timer" name="Nhắc hạn (thử tải)" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="unit_officer" name="Cán bộ đơn vị">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>report</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef><bpmn:flowNodeRef>remind</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>reminded</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="report" name="Triển khai và báo cáo">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="report"/>
        <spiffworkflow:property name="candidateUnit" value="unit"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="remind" name="Nhắc hạn" cancelActivity="false" attachedToRef="report">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">remind_at</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="reminded"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report"/>
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="reminded"/>
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass(frozen=True)
class Race:
    """What the workers did: jobs each ran, failures, and the wall time from first start to last end."""

    done: list[int]
    failed: int
    seconds: float
    fired_once: int
    fired_events: int
    jobs_done: int
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        """Timers fired per second of wall time."""
        return sum(self.done) / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The workers' own CPU time per timer (the database server's is not counted): steadier than the
        rate on a machine shared with other work."""
        return self.cpu_seconds * 1000 / max(sum(self.done), 1)


def prepare(timers: int, batch: int = 200) -> None:
    """A fresh database with the organisation, the timer process and `timers` instances waiting on it."""
    admin = create_engine(database_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    db = make_engine(database_url(DATABASE))
    try:
        migrate.upgrade(db)
        settings = Settings.from_env({}, instance_path=Path())
        services = build_services(settings, ManualClock(START))
        sessions = make_session_factory(db)
        with unit_of_work(sessions) as session:
            load_org_chart(session, settings.org_chart_file)
            Engine(session, services).deploy(TIMER_BPMN.encode(), "bench_timer.bpmn", "quantri")
        data = {"unit": UNIT, "remind_at": (START + timedelta(days=1)).isoformat()}
        for first in range(0, timers, batch):
            with unit_of_work(sessions) as session:
                engine = Engine(session, services)
                for _ in range(min(batch, timers - first)):
                    engine.start("bench_timer", "vanthu", data)
    finally:
        db.dispose()


def _work(url: str, now: str, barrier: Barrier, results: Any) -> None:
    """One worker process: wait for the other, then run every due job; report what it did and when."""
    db = make_engine(url)
    settings = Settings.from_env({}, instance_path=Path())
    services = build_services(settings, ManualClock(datetime.fromisoformat(now)))
    sessions = make_session_factory(db)
    with sessions() as session:
        session.execute(text("SELECT 1"))  # connected before the start, as a running worker would be
    barrier.wait(timeout=60)
    started, cpu = time.monotonic(), time.process_time()
    report = run_due_jobs(sessions, services)
    results.put((len(report.done), len(report.failed), started, time.monotonic(), time.process_time() - cpu))
    db.dispose()


def race(workers: int = 2) -> Race:
    """Release `workers` worker processes together over the due timers; check each fired once."""
    url = database_url(DATABASE)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    now = (START + timedelta(days=2)).isoformat()
    processes = [context.Process(target=_work, args=(url, now, barrier, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    db = make_engine(url)
    try:
        with db.connect() as connection:
            fired = select(AuditEvent.instance_id, AuditEvent.task_id, func.count().label("n")).where(
                AuditEvent.tag == "engine:timer:fired"
            )
            counts = [n for _, _, n in connection.execute(fired.group_by(AuditEvent.instance_id, AuditEvent.task_id))]
            jobs_done = connection.scalar(select(func.count()).select_from(Job).where(Job.status == "done")) or 0
    finally:
        db.dispose()
    return Race(
        done=[done for done, *_ in reports],
        failed=sum(failed for _, failed, *_ in reports),
        seconds=max(end for _, _, _, end, _ in reports) - min(start for _, _, start, _, _ in reports),
        fired_once=sum(n == 1 for n in counts),
        fired_events=sum(counts),
        jobs_done=int(jobs_done),
        cpu_seconds=sum(cpu for *_, cpu in reports),
    )


def main() -> None:
    """Prepare, race, print the rate against the goal and whether each timer fired exactly once."""
    parser = argparse.ArgumentParser(prog="python -m bench.timers")
    parser.add_argument("--timers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates = []
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        prepare(args.timers)
        prepared = time.perf_counter() - started
        result = race(args.workers)
        once = result.fired_once == result.fired_events == result.jobs_done == args.timers and not result.failed
        rates.append(result.per_second)
        print(
            f"run {run}: {args.timers} due timers ({prepared:.1f} s to start them) fired by {args.workers} workers "
            f"in {result.seconds:.2f} s: {result.per_second:.0f}/s; workers' CPU {result.cpu_ms:.1f} ms per timer; "
            f"per worker {result.done}; failed "
            f"{result.failed}; each exactly once: {'yes' if once else 'NO'} ({result.fired_once} fired once, "
            f"{result.fired_events} fired events, {result.jobs_done} jobs done)"
        )
    best, median = max(rates), sorted(rates)[len(rates) // 2]
    print(
        f"goal: ≥ {GOAL_PER_SECOND:.0f} timers/s with {args.workers} workers: median {median:.0f}/s, best {best:.0f}/s "
        f"({median / GOAL_PER_SECOND:.2f}× the goal): {'OK' if median >= GOAL_PER_SECOND else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
