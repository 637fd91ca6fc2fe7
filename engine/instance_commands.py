"""Commands on a whole instance: cancel it with everything below it, hold it and let it go on."""

from __future__ import annotations

from sqlalchemy import select

from . import audit, cancel_rules, jobs, read_only, status, task_rows
from .calls import current_data
from .core import CANCELLED, COMPLETED, RUNNING, SUSPENDED, EngineCore
from .errors import InstanceNotRunning, PermissionDenied
from .instances import LoadedInstance
from .models import ProcessInstance


class InstanceCommands(EngineCore):
    """Cancel, suspend and resume, mixed into `Engine` (engine/runtime.py)."""

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
