"""Retrying incidents: only a job that became an incident goes back to the queue, and only once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from engine.errors import EngineError, ReadOnlyActor
from engine.models import AuditEvent, Job
from engine.worker import run_due_jobs

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

REMIND_AT = datetime(2023, 3, 8, 1, 0, tzinfo=UTC)
DATA = {"unit": "dept", "deadline": "2023-03-10", "remind_at": "2023-03-08T08:00:00+07:00"}


def _reminder_job(env: EngineEnv) -> int:
    env.deploy("reminder.bpmn")
    with env.transaction() as engine:
        instance_id = engine.start("reminder", "em", dict(DATA)).instance_id
    (job,) = env.rows(Job, Job.instance_id == instance_id)
    return job.id


def _retry(env: EngineEnv, job_id: int, actor: str = "quantri") -> None:
    with env.transaction() as engine:
        engine.retry_incident(job_id, actor)


def test_only_an_incident_can_be_retried(bare_env: EngineEnv) -> None:
    """Retrying a job still waiting, one already done, or one that does not exist is refused and records nothing."""
    job_id = _reminder_job(bare_env)
    trail = bare_env.audit_count()
    with pytest.raises(EngineError, match=f"job {job_id} is not an incident"):
        _retry(bare_env, job_id)
    assert bare_env.audit_count() == trail
    bare_env.clock.set(REMIND_AT)
    assert run_due_jobs(bare_env.sessions, bare_env.services).done == [job_id]
    trail = bare_env.audit_count()
    with pytest.raises(EngineError, match="is not an incident"):
        _retry(bare_env, job_id)
    with pytest.raises(EngineError, match="job 999 is not an incident"):
        _retry(bare_env, 999)
    assert bare_env.row(Job, job_id).status == "done"
    assert bare_env.audit_count() == trail
    assert bare_env.sent == ["dept"]


def test_an_incident_retried_twice_runs_once(bare_env: EngineEnv) -> None:
    """Two operators press Retry on the same incident: the first puts it back, the second is refused; it fires once."""
    job_id = _reminder_job(bare_env)
    bare_env.outage = "máy chủ thư không trả lời"
    bare_env.clock.set(REMIND_AT)
    for _ in range(bare_env.services.max_job_attempts):
        run_due_jobs(bare_env.sessions, bare_env.services)
        bare_env.clock.advance(timedelta(hours=1))
    assert bare_env.row(Job, job_id).status == "incident"
    bare_env.outage = None
    _retry(bare_env, job_id)
    with pytest.raises(EngineError, match="is not an incident"):
        _retry(bare_env, job_id)
    assert [e.actor for e in bare_env.rows(AuditEvent, AuditEvent.tag == "engine:job:retried")] == ["quantri"]
    assert run_due_jobs(bare_env.sessions, bare_env.services).done == [job_id]
    assert run_due_jobs(bare_env.sessions, bare_env.services).done == []
    assert bare_env.sent == ["dept"]
    assert len(bare_env.rows(AuditEvent, AuditEvent.tag == "engine:timer:fired")) == 1


def test_an_auditor_cannot_retry_an_incident(bare_env: EngineEnv) -> None:
    """The engine refuses the auditor's Retry (not only the page): the incident stays, nothing is recorded."""
    job_id = _reminder_job(bare_env)
    bare_env.directory.holders.add(("kiemtra", "auditor", "dept"))
    bare_env.outage = "máy chủ thư không trả lời"
    bare_env.clock.set(REMIND_AT)
    for _ in range(bare_env.services.max_job_attempts):
        run_due_jobs(bare_env.sessions, bare_env.services)
        bare_env.clock.advance(timedelta(hours=1))
    trail = bare_env.audit_count()
    with pytest.raises(ReadOnlyActor):
        _retry(bare_env, job_id, "kiemtra")
    assert bare_env.row(Job, job_id).status == "incident"
    assert bare_env.audit_count() == trail
