"""The engine's public API: deploying, starting, and commands on tasks, each inside the caller's transaction.

Every command loads what it needs, acts, runs the workflow to its next wait state, saves with an
optimistic lock and appends audit events. It flushes but never commits: the unit of work that
called it (a request, a CLI command, a job) commits once, or rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, func, select, true

from . import acting, audit, read_only, row_writes, task_rows
from .calls import current_data, text_or_none
from .core import CANCELLED, COMPLETED, RUNNING, SUSPENDED, CommandResult
from .definitions import check_domain
from .definitions import deploy as deploy_definition
from .errors import ConcurrencyConflict, InstanceNotRunning, NotFound, PermissionDenied, TaskNotActive
from .instance_commands import InstanceCommands
from .instances import flush_or_conflict, workflow_error
from .job_commands import JobCommands
from .models import ProcessDefinition, ProcessInstance, TaskRow

__all__ = ["CANCELLED", "COMPLETED", "RUNNING", "SUSPENDED", "CommandResult", "Engine"]

# A task with its instance, built once: every command on a task starts with it.
_TASK_AND_INSTANCE = (
    select(TaskRow, ProcessInstance)
    .join(ProcessInstance, ProcessInstance.id == TaskRow.instance_id)
    .where(TaskRow.id == bindparam("task_id"))
)
# On PostgreSQL, with its case's chain taken in the same statement (engine/audit.py, locked_case_head).
_CASE_HEAD = audit.locked_case_head(func.coalesce(ProcessInstance.case_id, ProcessInstance.id))
_TASK_INSTANCE_AND_HEAD = _TASK_AND_INSTANCE.add_columns(_CASE_HEAD.c.seq, _CASE_HEAD.c.hash).outerjoin(
    _CASE_HEAD, true()
)


class Engine(InstanceCommands, JobCommands):
    """Commands of the workflow engine, bound to one session (one unit of work).

    The loop every command shares is engine/core.py; commands on a whole instance and the job
    worker's commands are mixed in from engine/instance_commands.py and engine/job_commands.py.
    """

    # -- definitions ------------------------------------------------------------------------

    @read_only.command
    def deploy(self, xml: bytes, filename: str, actor: str, note: str | None = None) -> list[ProcessDefinition]:
        """Deploy the processes of a BPMN file; an unchanged file makes no new version; `note` says why."""
        # The domain's checks (its forms exist, its lanes are roles) before anything is stored.
        check_domain(self.session, self.services.deploy_checks, xml, filename)
        before = {d.id for d in self.session.scalars(select(ProcessDefinition))}
        definitions = deploy_definition(self.session, xml, filename, actor, self.now(), note)
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

    # -- tasks ------------------------------------------------------------------------------

    def may_do(self, actor: str, row: TaskRow) -> bool:
        """Whether `actor` may claim or complete the task: its assignee, a holder of its role, or a substitute."""
        return self.standing(actor, row).allowed

    def standing(self, actor: str, row: TaskRow) -> acting.Standing:
        """Whether `actor` may do the task today, and for whom (engine/acting.py)."""
        return acting.standing(self.directory, actor, row, self.now(), self.services.business_timezone)

    def _ready_task(self, task_id: str) -> tuple[TaskRow, ProcessInstance]:
        # The task and its instance in one statement; the caller keeps the instance, so that loading
        # it next finds it in the session (which holds its objects weakly) instead of reading it again.
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        query = _TASK_INSTANCE_AND_HEAD if postgresql else _TASK_AND_INSTANCE
        found = self.session.execute(query, {"task_id": task_id}).first()
        if found is None:
            raise NotFound("task", task_id)
        row, instance = found[0], found[1]
        if postgresql:
            audit.chain_taken(self.session, instance.case_id or instance.id, found[2], found[3])
        if row.state != task_rows.READY:
            by = f" by {row.completed_by}" if row.completed_by else ""
            raise TaskNotActive(
                f"task {row.title!r} is already {row.state}{by}", task_id=task_id, instance_id=row.instance_id
            )
        if instance.status != RUNNING:
            raise InstanceNotRunning(instance.id, instance.status)
        # Every caller writes the task: the case's chain first, so that racing commands queue in one
        # order (taken by the query above on PostgreSQL: nothing to do then).
        self._take_case_chain(instance)
        return row, instance

    @read_only.command
    def claim(self, task_id: str, actor: str) -> TaskRow:
        """Take a task open to the actor's group, so that colleagues see it is being handled."""
        row, _ = self._ready_task(task_id)
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
        row, _ = self._ready_task(task_id)
        if row.assignee != actor:
            raise PermissionDenied(actor, "release", f"task {task_id}")
        row.assignee = None
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=task_id)
        audit.task_event(self.session, self.now(), row, "released", actor)
        return row

    @read_only.command
    def reassign(self, task_id: str, actor: str, to_user: str, reason: str) -> TaskRow:
        """Hand a task over to a colleague who holds the same role in the same unit."""
        row, _ = self._ready_task(task_id)
        if not reason.strip():
            raise PermissionDenied(actor, "hand over without a reason", f"task {task_id}")
        standing = self.standing(actor, row).required(actor, "hand over")
        return self._hand_over(row, actor, to_user, reason, on_behalf_of=standing.on_behalf_of)

    @read_only.command
    def complete(self, task_id: str, actor: str, data: Mapping[str, Any]) -> CommandResult:
        """Validate the form, complete the task as `actor`, and run on to the next wait state."""
        row, instance = self._ready_task(task_id)
        standing = self.standing(actor, row).required(actor, "complete")
        loaded = self._load(instance.id, actor)
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
        completion = {
            "state": task_rows.COMPLETED,
            "completed_at": self.now(),
            "completed_by": actor,
            "assignee": row.assignee or actor,
            "decision": text_or_none(cleaned.get("decision")),
            "comment": text_or_none(cleaned.get("comment")),
        }
        # A colleague who completed or claimed the task a moment ago wins; stop before any work.
        row_writes.write(
            self.session, row, completion, f"task {row.title!r}", task_id=task_id, instance_id=row.instance_id
        )
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

    def data(self, instance_id: int) -> dict[str, Any]:
        """The instance's current data as a reader would see it."""
        loaded = self._load(instance_id, "system", require_running=False)
        return current_data(loaded.workflow)
