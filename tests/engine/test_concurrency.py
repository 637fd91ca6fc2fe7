"""Races between users and workers: one wins, the other gets a clear conflict, nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine as SqlEngine

from engine import audit
from engine.errors import ConcurrencyConflict, TaskNotActive
from engine.models import AuditEvent, Job, ProcessInstance, TaskRow
from engine.runtime import Engine
from engine.worker import run_due_jobs
from tests.databases import postgresql_schema, postgresql_url
from web.core.db import unit_of_work

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

Command = Callable[[Engine, int], object]


@pytest.fixture
def pg_env(env_factory: Callable[[SqlEngine], EngineEnv]) -> Iterator[EngineEnv]:
    """The engine on a fresh PostgreSQL schema with approval.bpmn deployed."""
    with postgresql_schema(postgresql_url()) as db:
        env = env_factory(db)
        env.deploy("approval.bpmn", "reminder.bpmn")
        yield env


def _start(env: EngineEnv, data: dict[str, Any]) -> tuple[int, str]:
    with env.transaction() as engine:
        started = engine.start("approval", "an", data)
    return started.instance_id, started.new_tasks[0].id


def _race(env: EngineEnv, task_id: str, command: Command, threads: int = 2) -> list[BaseException | None]:
    """Run `command` in several threads, each in its own unit of work, released together by a barrier."""
    barrier = threading.Barrier(threads)
    outcomes: list[BaseException | None] = [None] * threads

    def attempt(index: int) -> None:
        try:
            with unit_of_work(env.sessions) as session:
                engine = Engine(session, env.services)
                # Both read the open task and its case before either acts (kept referenced, so the
                # session's identity map holds on to what was read, as a request would).
                task = engine.task(task_id)
                read = (task, engine.instance(task.instance_id))
                assert read[0].state == "ready"
                barrier.wait(timeout=30)
                command(engine, index)
        except BaseException as exc:  # noqa: BLE001  (the test inspects whatever each thread met)
            outcomes[index] = exc

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "a racing command hung"
    return outcomes


def _one_winner(outcomes: list[BaseException | None]) -> int:
    winners = [i for i, outcome in enumerate(outcomes) if outcome is None]
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1, outcomes
    assert all(isinstance(loser, ConcurrencyConflict) for loser in losers), [repr(x) for x in losers]
    return winners[0]


USERS = ("an", "binh")


@pytest.mark.postgresql
def test_double_complete_has_one_winner(pg_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """An and Bình submit the same draft at the same moment: one is stored, the other is told of the conflict."""
    instance_id, task_id = _start(pg_env, approval_data)
    version = pg_env.row(ProcessInstance, instance_id).version

    outcomes = _race(pg_env, task_id, lambda engine, i: engine.complete(task_id, USERS[i], {"text": USERS[i]}))

    winner = USERS[_one_winner(outcomes)]
    task = pg_env.row(TaskRow, task_id)
    assert (task.state, task.completed_by) == ("completed", winner)
    completed = pg_env.rows(AuditEvent, AuditEvent.tag == "engine:task:completed")
    assert [(e.actor, e.after["text"]) for e in completed] == [(winner, winner)]
    assert pg_env.row(ProcessInstance, instance_id).version == version + 1
    assert [t.spec_name for t in pg_env.rows(TaskRow, TaskRow.state == "ready")] == ["check"]
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


@pytest.mark.postgresql
def test_completing_the_last_task_while_someone_suspends_is_a_conflict(
    pg_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """The head of division approves while the administrator suspends the case: a clear refusal, nothing stored."""
    pg_env.directory.holders.add(("quantri", "admin", "agency"))
    instance_id, write_id = _start(pg_env, approval_data)
    with pg_env.transaction() as engine:
        (check,) = engine.complete(write_id, "an", {"text": "x"}).new_tasks
    with pytest.raises(ConcurrencyConflict), unit_of_work(pg_env.sessions) as session:
        approver = Engine(session, pg_env.services)
        read = (approver.task(check.id), approver.instance(instance_id))  # the approval form is open
        assert read[0].state == "ready" and read[1].status == "running"
        with pg_env.transaction() as other:
            other.suspend(instance_id, "quantri", "chờ ý kiến")
        approver.complete(check.id, "chi", {"decision": "approve"})
    assert pg_env.row(TaskRow, check.id).state == "ready"
    assert pg_env.row(ProcessInstance, instance_id).status == "suspended"


@pytest.mark.postgresql
def test_double_claim_has_one_winner(pg_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Two colleagues take the same task at once: it ends up with exactly one of them, claimed once."""
    _, task_id = _start(pg_env, approval_data)

    outcomes = _race(pg_env, task_id, lambda engine, i: engine.claim(task_id, USERS[i]))

    winner = USERS[_one_winner(outcomes)]
    assert pg_env.row(TaskRow, task_id).assignee == winner
    claims = pg_env.rows(AuditEvent, AuditEvent.tag == "engine:task:claimed")
    assert [e.actor for e in claims] == [winner]


@pytest.mark.postgresql
def test_audit_chain_holds_under_concurrent_starts(pg_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Forty cases started by four users at once leave each case's chain unbroken and gapless."""
    threads, per_thread = 4, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def start_many() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(per_thread):
                _start(pg_env, approval_data)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    workers = [threading.Thread(target=start_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    events = pg_env.rows(AuditEvent)
    chains: dict[str, list[int]] = {}
    for event in events:  # in id order: the order they were appended in
        chains.setdefault(event.chain, []).append(event.seq)
    assert len(chains) == 1 + threads * per_thread  # the deployments' agency chain and one per case
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in chains.values())
    assert sum(e.tag == "engine:instance:started" for e in events) == threads * per_thread
    assert len(pg_env.rows(TaskRow, TaskRow.state == "ready")) == threads * per_thread
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


@pytest.mark.postgresql
def test_two_workers_fire_each_timer_once(pg_env: EngineEnv) -> None:
    """Two job workers running together send each due reminder exactly once."""
    data = {"unit": "dept", "deadline": "2023-03-10", "remind_at": "2023-03-08T08:00:00+07:00"}
    with pg_env.transaction() as engine:
        for _ in range(6):
            engine.start("reminder", "em", data)
    pg_env.clock.advance(timedelta(days=3))
    barrier = threading.Barrier(2)
    failures: list[object] = []

    def work() -> None:
        barrier.wait(timeout=30)
        failures.extend(run_due_jobs(pg_env.sessions, pg_env.services).failed)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert failures == []
    assert pg_env.sent == ["dept"] * 6
    assert {j.status for j in pg_env.rows(Job)} == {"done"}
    assert len(pg_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")) == 6


def test_second_complete_is_refused_on_any_database(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Submitting a task another colleague already completed is refused and stores nothing."""
    instance_id, task_id = _start(engine_env, approval_data)
    version = engine_env.row(ProcessInstance, instance_id).version
    with engine_env.transaction() as engine:
        engine.complete(task_id, "an", {"text": "an"})
    events = engine_env.audit_count()
    with pytest.raises(TaskNotActive, match="completed by an"), engine_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "binh"})
    assert engine_env.row(TaskRow, task_id).completed_by == "an"
    assert engine_env.audit_count() == events
    assert engine_env.row(ProcessInstance, instance_id).version == version + 1
