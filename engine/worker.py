"""The job worker: each due job runs in its own transaction; failures retry, then become incidents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from . import audit, jobs
from .errors import JobCannotRun
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
    batch: int = 20,
) -> WorkerReport:
    """Run every job due by the services' clock (at most `limit`), up to `batch` jobs per transaction.

    A batch of due jobs is locked at once (`jobs.take_due`: jobs another worker holds are skipped)
    and run in one transaction, so that each job does not pay for a transaction of its own. When
    one of them fails, that transaction is rolled back and its jobs run again one per transaction,
    so that the failure is recorded on its own job while the others go through. Running a job
    twice that way is safe because all it does is rows of its transaction: what it sends goes out
    through the outbox after commit. The pass ends when nothing due is left to take.
    """
    report = WorkerReport()
    while True:
        wanted = batch if limit is None else min(batch, limit - len(report.done) - len(report.failed))
        if wanted <= 0 or not _run_batch(session_factory, services, wanted, report):
            return report


def _run_batch(
    session_factory: Callable[[], Session], services: EngineServices, wanted: int, report: WorkerReport
) -> bool:
    """Take up to `wanted` due jobs and run them in one transaction; whether there were any."""
    now = services.clock.now()
    with session_factory() as session:
        taken = jobs.take_due(session, now, wanted)
        ids = [job.id for job, _ in taken]
        try:
            engine, ran = Engine(session, services), []
            for job, _instance in taken:
                # An earlier job of the batch may have ended this one's instance, which cancels it.
                if job.status == jobs.PENDING:
                    engine.run_job(job)
                    ran.append(job.id)
            session.commit()
            report.done.extend(ran)
            return bool(ids)
        # Whatever one job raised is recorded on it when the jobs are run again one by one.
        except Exception as exc:  # noqa: BLE001
            session.rollback()
            failure = exc
    if len(ids) == 1:
        _fail(session_factory, services, ids[0], failure, now, report)
    else:
        for job_id in ids:
            _run_one(session_factory, services, job_id, report)
    return True


def _run_one(
    session_factory: Callable[[], Session], services: EngineServices, job_id: int, report: WorkerReport
) -> None:
    """Take and run one job in its own transaction, unless another worker took it meanwhile."""
    now = services.clock.now()
    with session_factory() as session:
        job = jobs.take(session, job_id, now)
        if job is None:
            return
        try:
            Engine(session, services).run_job(job)
            session.commit()
            report.done.append(job_id)
            return
        # One broken job must not stop the others: whatever it raised is recorded on it.
        except Exception as exc:  # noqa: BLE001
            session.rollback()
            failure = exc
    _fail(session_factory, services, job_id, failure, now, report)


def _fail(
    session_factory: Callable[[], Session],
    services: EngineServices,
    job_id: int,
    failure: Exception,
    now: datetime,
    report: WorkerReport,
) -> None:
    error = f"{type(failure).__name__}: {failure}"
    _record_failure(session_factory, services, job_id, error, now, hopeless=isinstance(failure, JobCannotRun))
    report.failed.append((job_id, error))


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
