"""Commands on a whole instance: cancel it with everything below it, hold it and let it go on, and
an administrator's hand-over of one of its tasks.

Who may do them:

- An **administrator** — whoever the directory says `administers` (engine/ports.py: an active user
  holding the administrator's role in some unit) — may suspend, resume and cancel any instance and
  hand any open task of it to anyone who may hold the task's role in its unit.
- Otherwise cancelling, suspending and resuming are for holders of the roles the process names in
  `cancelRoles` (see `may_cancel`: who may stop a case may also hold it), and handing over a task is
  `Engine.reassign` (engine/runtime.py): the actor's own standing on it.

Suspending needs a reason (resuming may give one); every action is in the audit trail with the
status or assignee before and after and the reason. Suspending holds the instances below it too
(its children, and the reminder rounds of the case it roots), so that none of their timers fires;
resuming lets the same ones go on.
"""

from __future__ import annotations

from sqlalchemy import select

from . import audit, cancel_rules, jobs, read_only, status, task_rows
from .calls import current_data
from .core import CANCELLED, COMPLETED, RUNNING, SUSPENDED
from .errors import InstanceNotRunning, PermissionDenied, TaskNotActive
from .instances import LoadedInstance
from .migration import MigrationCommands
from .models import ProcessInstance, TaskRow


class InstanceCommands(MigrationCommands):
    """Cancel, suspend, resume and an administrator's hand-over, mixed into `Engine` (engine/runtime.py)."""

    def administers(self, actor: str) -> bool:
        """Whether `actor` is an administrator, who may act on any case (see the module's docstring)."""
        return self.directory.administers(actor)

    @read_only.command
    def cancel(self, instance_id: int, actor: str, reason: str) -> None:
        """Stop an instance and every child instance below it; open tasks are cancelled.

        Only an administrator or a holder of a role the process names for it may cancel (see
        `may_cancel`), with a reason. A cancelled child hands nothing back: its parent goes on without it.
        """
        if not reason.strip():
            raise PermissionDenied(actor, "cancel without a reason", f"instance {instance_id}")
        loaded = self._load(instance_id, actor, require_running=False)
        if loaded.row.status in (COMPLETED, CANCELLED):
            raise InstanceNotRunning(instance_id, loaded.row.status)
        if not self._may_cancel(actor, loaded):
            raise PermissionDenied(actor, "cancel", f"instance {instance_id}")
        self._take_case_chain(loaded.row)
        self._cancel(loaded, actor, reason)
        parent_id = loaded.row.parent_id
        if parent_id is not None and self.instance(parent_id).status in (RUNNING, SUSPENDED):
            jobs.queue_resume(self.session, parent_id, instance_id, self.now())

    def may_cancel(self, actor: str, instance_id: int) -> bool:
        """Whether `actor` may cancel the instance now (for a page to offer it; `cancel` checks again)."""
        loaded = self._load(instance_id, actor, require_running=False)
        return loaded.row.status in (RUNNING, SUSPENDED) and self._may_cancel(actor, loaded)

    def _may_cancel(self, actor: str, loaded: LoadedInstance) -> bool:
        if self.administers(actor):
            return True
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
        for child in self._below(instance_id, (RUNNING, SUSPENDED)):
            self._cancel(self._load(child.id, actor, require_running=False), actor, reason)
        before = loaded.row.status
        loaded.workflow.cancel()
        loaded.row.status, loaded.row.ended_at = CANCELLED, self.now()
        new_tasks = task_rows.sync(
            self.session, loaded, self.now(), self.services.business_timezone, self.services.priorities
        )
        jobs.cancel_pending(self.session, instance_id, self.now())
        self._save(loaded, new_tasks)
        audit.append(
            self.session,
            "engine:instance:cancelled",
            actor=actor,
            at=self.now(),
            case_id=loaded.row.case_id,
            instance_id=instance_id,
            before={"status": before},
            after={"status": CANCELLED},
            comment=reason,
        )

    def _below(self, instance_id: int, statuses: tuple[str, ...]) -> list[ProcessInstance]:
        # Its children, and the top-level instances that belong to the case it roots (reminder rounds).
        return list(
            self.session.scalars(
                select(ProcessInstance).where(
                    (ProcessInstance.parent_id == instance_id)
                    | ((ProcessInstance.case_id == instance_id) & ProcessInstance.parent_id.is_(None)),
                    ProcessInstance.id != instance_id,
                    ProcessInstance.status.in_(statuses),
                )
            ).all()
        )

    @read_only.command
    def suspend(self, instance_id: int, actor: str, reason: str) -> None:
        """Hold an instance and the running ones below it: no task can be completed and no timer fires until resumed."""
        if not reason.strip():
            raise PermissionDenied(actor, "suspend without a reason", f"instance {instance_id}")
        self._change_status(
            self._held_by(actor, instance_id, "suspend"), RUNNING, SUSPENDED, "suspended", actor, reason
        )

    @read_only.command
    def resume(self, instance_id: int, actor: str, reason: str | None = None) -> None:
        """Let a suspended instance, and the suspended ones below it, go on; the reason is optional."""
        row = self._held_by(actor, instance_id, "resume")
        self._change_status(row, SUSPENDED, RUNNING, "resumed", actor, (reason or "").strip())

    def _held_by(self, actor: str, instance_id: int, action: str) -> ProcessInstance:
        """The instance `actor` wants to suspend or resume, if they may cancel it; PermissionDenied otherwise."""
        row = self.instance(instance_id)
        if not self.administers(actor) and not self._may_cancel(
            actor, self._load(instance_id, actor, require_running=False)
        ):
            raise PermissionDenied(actor, action, f"instance {instance_id}")
        self._take_case_chain(row)
        return row

    def _change_status(
        self, row: ProcessInstance, expected: str, new: str, action: str, actor: str, reason: str
    ) -> None:
        status.change_status(
            self.session, row, expected, new, action, actor=actor, at=self.now(), reason=reason or None
        )
        for child in self._below(row.id, (expected,)):
            self._change_status(child, expected, new, action, actor, reason)

    @read_only.command
    def reassign_as_admin(self, task_id: str, actor: str, to_user: str, reason: str) -> TaskRow:
        """An administrator hands an open task to anyone who holds its role in its unit, with a reason.

        The case may be running or suspended (handing over moves nothing on); the event is
        `engine:task:reassigned`, as a colleague's hand-over, with the assignee before and after.
        """
        if not self.administers(actor):
            raise PermissionDenied(actor, "hand over as administrator", f"task {task_id}")
        if not reason.strip():
            raise PermissionDenied(actor, "hand over without a reason", f"task {task_id}")
        row = self.task(task_id)
        if row.state != task_rows.READY:
            raise TaskNotActive(f"task {row.title!r} is already {row.state}", task_id=task_id)
        case = self.instance(row.instance_id)
        if case.status not in (RUNNING, SUSPENDED):
            raise InstanceNotRunning(case.id, case.status)
        self._take_case_chain(case)
        return self._hand_over(row, actor, to_user, reason)
