"""Job rows: timers waiting to fire and parents waiting to resume, acquired by workers."""

from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .instances import LoadedInstance
from .models import Job, ProcessInstance
from .specs import timer_due

TIMER, RESUME_PARENT = "timer", "resume_parent"
PENDING, DONE, CANCELLED, INCIDENT = "pending", "done", "cancelled", "incident"


def sync_timers(session: Session, loaded: LoadedInstance, now: datetime) -> None:
    """One pending job per waiting timer of the instance; jobs of timers gone are cancelled."""
    waiting: dict[str, datetime] = {}
    for task in loaded.workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            due = timer_due(task)
            if due is not None:
                waiting[str(task.id)] = due
    pending = session.scalars(
        select(Job).where(Job.instance_id == loaded.row.id, Job.kind == TIMER, Job.status == PENDING)
    ).all()
    for job in pending:
        if job.target not in waiting:
            job.status, job.finished_at = CANCELLED, now
    known = {job.target for job in pending}
    for target, due in waiting.items():
        if target not in known:
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
    for job in session.scalars(select(Job).where(Job.instance_id == instance_id, Job.status == PENDING)):
        job.status, job.finished_at = CANCELLED, now


def _runnable(now: datetime) -> Select[Job]:
    """Pending jobs due by `now` whose instance is running."""
    return (
        select(Job)
        .join(ProcessInstance, ProcessInstance.id == Job.instance_id)
        .where(Job.status == PENDING, Job.due_at <= now, ProcessInstance.status == "running")
    )


def due_jobs(session: Session, now: datetime, limit: int) -> list[int]:
    """Up to `limit` jobs that are due, most overdue first, without taking them (see `take`)."""
    query = _runnable(now).with_only_columns(Job.id).order_by(Job.due_at, Job.id).limit(limit)
    return list(session.scalars(query))


def take(session: Session, job_id: int, now: datetime) -> Job | None:
    """Lock one job for this transaction if it is still pending, due and of a running instance.

    None when another worker holds it or has already run it: the row lock and the status read after
    it are what make a job run once, however many workers listed it among their `due_jobs`.
    """
    query = _runnable(now).where(Job.id == job_id)
    if session.get_bind().dialect.name == "postgresql":
        # Several workers on several hosts: a job another one is running is skipped, never waited for.
        query = query.with_for_update(of=Job, skip_locked=True)
    return session.scalars(query).first()


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failure: 30 s, 1 min, 2 min, 4 min…"""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))
