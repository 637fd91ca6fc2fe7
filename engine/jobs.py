"""Job rows: timers waiting to fire and parents waiting to resume, acquired by workers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, Update, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .instances import LoadedInstance, waiting_timers
from .models import Job, ProcessInstance

TIMER, RESUME_PARENT = "timer", "resume_parent"
PENDING, DONE, CANCELLED, INCIDENT = "pending", "done", "cancelled", "incident"


def sync_timers(session: Session, loaded: LoadedInstance, now: datetime) -> None:
    """One pending job per waiting timer of the instance; jobs of timers gone are cancelled.

    Each pending timer job stands for a timer that was waiting when the instance was saved, so
    comparing the timers waiting now with those waiting when it was loaded says what to change,
    without reading the jobs: an instance whose timers stayed as they were costs no statement.
    """
    waiting = waiting_timers(loaded.workflow)
    gone = [target for target in loaded.waiting_timers if target not in waiting]
    if gone:
        session.execute(
            update(Job)
            .where(Job.instance_id == loaded.row.id, Job.kind == TIMER, Job.target.in_(gone), Job.status == PENDING)
            .values(status=CANCELLED, finished_at=now)
        )
    for target, due in waiting.items():
        if target not in loaded.waiting_timers:
            session.add(
                Job(
                    instance_id=loaded.row.id,
                    kind=TIMER,
                    target=target,
                    due_at=due,
                    status=PENDING,
                    attempts=0,
                    created_at=now,
                )
            )
    loaded.waiting_timers = set(waiting)


def queue_resume(session: Session, parent_id: int, child_id: int, now: datetime) -> None:
    """Ask a worker to resume the parent once this child has ended (asynchronous continuation)."""
    session.add(
        Job(
            instance_id=parent_id,
            kind=RESUME_PARENT,
            target=str(child_id),
            due_at=now,
            status=PENDING,
            attempts=0,
            created_at=now,
        )
    )


def pending_resumptions(session: Session, parent_id: int, *, exclude: int) -> list[Job]:
    """Other children of the same parent waiting to hand back their results."""
    query = select(Job).where(
        Job.instance_id == parent_id, Job.kind == RESUME_PARENT, Job.status == PENDING, Job.id != exclude
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query.order_by(Job.id)))


def cancel_pending(session: Session, instance_id: int, now: datetime) -> None:
    """Cancel every pending job of an instance that ended or was cancelled."""
    statement, parameters = cancelling(instance_id, now)
    session.execute(statement, parameters)
    cancelled_in_session(session, instance_id, now)


def cancelling(instance_id: int, now: datetime) -> tuple[Update, dict[str, Any]]:
    """The statement `cancel_pending` sends and its parameters, for a caller that sends it with
    another (engine/row_writes.py) and then calls `cancelled_in_session`."""
    return _CANCEL_PENDING, {"ended_instance": instance_id, "ended_at": now}


def cancelled_in_session(session: Session, instance_id: int, now: datetime) -> None:
    """Tell the jobs of the instance the session holds that they were cancelled, as an ORM update would
    have (the statement goes to the table: through the ORM it would cost more than itself)."""
    for job in [held for held in session.identity_map.values() if isinstance(held, Job)]:
        if job.instance_id == instance_id and job.status == PENDING:
            set_committed_value(job, "status", CANCELLED)
            set_committed_value(job, "finished_at", now)


# Built once, as every instance that ends runs it; on the table, not the mapped class.
_JOB_TABLE = cast(Table, Job.__table__)
_JOBS = _JOB_TABLE.c
_CANCEL_PENDING = (
    update(_JOB_TABLE)
    .where(_JOBS.instance_id == bindparam("ended_instance"), _JOBS.status == PENDING)
    .values(status=CANCELLED, finished_at=bindparam("ended_at"))
)


def _runnable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a job to run: pending, due by `now`, of a running instance."""
    return Job.status == PENDING, Job.due_at <= now, ProcessInstance.status == "running"


def take_due(session: Session, now: datetime, limit: int) -> list[tuple[Job, ProcessInstance]]:
    """Lock up to `limit` due jobs of running instances for this transaction, most overdue first.

    Jobs another worker holds are skipped, never waited for, and the status is read again once
    locked, so a job another worker has run meanwhile is not taken: however many workers take at
    once, each job is taken by one. Each comes with its instance, read in the same statement: while
    the caller holds it, running the job finds it in the session instead of reading it again.
    """
    query = select(Job, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Job.instance_id)
    query = query.where(*_runnable(now)).order_by(Job.due_at, Job.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Job, skip_locked=True)
    return [(job, instance) for job, instance in session.execute(query)]


def take(session: Session, job_id: int, now: datetime) -> Job | None:
    """Lock one job for this transaction if it is still pending, due and of a running instance.

    None when another worker holds it or has already run it (see `take_due`).
    """
    query = select(Job).join(ProcessInstance, ProcessInstance.id == Job.instance_id)
    query = query.where(Job.id == job_id, *_runnable(now))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Job, skip_locked=True)
    return session.scalars(query).first()


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failure: 30 s, 1 min, 2 min, 4 min…"""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))
