"""The job worker: each due job runs in its own transaction; failures retry, then become incidents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from . import audit, jobs
from .errors import EngineError, JobCannotRun
from .models import Job
from .runtime import Engine
from .services import EngineServices


@dataclass
class WorkerReport:
    """What one pass of the worker did."""

    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def run_due_jobs(
    session_factory: Callable[[], Session],
    services: EngineServices,
    *,
    limit: int | None = None,
    batch: int = 100,
) -> WorkerReport:
    """Run every job due by the services' clock (at most `limit`), one transaction each.

    The due jobs are listed a batch at a time, then each is taken and run in a transaction of its
    own (`jobs.take`); a job another worker took meanwhile is skipped. A batch of which this worker
    could take none is left to the workers holding it, and the pass ends.
    """
    report = WorkerReport()
    while True:
        wanted = batch if limit is None else min(batch, limit - len(report.done) - len(report.failed))
        if wanted <= 0:
            return report
        with session_factory() as session:
            listed = jobs.due_jobs(session, services.clock.now(), wanted)
        taken = [job_id for job_id in listed if _run_one(session_factory, services, job_id, report)]
        if not taken:
            return report


def _run_one(
    session_factory: Callable[[], Session], services: EngineServices, job_id: int, report: WorkerReport
) -> bool:
    """Take and run one job in its own transaction; whether this worker took it."""
    now = services.clock.now()
    with session_factory() as session:
        job = jobs.take(session, job_id, now)
        if job is None:
            return False
        try:
            Engine(session, services).run_job(job)
            session.commit()
            report.done.append(job_id)
            return True
        # One broken job must not stop the others: whatever it raised is recorded on it.
        except Exception as exc:  # noqa: BLE001
            session.rollback()
            error = f"{type(exc).__name__}: {exc}"
            hopeless = isinstance(exc, JobCannotRun)
    _record_failure(session_factory, services, job_id, error, now, hopeless=hopeless)
    report.failed.append((job_id, error))
    return True


def _record_failure(
    session_factory: Callable[[], Session],
    services: EngineServices,
    job_id: int,
    error: str,
    now: datetime,
    *,
    hopeless: bool,
) -> None:
    with session_factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.attempts += 1
        job.last_error = error
        # A job that cannot do what it is for becomes an incident at once: retrying changes nothing.
        if hopeless or job.attempts >= services.max_job_attempts:
            job.status = jobs.INCIDENT
            audit.append(
                session,
                "engine:job:incident",
                actor="system",
                at=now,
                instance_id=job.instance_id,
                after={"job": job.id, "kind": job.kind, "attempts": job.attempts},
                comment=error,
            )
        else:
            job.due_at = now + jobs.backoff(job.attempts)
        session.commit()


def retry_incident(session: Session, job_id: int, actor: str, now: datetime) -> Job:
    """Put an incident back in the queue after a human fixed its cause."""
    job = session.get(Job, job_id)
    if job is None or job.status != jobs.INCIDENT:
        raise EngineError(f"job {job_id} is not an incident")
    job.status, job.due_at, job.attempts = jobs.PENDING, now, 0
    audit.append(session, "engine:job:retried", actor=actor, at=now, instance_id=job.instance_id, after={"job": job.id})
    return job
