"""Messages to running instances: a BPMN message event delivered by the job worker after commit.

Another process (or a page) that needs an instance to react — a reminder round moving a unit's
deadline — queues a job of kind ``message`` carrying the message's name and payload. The job is
delivered only once the transaction that queued it has committed, by the worker, in a
transaction of its own: the instance catches the message with whichever of its waiting message
events (for instance an interrupting boundary event on a user task) has that name, and runs on to
its next wait state, its timers and task rows following. An instance that waits for no such
message any more (the unit reported meanwhile) takes nothing; that is recorded, not an error.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy.orm import Session

from . import audit
from .errors import JobCannotRun
from .instances import workflow_error
from .models import Job

if TYPE_CHECKING:
    from .core import EngineCore

MESSAGE = "message"
PENDING = "pending"


def queue_message(
    session: Session, instance_id: int, name: str, key: str, payload: dict[str, Any], now: datetime
) -> Job:
    """Ask the worker to deliver message `name` to the instance after this transaction commits.

    `key` tells this message apart from others of the same name to the same instance (one job per
    instance, kind and target): e.g. the reminder round it comes from.
    """
    job = Job(
        instance_id=instance_id,
        kind=MESSAGE,
        target=f"{name}:{key}"[:64],
        due_at=now,
        status=PENDING,
        attempts=0,
        created_at=now,
        payload={"name": name, "payload": payload},
    )
    session.add(job)
    session.flush()
    return job


def deliver(engine: EngineCore, job: Job) -> None:
    """Deliver a message job to its instance: caught by a waiting message event, or recorded as not awaited."""
    content = job.payload if isinstance(job.payload, dict) else {}
    name = content.get("name")
    if not isinstance(name, str) or not name:
        raise JobCannotRun(f"message job {job.id} names no message")
    loaded = engine._load(job.instance_id, "system")
    catching = [
        task
        for task in loaded.workflow.event_manager.tasks.values()
        if isinstance(task.task_spec.event_definition, MessageEventDefinition)
        and task.task_spec.event_definition.name == name
    ]
    caught = bool(catching)
    if caught:
        event = BpmnEvent(catching[0].task_spec.event_definition, payload=content.get("payload") or {})
        try:
            loaded.workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise workflow_error(exc) from exc
    audit.append(
        engine.session,
        f"engine:message:{'caught' if caught else 'not_awaited'}",
        actor="system",
        at=engine.now(),
        case_id=loaded.row.case_id,
        instance_id=loaded.row.id,
        after={"message": name, "payload": content.get("payload")},
    )
    if caught:
        engine._advance(loaded, "system")
