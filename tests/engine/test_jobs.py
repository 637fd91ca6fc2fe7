"""Timers as jobs: due at their moment, fired once by the worker, retried with back-off, then incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from engine import audit
from engine.models import AuditEvent, Job, ProcessInstance, TaskRow
from engine.worker import run_due_jobs
from web.core.db import unit_of_work

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

REMIND_AT = datetime(2023, 3, 8, 1, 0, tzinfo=UTC)  # 08:00 on 8 March in Hà Nội
DATA = {"unit": "dept", "deadline": "2023-03-10", "remind_at": "2023-03-08T08:00:00+07:00"}


@pytest.fixture
def reminder(bare_env: EngineEnv) -> tuple[int, str]:
    """A started `reminder` case: its report task and its non-interrupting reminder timer."""
    bare_env.deploy("reminder.bpmn")
    with bare_env.transaction() as engine:
        started = engine.start("reminder", "em", dict(DATA))
    return started.instance_id, started.new_tasks[0].id


def _job(env: EngineEnv, instance_id: int) -> Job:
    (job,) = env.rows(Job, Job.instance_id == instance_id)
    return job


def _run(env: EngineEnv) -> tuple[list[int], list[tuple[int, str]]]:
    report = run_due_jobs(env.sessions, env.services)
    return report.done, report.failed


def test_future_timer_is_a_pending_job_due_at_its_moment(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """The reminder is queued for 8 March 08:00, not fired at start."""
    job = _job(bare_env, reminder[0])
    assert (job.kind, job.status, job.attempts, job.due_at) == ("timer", "pending", 0, REMIND_AT)


def test_worker_fires_the_timer_once_at_its_moment(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """Nothing happens before 08:00; at 08:00 the reminder goes out once and the report task stays open."""
    instance_id, task_id = reminder
    job = _job(bare_env, instance_id)
    assert _run(bare_env) == ([], [])
    bare_env.clock.set(REMIND_AT - timedelta(seconds=1))
    assert _run(bare_env) == ([], [])
    assert bare_env.sent == []

    bare_env.clock.set(REMIND_AT)
    assert _run(bare_env) == ([job.id], [])
    assert bare_env.sent == ["dept"]
    (fired,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")
    assert (fired.actor, fired.instance_id, fired.task_id) == ("system", instance_id, job.target)
    assert fired.after["timer"] == "remind"
    assert bare_env.row(Job, job.id).status == "done"
    assert bare_env.row(TaskRow, task_id).state == "ready"
    assert bare_env.row(ProcessInstance, instance_id).status == "running"
    # What the reminder branch computed stays on that branch: the case's data is the open report's.
    with bare_env.transaction() as engine:
        assert "reminder_sent" not in engine.data(instance_id)

    bare_env.clock.advance(timedelta(days=1))
    assert _run(bare_env) == ([], [])
    assert bare_env.sent == ["dept"]


def test_completing_the_task_first_cancels_the_timer(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """A report handed in on time means no reminder is ever sent."""
    instance_id, task_id = reminder
    with bare_env.transaction() as engine:
        assert engine.complete(task_id, "em", {"report": "Đã triển khai"}).status == "completed"
    assert _job(bare_env, instance_id).status == "cancelled"
    bare_env.clock.set(REMIND_AT + timedelta(hours=1))
    assert _run(bare_env) == ([], [])
    assert bare_env.sent == []


def test_failing_job_backs_off_then_becomes_an_incident(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """While the mail server is down the reminder is retried later and later, then shown as an incident."""
    instance_id, task_id = reminder
    job_id = _job(bare_env, instance_id).id
    bare_env.outage = "máy chủ thư không trả lời"
    bare_env.clock.set(REMIND_AT)
    waits = []
    for attempt in (1, 2):
        done, failed = _run(bare_env)
        assert done == [] and [j for j, _ in failed] == [job_id]
        job = bare_env.row(Job, job_id)
        assert (job.status, job.attempts) == ("pending", attempt)
        assert "máy chủ thư không trả lời" in (job.last_error or "")
        waits.append(job.due_at - bare_env.clock.now())
        assert _run(bare_env) == ([], [])  # not taken again before its new due time
        bare_env.clock.set(job.due_at)
    assert waits[0] > timedelta(0) and waits[1] > waits[0]
    assert bare_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired") == []  # failed runs left nothing

    _, failed = _run(bare_env)
    job = bare_env.row(Job, job_id)
    assert (job.status, job.attempts) == ("incident", bare_env.services.max_job_attempts)
    (incident,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:job:incident")
    assert incident.instance_id == instance_id and "máy chủ thư không trả lời" in (incident.comment or "")
    bare_env.clock.advance(timedelta(days=1))
    assert _run(bare_env) == ([], [])  # an incident waits for a human
    assert bare_env.sent == [] and bare_env.row(TaskRow, task_id).state == "ready"


def test_retried_incident_runs_again(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """After the operator fixes the cause and retries, the reminder goes out."""
    job_id = _job(bare_env, reminder[0]).id
    bare_env.outage = "hỏng"
    bare_env.clock.set(REMIND_AT)
    while bare_env.row(Job, job_id).status != "incident":
        _run(bare_env)
        bare_env.clock.advance(timedelta(hours=1))
    bare_env.outage = None
    with bare_env.transaction() as engine:
        engine.retry_incident(job_id, "quantri")
    job = bare_env.row(Job, job_id)
    assert (job.status, job.attempts, job.due_at) == ("pending", 0, bare_env.clock.now())
    (retried,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:job:retried")
    assert retried.actor == "quantri"
    assert _run(bare_env) == ([job_id], [])
    assert bare_env.sent == ["dept"]


def test_suspended_instance_jobs_wait(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """No reminder fires for a case the administrator suspended; it fires once the case is resumed."""
    bare_env.directory.holders.add(("quantri", "admin", "agency"))
    instance_id, _ = reminder
    job_id = _job(bare_env, instance_id).id
    with bare_env.transaction() as engine:
        engine.suspend(instance_id, "quantri", "tạm dừng")
    bare_env.clock.set(REMIND_AT + timedelta(hours=2))
    assert _run(bare_env) == ([], [])
    assert bare_env.row(Job, job_id).status == "pending"
    with bare_env.transaction() as engine:
        engine.resume(instance_id, "quantri")
    assert _run(bare_env) == ([job_id], [])
    assert bare_env.sent == ["dept"]


def test_one_broken_job_of_a_batch_fails_alone(bare_env: EngineEnv, reminder: tuple[int, str]) -> None:
    """Due jobs run a batch per transaction; one that fails is recorded alone while the others fire, each once."""
    with bare_env.transaction() as engine:
        others = [engine.start("reminder", "em", dict(DATA)).instance_id for _ in range(3)]
    broken = others[1]
    with unit_of_work(bare_env.sessions) as session:
        session.get_one(ProcessInstance, broken).state = "{"  # its stored state no longer loads
    jobs = {instance_id: _job(bare_env, instance_id).id for instance_id in [reminder[0], *others]}
    bare_env.clock.set(REMIND_AT)

    done, failed = _run(bare_env)

    assert sorted(done) == sorted(job_id for instance_id, job_id in jobs.items() if instance_id != broken)
    assert [job_id for job_id, _ in failed] == [jobs[broken]]
    job = bare_env.row(Job, jobs[broken])
    assert (job.status, job.attempts) == ("pending", 1) and "JSONDecodeError" in (job.last_error or "")
    fired = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")
    assert sorted(event.instance_id for event in fired) == sorted(i for i in jobs if i != broken)
    assert {bare_env.row(Job, jobs[i]).status for i in jobs if i != broken} == {"done"}
    with bare_env.sessions() as session:
        assert audit.verify(session) == []


def test_a_job_whose_timer_an_earlier_job_of_the_batch_fired_is_not_run(bare_env: EngineEnv) -> None:
    """A report's escalation and reminder fall due together: the first job fires both, the second is cancelled unrun."""
    bare_env.deploy("escalation.bpmn")
    escalate_at = REMIND_AT - timedelta(minutes=1)
    with bare_env.transaction() as engine:
        started = engine.start("escalation", "em", {**DATA, "escalate_at": escalate_at.isoformat()})
    instance_id, report_id = started.instance_id, started.new_tasks[0].id
    jobs = {job.due_at: job.id for job in bare_env.rows(Job, Job.instance_id == instance_id)}
    assert sorted(jobs) == [escalate_at, REMIND_AT]
    bare_env.clock.set(REMIND_AT)

    assert _run(bare_env) == ([jobs[escalate_at]], [])

    assert bare_env.row(Job, jobs[escalate_at]).status == "done"
    assert bare_env.row(Job, jobs[REMIND_AT]).status == "cancelled"
    assert bare_env.sent == ["dept"]  # the reminder went out once
    (fired,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")
    assert fired.after["timer"] == "escalate"
    rows = {row.spec_name: row.state for row in bare_env.rows(TaskRow, TaskRow.instance_id == instance_id)}
    assert (
        rows == {"report": "cancelled", "late_report": "ready"}
        and bare_env.row(TaskRow, report_id).state == "cancelled"
    )
    bare_env.clock.advance(timedelta(days=1))
    assert _run(bare_env) == ([], [])
