"""The engine's public API: commands on instances and tasks, each inside the caller's transaction.

Every command loads what it needs, acts, runs the workflow to its next wait state, saves with an
optimistic lock and appends audit events. It flushes but never commits: the unit of work that
called it (a request, a CLI command, a job) commits once, or rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import acting, audit, cancel_rules, handback, jobs, messages, read_only, status, task_rows
from .calls import call_inputs, current_data, text_or_none
from .definitions import deploy as deploy_definition
from .definitions import latest_definition
from .errors import (
    ConcurrencyConflict,
    EngineError,
    InstanceNotRunning,
    JobCannotRun,
    NotFound,
    PermissionDenied,
    TaskNotActive,
)
from .instances import LoadedInstance, conflicts_translated, flush_or_conflict, workflow_error
from .models import Job, ProcessDefinition, ProcessInstance, TaskRow
from .ports import ScriptContext
from .scripting import SandboxScriptEngine
from .services import EngineServices
from .specs import CHILD_INSTANCE_KEY, is_waiting_call
from .text import extend

RUNNING, SUSPENDED, COMPLETED, CANCELLED = "running", "suspended", "completed", "cancelled"


@dataclass
class CommandResult:
    """What a command left behind: the instance it acted on and the tasks that became ready."""

    instance_id: int
    status: str
    new_tasks: list[TaskRow] = field(default_factory=list)


class Engine:
    """Commands of the workflow engine, bound to one session (one unit of work)."""

    def __init__(self, session: Session, services: EngineServices) -> None:
        self.session = session
        self.services = services
        self.directory = services.directory(session)

    # -- time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The engine's clock."""
        return self.services.clock.now()

    # -- definitions ------------------------------------------------------------------------

    @read_only.command
    def deploy(self, xml: bytes, filename: str, actor: str) -> list[ProcessDefinition]:
        """Deploy the processes of a BPMN file; an unchanged file makes no new version."""
        before = {d.id for d in self.session.scalars(select(ProcessDefinition))}
        definitions = deploy_definition(self.session, xml, filename, actor, self.now())
        for definition in definitions:
            if definition.id not in before:
                audit.definition_deployed(self.session, self.now(), actor, definition, filename)
        return definitions

    # -- starting ---------------------------------------------------------------------------

    @read_only.command
    def start(
        self,
        process_key: str,
        actor: str,
        data: Mapping[str, Any] | None = None,
        *,
        title: str | None = None,
        business_key: str | None = None,
        case_id: int | None = None,
    ) -> CommandResult:
        """Start the latest version of a process and run it to its first wait state; with `case_id`,
        as a top-level instance that belongs to that case (its rows, trail and inboxes), not a child."""
        loaded = self._create(
            process_key, actor, dict(data or {}), title=title, business_key=business_key, case_id=case_id
        )
        new_tasks = self._advance(loaded, actor)
        return CommandResult(loaded.row.id, loaded.row.status, new_tasks)

    def _create(
        self,
        process_key: str,
        actor: str,
        data: dict[str, Any],
        *,
        title: str | None,
        business_key: str | None,
        parent: LoadedInstance | None = None,
        parent_task_id: str | None = None,
        case_id: int | None = None,
    ) -> LoadedInstance:
        definition = latest_definition(self.session, process_key)
        parsed = self.services.spec_cache.get(definition)
        row = ProcessInstance(
            definition_id=definition.id,
            process_key=process_key,
            parent_id=parent.row.id if parent else None,
            parent_task_id=parent_task_id,
            business_key=business_key,
            title=title,
            status=RUNNING,
            state="",
            serializer_version=self.services.serializer.version,
            started_by=actor,
            started_at=self.now(),
        )
        self.session.add(row)
        self.session.flush()
        row.case_id = parent.row.case_id if parent else (case_id or row.id)
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
        loaded = LoadedInstance(row, workflow, parsed)
        workflow.script_engine = self._script_engine(loaded, actor)
        start = workflow.get_next_task(spec_name="Start")
        start.data.update(deepcopy(data))
        audit.append(
            self.session,
            "engine:instance:started",
            actor=actor,
            at=self.now(),
            case_id=row.case_id,
            instance_id=row.id,
            after={"process": process_key, "version": definition.version, "parent": row.parent_id},
        )
        return loaded

    # -- tasks ------------------------------------------------------------------------------

    def task(self, task_id: str) -> TaskRow:
        """One task row, or NotFound."""
        row = self.session.get(TaskRow, task_id)
        if row is None:
            raise NotFound("task", task_id)
        return row

    def may_do(self, actor: str, row: TaskRow) -> bool:
        """Whether `actor` may claim or complete the task: its assignee, a holder of its role, or a substitute."""
        return self.standing(actor, row).allowed

    def standing(self, actor: str, row: TaskRow) -> acting.Standing:
        """Whether `actor` may do the task today, and for whom (engine/acting.py)."""
        return acting.standing(self.directory, actor, row, self.now(), self.services.business_timezone)

    def _ready_task(self, task_id: str) -> TaskRow:
        row = self.task(task_id)
        if row.state != task_rows.READY:
            by = f" by {row.completed_by}" if row.completed_by else ""
            raise TaskNotActive(
                f"task {row.title!r} is already {row.state}{by}", task_id=task_id, instance_id=row.instance_id
            )
        case = self.instance(row.instance_id)
        if case.status != RUNNING:
            raise InstanceNotRunning(case.id, case.status)
        return row

    @read_only.command
    def claim(self, task_id: str, actor: str) -> TaskRow:
        """Take a task open to the actor's group, so that colleagues see it is being handled."""
        row = self._ready_task(task_id)
        if row.assignee == actor:
            return row
        if row.assignee:
            raise ConcurrencyConflict(f"task {row.title!r} is already claimed by {row.assignee}", task_id=task_id)
        standing = self.standing(actor, row).required(actor, "claim")
        row.assignee = actor
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=task_id)
        audit.task_event(self.session, self.now(), row, "claimed", actor, on_behalf_of=standing.on_behalf_of)
        return row

    @read_only.command
    def release(self, task_id: str, actor: str) -> TaskRow:
        """Give a claimed task back to the group."""
        row = self._ready_task(task_id)
        if row.assignee != actor:
            raise PermissionDenied(actor, "release", f"task {task_id}")
        row.assignee = None
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=task_id)
        audit.task_event(self.session, self.now(), row, "released", actor)
        return row

    @read_only.command
    def reassign(self, task_id: str, actor: str, to_user: str, reason: str) -> TaskRow:
        """Hand a task over to a colleague who holds the same role in the same unit."""
        row = self._ready_task(task_id)
        if not reason.strip():
            raise PermissionDenied(actor, "hand over without a reason", f"task {task_id}")
        standing = self.standing(actor, row).required(actor, "hand over")
        if (
            row.role is None
            or row.candidate_unit is None
            or not self.directory.may_act(to_user, row.role, row.candidate_unit)
        ):
            raise PermissionDenied(to_user, "receive", f"task {task_id}")
        before = row.assignee
        row.assignee = to_user
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=task_id)
        audit.task_event(
            self.session,
            self.now(),
            row,
            "reassigned",
            actor,
            before={"assignee": before},
            after={"assignee": to_user},
            comment=reason,
            on_behalf_of=standing.on_behalf_of,
        )
        return row

    @read_only.command
    def complete(self, task_id: str, actor: str, data: Mapping[str, Any]) -> CommandResult:
        """Validate the form, complete the task as `actor`, and run on to the next wait state."""
        row = self._ready_task(task_id)
        standing = self.standing(actor, row).required(actor, "complete")
        loaded = self._load(row.instance_id, actor)
        spiff_task = loaded.workflow.get_task_from_id(UUID(task_id))
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise TaskNotActive(
                f"task {row.title!r} is no longer waiting", task_id=task_id, instance_id=row.instance_id
            )
        # The task's data as it stands lets a form weigh the submission against the case so far.
        cleaned = self.services.forms(self.session).validate(
            row.form_key or "", data, now=self.now(), task_data=deepcopy(spiff_task.data)
        )
        before = {key: deepcopy(spiff_task.data.get(key)) for key in cleaned}
        spiff_task.data.update(deepcopy(cleaned))
        now = self.now()
        row.state, row.completed_at, row.completed_by = task_rows.COMPLETED, now, actor
        row.assignee = row.assignee or actor
        row.decision = text_or_none(cleaned.get("decision"))
        row.comment = text_or_none(cleaned.get("comment"))
        # A colleague who completed or claimed the task a moment ago wins; stop before any work.
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=task_id, instance_id=row.instance_id)
        try:
            spiff_task.run()
        except SpiffWorkflowException as exc:
            raise workflow_error(exc) from exc
        audit.task_event(
            self.session,
            self.now(),
            row,
            "completed",
            actor,
            before=before,
            after=cleaned,
            comment=row.comment,
            on_behalf_of=standing.on_behalf_of,
        )
        new_tasks = self._advance(loaded, actor)
        return CommandResult(loaded.row.id, loaded.row.status, new_tasks)

    # -- instances --------------------------------------------------------------------------

    def instance(self, instance_id: int) -> ProcessInstance:
        """One instance row, or NotFound."""
        row = self.session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("process instance", instance_id)
        return row

    def data(self, instance_id: int) -> dict[str, Any]:
        """The instance's current data as a reader would see it."""
        loaded = self._load(instance_id, "system", require_running=False)
        return current_data(loaded.workflow)

    @read_only.command
    def cancel(self, instance_id: int, actor: str, reason: str) -> None:
        """Stop an instance and every child instance below it; open tasks are cancelled.

        Only a holder of a role the process names for it may cancel (see `may_cancel`), with a
        reason. A cancelled child hands nothing back: its parent goes on without it.
        """
        if not reason.strip():
            raise PermissionDenied(actor, "cancel without a reason", f"instance {instance_id}")
        loaded = self._load(instance_id, actor, require_running=False)
        if loaded.row.status in (COMPLETED, CANCELLED):
            raise InstanceNotRunning(instance_id, loaded.row.status)
        if not self._may_cancel(actor, loaded):
            raise PermissionDenied(actor, "cancel", f"instance {instance_id}")
        self._cancel(loaded, actor, reason)
        parent_id = loaded.row.parent_id
        if parent_id is not None and self.instance(parent_id).status in (RUNNING, SUSPENDED):
            jobs.queue_resume(self.session, parent_id, instance_id, self.now())

    def may_cancel(self, actor: str, instance_id: int) -> bool:
        """Whether `actor` may cancel the instance now (for a page to offer it; `cancel` checks again)."""
        loaded = self._load(instance_id, actor, require_running=False)
        return loaded.row.status in (RUNNING, SUSPENDED) and self._may_cancel(actor, loaded)

    def _may_cancel(self, actor: str, loaded: LoadedInstance) -> bool:
        # A holder of one of the roles the process (or, when it names none, its case's process)
        # allows to cancel it, in the unit the role's expression names in the instance's data.
        rules, source = loaded.metadata.get("cancel_roles") or [], loaded
        if not rules and loaded.row.case_id not in (None, loaded.row.id):
            source = self._load(loaded.row.case_id or 0, actor, require_running=False)
            rules = source.metadata.get("cancel_roles") or []
        environment = source.workflow.script_engine.environment
        return cancel_rules.grants(self.directory, actor, rules, current_data(source.workflow), environment)

    def _cancel(self, loaded: LoadedInstance, actor: str, reason: str) -> None:
        instance_id = loaded.row.id
        for child in self.session.scalars(
            select(ProcessInstance).where(
                # Its children, and the top-level instances that belong to the case it roots (reminder rounds).
                (ProcessInstance.parent_id == instance_id)
                | ((ProcessInstance.case_id == instance_id) & ProcessInstance.parent_id.is_(None)),
                ProcessInstance.id != instance_id,
                ProcessInstance.status.in_((RUNNING, SUSPENDED)),
            )
        ).all():
            self._cancel(self._load(child.id, actor, require_running=False), actor, reason)
        loaded.workflow.cancel()
        loaded.row.status, loaded.row.ended_at = CANCELLED, self.now()
        task_rows.sync(self.session, loaded, self.now(), self.services.business_timezone, self.services.priorities)
        jobs.cancel_pending(self.session, instance_id, self.now())
        self._save(loaded)
        audit.append(
            self.session,
            "engine:instance:cancelled",
            actor=actor,
            at=self.now(),
            case_id=loaded.row.case_id,
            instance_id=instance_id,
            comment=reason,
        )

    @read_only.command
    def suspend(self, instance_id: int, actor: str, reason: str) -> None:
        """Hold an instance: no task of it can be completed and no timer fires until resumed."""
        self._change_status(instance_id, RUNNING, SUSPENDED, "suspended", actor, reason)

    @read_only.command
    def resume(self, instance_id: int, actor: str) -> None:
        """Let a suspended instance go on."""
        self._change_status(instance_id, SUSPENDED, RUNNING, "resumed", actor, None)

    def _change_status(
        self, instance_id: int, expected: str, new: str, action: str, actor: str, reason: str | None
    ) -> None:
        row = self.instance(instance_id)
        status.change_status(self.session, row, expected, new, action, actor=actor, at=self.now(), reason=reason)

    # -- jobs -------------------------------------------------------------------------------

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

    # -- the engine loop --------------------------------------------------------------------

    def _script_engine(self, loaded: LoadedInstance, actor: str) -> SandboxScriptEngine:
        context = ScriptContext(self.session, self.now(), actor, loaded.row.id, loaded.row.case_id or loaded.row.id)
        return SandboxScriptEngine(self.services.scripts(context), self.services.clock, self.services.script_limits)

    def _load(self, instance_id: int, actor: str, *, require_running: bool = True) -> LoadedInstance:
        row = self.instance(instance_id)
        if require_running and row.status != RUNNING:
            raise InstanceNotRunning(instance_id, row.status)
        # Every job and task action loads an instance: its definition's row (and XML) only when not parsed yet.
        parsed = self.services.spec_cache.get_by_id(self.session, row.definition_id)
        workflow = self.services.serializer.load(row.state, parsed.spec, parsed.subprocess_specs)
        loaded = LoadedInstance(row, workflow, parsed)
        workflow.script_engine = self._script_engine(loaded, actor)
        return loaded

    def _advance(self, loaded: LoadedInstance, actor: str) -> list[TaskRow]:
        """Run engine steps, start child instances, update rows and jobs, and save."""
        now = self.now()
        try:
            loaded.workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise workflow_error(exc) from exc
        self._start_children(loaded, actor)
        if completed := loaded.workflow.completed and loaded.row.status == RUNNING:
            loaded.row.status, loaded.row.ended_at = COMPLETED, now
        new_tasks = task_rows.sync(self.session, loaded, now, self.services.business_timezone, self.services.priorities)
        task_rows.require_someone(new_tasks, self.directory)
        if loaded.row.status == RUNNING:
            jobs.sync_timers(self.session, loaded, now)
        self._save(loaded)  # before the statements below flush it: its end and its state in one update
        if completed:
            jobs.cancel_pending(self.session, loaded.row.id, now)
            if loaded.row.parent_id is not None:
                jobs.queue_resume(self.session, loaded.row.parent_id, loaded.row.id, now)
            audit.append(
                self.session,
                "engine:instance:completed",
                actor=actor,
                at=now,
                case_id=loaded.row.case_id,
                instance_id=loaded.row.id,
            )
        return new_tasks

    def _start_children(self, loaded: LoadedInstance, actor: str) -> None:
        for call in [t for t in loaded.workflow.get_tasks(state=TaskState.STARTED) if is_waiting_call(t)]:
            child_key = call.task_spec.spec
            child_spec = self.services.spec_cache.get(latest_definition(self.session, child_key)).spec
            inputs = call_inputs(call, child_spec)
            child = self._create(
                child_key,
                actor,
                inputs,
                title=loaded.row.title,
                business_key=loaded.row.business_key,
                parent=loaded,
                parent_task_id=str(call.id),
            )
            call.internal_data[CHILD_INSTANCE_KEY] = child.row.id
            # The call keeps only what it passed on: 300 children must not mean 300 copies of the case.
            call.data = deepcopy(inputs)
            self._advance(child, actor)

    def _save(self, loaded: LoadedInstance) -> None:
        loaded.row.search_text = extend(loaded.row.search_text, loaded.row.title, loaded.row.business_key)
        loaded.row.state = self.services.serializer.dump(loaded.workflow)
        loaded.row.serializer_version = self.services.serializer.version
        flush_or_conflict(self.session, f"case {loaded.row.case_id}", instance_id=loaded.row.id)
        task_rows.keep_search_text(self.session, loaded.row.case_id)
