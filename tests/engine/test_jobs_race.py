"""Job workers in separate processes race over the same due timers: each timer fires exactly once.

Two real OS processes (as two `directive-flow worker` on two hosts would be) each run
`run_due_jobs` against the same PostgreSQL schema, released together over a thousand due reminders
of real process instances; every reminder is sent once, every job is done once, the trail has one
`engine:timer:fired` per timer and stays unbroken.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import text

from engine import audit
from engine.models import AuditEvent, Job, TaskRow
from engine.worker import run_due_jobs
from tests.databases import postgresql_schema, postgresql_url
from tests.engine.conftest import EngineEnv
from web.core.db import make_engine, make_session_factory

TIMERS = 1000
WORKERS = 2
REMINDER = {"unit": "dept", "deadline": "2023-03-10", "remind_at": "2023-03-08T08:00:00+07:00"}


@pytest.fixture
def pg_env(env_factory: Callable[[SqlEngine], EngineEnv]) -> Iterator[tuple[EngineEnv, str]]:
    """The engine on a fresh PostgreSQL schema with reminder.bpmn deployed, and the schema's name."""
    with postgresql_schema(postgresql_url()) as db:
        env = env_factory(db)
        env.deploy("reminder.bpmn")
        with db.connect() as connection:
            schema = str(connection.scalar(text("SELECT current_schema()")))
        yield env, schema


def work(url: str, schema: str, days: int, barrier: Barrier, results: Any) -> None:
    """One worker process: its own connections and engine, released with the others, then every due job."""
    db = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    env = EngineEnv(make_session_factory(db))
    env.clock.advance(timedelta(days=days))
    try:
        barrier.wait(timeout=120)
        report = run_due_jobs(env.sessions, env.services)
        results.put((report.done, [error for _, error in report.failed], len(env.sent)))
    finally:
        db.dispose()


@pytest.mark.postgresql
def test_two_worker_processes_fire_each_of_a_thousand_timers_once(pg_env: tuple[EngineEnv, str]) -> None:
    """A thousand reminders fall due; two worker processes take them at once: each is sent exactly once."""
    env, schema = pg_env
    with env.transaction() as engine:
        instances = [engine.start("reminder", "em", REMINDER).instance_id for _ in range(TIMERS)]
    assert len(env.rows(Job, Job.status == "pending")) == TIMERS

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    url = postgresql_url()
    processes = [context.Process(target=work, args=(url, schema, 3, barrier, results)) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    done = [job_id for job_ids, _, _ in reports for job_id in job_ids]
    assert [errors for _, errors, _ in reports] == [[]] * WORKERS
    assert all(job_ids for job_ids, _, _ in reports), "one worker took every job: the race was not run"
    assert sorted(done) == sorted(job.id for job in env.rows(Job))  # every job run, none twice
    assert sum(sent for _, _, sent in reports) == TIMERS  # one reminder per instance
    assert {job.status for job in env.rows(Job)} == {"done"}
    fired = env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")
    assert Counter(event.instance_id for event in fired) == Counter(instances)
    assert {(e.instance_id, e.task_id) for e in fired} == {(j.instance_id, j.target) for j in env.rows(Job)}
    # The reminders went out beside the reports, which are still waiting for the units.
    assert len(env.rows(TaskRow, TaskRow.state == "ready", TaskRow.spec_name == "report")) == TIMERS
    with env.sessions() as session:
        assert audit.verify(session) == []
