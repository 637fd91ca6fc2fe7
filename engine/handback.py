"""Handing ended child instances back to the call activities that wait for them.

A call activity waits (STARTED) while its called process runs as a child instance of its own.
When the child ends, a job resumes the parent: the call takes the child's declared outputs, and a
multi-instance around it merges them into its output collection.

Loading the parent costs in proportion to its size, and a directive's parent holds one call per
recipient unit; resuming it once per unit would cost N loads of size N. So when the calls are the
instances of one parallel multi-instance without a completion condition — nothing in the parent
can move until the last of them ends — a child that ends while siblings still run leaves its
result where it is (its own stored state), and the job of the last sibling to end hands every
ended child back in one load of the parent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, ParallelMultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from . import jobs
from .calls import call_outputs
from .definitions import ParsedProcess
from .errors import JobCannotRun, NotFound
from .instances import LoadedInstance, workflow_error
from .models import Job, ProcessDefinition, ProcessInstance
from .specs import CHILD_INSTANCE_KEY, RELEASED_KEY, ExternalCallActivity

RUNNING, SUSPENDED, COMPLETED, CANCELLED = "running", "suspended", "completed", "cancelled"
ENDED = (COMPLETED, CANCELLED)


def check_ended(child: ProcessInstance, parent_id: int) -> None:
    """Refuse to resume a parent for a child that is not its own, or that has not ended."""
    if child.parent_id != parent_id:
        raise JobCannotRun(f"instance {child.id} is not a child of instance {parent_id}")
    if child.status not in ENDED:
        raise JobCannotRun(f"child instance {child.id} is {child.status}: only an ended child is handed back")


def waits_for_siblings(session: Session, parsed: ParsedProcess, child: ProcessInstance) -> bool:
    """Whether the parent cannot move for this child alone: siblings of the same group still run."""
    if not _grouped_without_condition(parsed, child.process_key):
        return False
    # EXISTS, not COUNT: the answer is known at the first sibling still at work.
    still_running = select(ProcessInstance.id).where(
        ProcessInstance.parent_id == child.parent_id,
        ProcessInstance.status.in_((RUNNING, SUSPENDED)),
        ProcessInstance.process_key == child.process_key,
    )
    return bool(session.scalar(select(still_running.exists())))


def _grouped_without_condition(parsed: ParsedProcess, process_key: str) -> bool:
    # Only when exactly one call activity of the parent calls this process is "same process key"
    # the same group; several would each need their own answer.
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    calls = [
        (spec, task_spec)
        for spec in specs
        for task_spec in spec.task_specs.values()
        if isinstance(task_spec, ExternalCallActivity) and task_spec.spec == process_key
    ]
    if len(calls) != 1:
        return False
    spec, call = calls[0]
    loops = [t for t in spec.task_specs.values() if isinstance(t, LoopTask) and t.task_spec == call.name]
    return len(loops) == 1 and isinstance(loops[0], ParallelMultiInstanceTask) and loops[0].condition is None


def ended_children(session: Session, parent: LoadedInstance) -> dict[int, tuple[Any, ProcessInstance]]:
    """The waiting calls of the parent whose child instance has ended, with the child's row, by its id."""
    waiting = {
        int(task.internal_data[CHILD_INSTANCE_KEY]): task
        for task in parent.workflow.get_tasks(state=TaskState.STARTED)
        if isinstance(task.task_spec, ExternalCallActivity) and CHILD_INSTANCE_KEY in task.internal_data
    }
    if not waiting:
        return {}
    # Whole rows in one query, kept referenced (the session's identity map holds rows weakly), so
    # that loading each child next finds its row in the session instead of asking the database.
    ended = session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(waiting), ProcessInstance.status.in_(ENDED))
    )
    return {child.id: (waiting[child.id], child) for child in sorted(ended, key=lambda row: row.id)}


def hand_back(calls: list[tuple[Any, LoadedInstance]]) -> None:
    """Complete each call with its child's outputs (none for a cancelled child); check they were taken.

    SpiffWorkflow answers every completed task by walking the whole task tree for waiting tasks
    (and a waiting parallel join walks it again), so completing N calls one by one costs N walks
    of N tasks. Every call but the last is completed with its completion hook only (which merges
    its output into the multi-instance), and the last one completes fully: the tree is walked once,
    with every output already in place.
    """
    for position, (call, child) in enumerate(calls):
        if child.row.status == CANCELLED:
            call.internal_data[RELEASED_KEY] = True
        else:
            call.data.update(call_outputs(child))
        try:
            if position == len(calls) - 1:
                call.complete()
            else:
                # Task.complete() without the walk: what SpiffWorkflow 3.2.0 does before it.
                call._set_state(TaskState.COMPLETED)
                call.task_spec._on_complete_hook(call)
                for follower in call.children:
                    if not follower.has_state(TaskState.FINISHED_MASK):
                        follower.task_spec._update(follower)
        except SpiffWorkflowException as exc:
            raise workflow_error(exc) from exc
        _check_taken(call, child.row.id)


def _check_taken(call: Any, child_id: int) -> None:
    if call.state != TaskState.COMPLETED:
        raise JobCannotRun(f"call {call.task_spec.bpmn_id!r} did not complete for child instance {child_id}")
    loop = call.parent
    merged = loop.internal_data.get("merged", []) if isinstance(loop.task_spec, LoopTask) else None
    # The call was merged just now, so it is the last merged: no search through all of them.
    if merged is not None and (not merged or merged[-1] != str(call.id)):
        raise JobCannotRun(
            f"multi-instance {loop.task_spec.bpmn_id!r} did not take the output of child instance {child_id}"
        )


def call_of(parent: LoadedInstance, child: ProcessInstance) -> Any:
    """The parent's call task that started this child."""
    call = parent.workflow.get_task_from_id(UUID(child.parent_task_id)) if child.parent_task_id else None
    if call is None:
        raise JobCannotRun(f"instance {parent.row.id} has no call task for child instance {child.id}")
    return call


def ended_child(session: Session, job: Job) -> ProcessInstance:
    """The child a resume job is for, without its state (most resumptions end at the next check)."""
    child = session.scalar(
        select(ProcessInstance).options(defer(ProcessInstance.state)).where(ProcessInstance.id == int(job.target))
    )
    if child is None:
        raise JobCannotRun(f"child instance {job.target} does not exist")
    check_ended(child, job.instance_id)
    return child


def parent_definition(session: Session, parent_id: int) -> ProcessDefinition:
    """Only the parent's definition: its row holds a state as large as its number of children."""
    definition = session.scalar(
        select(ProcessDefinition)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == parent_id)
    )
    if definition is None:
        raise NotFound("process instance", parent_id)
    return definition


def definitions_of(session: Session, ended: dict[int, tuple[Any, ProcessInstance]]) -> list[ProcessDefinition]:
    """The ended children's definitions, for the caller to keep referenced (see ended_children)."""
    ids = {row.definition_id for _, row in ended.values()}
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(ids))))


def retire_resumptions(session: Session, job: Job, handed_back: set[int], now: datetime) -> None:
    """Jobs queued for the children just handed back have nothing left to do."""
    for item in jobs.pending_resumptions(session, job.instance_id, exclude=job.id):
        if int(item.target) in handed_back:
            item.status, item.finished_at = jobs.DONE, now
            item.attempts += 1
