"""Commands the job worker runs: a due timer fires, a parent goes on after its children ended."""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import audit, handback, jobs, messages, read_only
from .core import EngineCore
from .errors import EngineError, JobCannotRun
from .instances import conflicts_translated, workflow_error
from .models import Job


class JobCommands(EngineCore):
    """`run_job` and what it fires, mixed into `Engine` (engine/runtime.py)."""

    @read_only.command
    def retry_incident(self, job_id: int, actor: str) -> Job:
        """Put an incident back in the queue, due now, after a human fixed its cause (never by a reader)."""
        job = self.session.get(Job, job_id)
        if job is None or job.status != jobs.INCIDENT:
            raise EngineError(f"job {job_id} is not an incident")
        job.status, job.due_at, job.attempts = jobs.PENDING, self.now(), 0
        audit.append(
            self.session,
            "engine:job:retried",
            actor=actor,
            at=self.now(),
            instance_id=job.instance_id,
            after={"job": job.id},
        )
        return job

    @conflicts_translated
    def run_job(self, job: Job) -> None:
        """Fire one due job (a timer, or a parent resuming after its child ended)."""
        if job.kind == jobs.TIMER:
            self._fire_timer(job)
        elif job.kind == jobs.RESUME_PARENT:
            self._resume_parent(job)
        elif job.kind == messages.MESSAGE:
            messages.deliver(self, job)
        else:
            raise EngineError(f"unknown job kind {job.kind!r}")
        job.status, job.finished_at = jobs.DONE, self.now()
        job.attempts += 1

    def _fire_timer(self, job: Job) -> None:
        loaded = self._load(job.instance_id, "system")
        task = loaded.workflow.get_task_from_id(UUID(job.target))
        if task is None or task.state != TaskState.WAITING:
            return
        loaded.waiting_timers.discard(job.target)  # its job is this one, which run_job marks done
        try:
            loaded.workflow.refresh_timers()
        except SpiffWorkflowException as exc:
            raise workflow_error(exc) from exc
        audit.append(
            self.session,
            "engine:timer:fired",
            actor="system",
            at=self.now(),
            case_id=loaded.row.case_id,
            instance_id=loaded.row.id,
            task_id=job.target,
            after={"timer": task.task_spec.bpmn_id, "due": job.due_at.isoformat()},
        )
        self._advance(loaded, "system")

    def _resume_parent(self, job: Job) -> None:
        child = handback.ended_child(self.session, job)
        definition = handback.parent_definition(self.session, job.instance_id)
        if handback.waits_for_siblings(self.session, self.services.spec_cache.get(definition), child):
            # Nothing in the parent can move yet; the last sibling's job hands this result back too.
            return
        parent = self._load(job.instance_id, "system")
        call = handback.call_of(parent, child)
        ended = handback.ended_children(self.session, parent)
        if call.state == TaskState.STARTED and child.id not in ended:
            raise JobCannotRun(f"call {call.task_spec.bpmn_id!r} does not wait for child instance {child.id}")
        if not ended:
            return  # an earlier job already handed this child back
        definitions = handback.definitions_of(self.session, ended)
        handback.hand_back(
            [
                (waiting, self._load(child_id, "system", require_running=False))
                for child_id, (waiting, _) in ended.items()
            ]
        )
        del definitions
        if call.state != TaskState.COMPLETED:
            raise JobCannotRun(f"call {call.task_spec.bpmn_id!r} is {call.state.name} after child {child.id} ended")
        handback.retire_resumptions(self.session, job, set(ended), self.now())
        self._advance(parent, "system")
