"""An administrator sees the jobs that became incidents and puts one back in the queue."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from engine import jobs
from engine.clock import ManualClock
from engine.models import AuditEvent, Job, ProcessInstance
from engine.worker import run_due_jobs
from tests.web.case_helpers import fast_rehearsal, signed_in
from tests.web.conftest import csrf_token
from web.core.composition import Runtime
from web.core.db import unit_of_work
from workflows.directive import scenario

ADMIN = "quantri"


def _incident(runtime: Runtime, clock: ManualClock) -> tuple[int, int]:
    """The reference directive issued, then a resumption of the case queued for a unit whose part
    still runs: the worker cannot do it, so it becomes an incident at once. (case id, job id)"""
    r = fast_rehearsal(runtime, clock)
    scenario.register_and_instruct(r)
    scenario.draft_and_approve(r)
    scenario.issue(r)
    case_id = r.case_id or 0
    with unit_of_work(runtime.sessions) as session:
        child = session.scalar(select(ProcessInstance.id).where(ProcessInstance.parent_id == case_id).limit(1))
        assert child is not None
        jobs.queue_resume(session, case_id, child, clock.now())
    report = run_due_jobs(runtime.sessions, runtime.services)
    [(job_id, _error)] = report.failed
    return case_id, job_id


def test_the_administrator_sees_an_incident_and_retries_it(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    case_id, job_id = _incident(runtime, clock)
    client = signed_in(app, ADMIN)
    page = client.get("/admin/incidents").get_data(as_text=True)
    assert f"#{job_id} · resume_parent" in page
    assert f'href="/cases/{case_id}"' in page
    assert "JobCannotRun" in page
    response = client.post(f"/admin/incidents/{job_id}/retry", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    with unit_of_work(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None and (job.status, job.attempts) == ("pending", 0)
        retried = session.scalars(select(AuditEvent).where(AuditEvent.tag == "engine:job:retried")).all()
        assert [event.actor for event in retried] == [ADMIN]
    again = client.post(f"/admin/incidents/{job_id}/retry", data={"csrf_token": csrf_token(page)})
    assert "không phải là sự cố" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_only_administrators_see_incidents(app: Flask, runtime: Runtime, clock: ManualClock) -> None:
    _case_id, job_id = _incident(runtime, clock)
    supervisor = signed_in(app, "giamsat")
    assert supervisor.get("/admin/incidents").status_code == 403
    token = csrf_token(supervisor.get("/").get_data(as_text=True))
    assert supervisor.post(f"/admin/incidents/{job_id}/retry", data={"csrf_token": token}).status_code == 403
    with unit_of_work(runtime.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == "incident"
