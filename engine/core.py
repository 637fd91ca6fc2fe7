"""The engine's loop, shared by every command: create or load an instance, run it to its next wait
state, keep its task rows, timers and children in step, and save it with an optimistic lock.

The commands themselves live in engine/runtime.py (definitions, starting, tasks),
engine/instance_commands.py (cancel, suspend, resume) and engine/job_commands.py (timers and
children handing back); each flushes but never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import ColumnElement, Select, Sequence, bindparam, func, inspect, select
from sqlalchemy.orm import Session

from . import audit, jobs, row_writes, task_rows
from .calls import call_inputs
from .errors import InstanceNotRunning, NotFound, PermissionDenied
from .instances import LoadedInstance, flush_or_conflict, workflow_error
from .models import ProcessDefinition, ProcessInstance, TaskRow
from .ports import ScriptContext
from .scripting import SandboxScriptEngine
from .services import EngineServices
from .specs import CHILD_INSTANCE_KEY, is_waiting_call
from .text import extend

RUNNING, SUSPENDED, COMPLETED, CANCELLED = "running", "suspended", "completed", "cancelled"
# The sequence behind process_instance.id on PostgreSQL (a SERIAL column's).
_INSTANCE_IDS = Sequence("process_instance_id_seq")


def _next_instance_id(dialect: str) -> ColumnElement[int]:
    """The id the next instance row takes, to read before writing it.

    PostgreSQL hands it out from the column's own sequence, never twice. SQLite gives a new row the
    largest id plus one; its writer holds the database's lock from its first statement (BEGIN
    IMMEDIATE, web/core/db.py), and the query flushes the instances this transaction added first.
    """
    if dialect == "postgresql":
        return _INSTANCE_IDS.next_value()
    return select(func.coalesce(func.max(ProcessInstance.id), 0) + 1).scalar_subquery()


class Version(NamedTuple):
    """A deployed version of a process, as a new instance needs it: the parsed spec is cached by id
    (definitions.SpecCache), so the definition's row is not loaded."""

    id: int
    version: int


def _latest_with_id(dialect: str) -> Select[int, int, int]:
    return (
        select(ProcessDefinition.id, ProcessDefinition.version, _next_instance_id(dialect))
        .where(ProcessDefinition.key == bindparam("key"))
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


# Built once per database kind: every start runs it.
_LATEST_WITH_ID: dict[str, Select[int, int, int]] = {}


@dataclass
class CommandResult:
    """What a command left behind: the instance it acted on and the tasks that became ready."""

    instance_id: int
    status: str
    new_tasks: list[TaskRow] = field(default_factory=list)


class EngineCore:
    """The state an engine command works on (one session, the services) and the loop it runs."""

    def __init__(self, session: Session, services: EngineServices) -> None:
        self.session = session
        self.services = services
        self.directory = services.directory(session)

    def now(self) -> datetime:
        """The engine's clock."""
        return self.services.clock.now()

    def instance(self, instance_id: int) -> ProcessInstance:
        """One instance row, or NotFound."""
        row = self.session.get(ProcessInstance, instance_id)
        if row is None:
            raise NotFound("process instance", instance_id)
        return row

    def task(self, task_id: str) -> TaskRow:
        """One task row, or NotFound."""
        row = self.session.get(TaskRow, task_id)
        if row is None:
            raise NotFound("task", task_id)
        return row

    def _take_case_chain(self, row: ProcessInstance) -> None:
        """Take the audit chain of the instance's case before writing any of its rows (engine/audit.py,
        `take_chain`), so that commands racing on one case queue in one order."""
        audit.take_chain(self.session, row.case_id or row.id)

    def _hand_over(
        self, row: TaskRow, actor: str, to_user: str, reason: str, *, on_behalf_of: str | None = None
    ) -> TaskRow:
        """Give a ready task to `to_user`, who must hold its role in its unit; the caller checked `actor`."""
        role, unit = row.role, row.candidate_unit
        if role is None or unit is None or not self.directory.may_act(to_user, role, unit):
            raise PermissionDenied(to_user, "receive", f"task {row.id}")
        before = row.assignee
        row.assignee = to_user
        flush_or_conflict(self.session, f"task {row.title!r}", task_id=row.id)
        audit.task_event(
            self.session,
            self.now(),
            row,
            "reassigned",
            actor,
            before={"assignee": before},
            after={"assignee": to_user},
            comment=reason,
            on_behalf_of=on_behalf_of,
        )
        return row

    # -- the engine loop --------------------------------------------------------------------

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
        definition: Version | None = None,
        instance_id: int | None = None,
    ) -> LoadedInstance:
        if definition is None or instance_id is None:
            definition, instance_id = self._definition_and_id(process_key)
        parsed = self.services.spec_cache.get_by_id(self.session, definition.id)
        # The id is known before the row is written, so the row goes out once, with its case, its
        # search text and (at the save) its state: one INSERT, no UPDATE after it.
        row = ProcessInstance(
            id=instance_id,
            case_id=parent.row.case_id if parent else (case_id or instance_id),
            definition_id=definition.id,
            process_key=process_key,
            parent_id=parent.row.id if parent else None,
            parent_task_id=parent_task_id,
            business_key=business_key,
            title=title,
            search_text=extend(None, title, business_key),
            status=RUNNING,
            state="",
            serializer_version=self.services.serializer.version,
            started_by=actor,
            started_at=self.now(),
        )
        self.session.add(row)
        if row.case_id == row.id:
            audit.new_chain(self.session, row.id)
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs)
        loaded = LoadedInstance(row, workflow, parsed, new=True)
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

    def _definition_and_id(self, process_key: str) -> tuple[Version, int]:
        """The newest version of a process and the id of a new instance of it, read in one statement."""
        dialect = self.session.get_bind().dialect.name
        query = _LATEST_WITH_ID.get(dialect)
        if query is None:
            query = _LATEST_WITH_ID[dialect] = _latest_with_id(dialect)
        found = self.session.execute(query, {"key": process_key}).first()
        if found is None:
            raise NotFound("process definition", process_key)
        return Version(found[0], found[1]), int(found[2])

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
        completed = loaded.workflow.completed and loaded.row.status == RUNNING
        new_tasks = task_rows.sync(self.session, loaded, now, self.services.business_timezone, self.services.priorities)
        if loaded.row.status == RUNNING and not completed:
            jobs.sync_timers(self.session, loaded, now)
        ended = {"status": COMPLETED, "ended_at": now} if completed else {}
        event = None
        if completed:
            event = audit.prepare(
                self.session,
                "engine:instance:completed",
                actor=actor,
                at=now,
                case_id=loaded.row.case_id,
                instance_id=loaded.row.id,
            )
        # The instance written once (a new one with its state), then its new task rows and other rows;
        # an instance that ended records it and cancels its pending jobs in the same statement where it can.
        jobs_cancelled = self._save(loaded, new_tasks, ended, event)
        # Asked after the save, whose flush the directory's query would otherwise set off half-way
        # (a new instance written without its state, then updated); a refusal still stores nothing,
        # as the command's unit of work rolls back.
        task_rows.require_someone(new_tasks, self.directory)
        if completed:
            if not jobs_cancelled:
                jobs.cancel_pending(self.session, loaded.row.id, now)
            if loaded.row.parent_id is not None:
                jobs.queue_resume(self.session, loaded.row.parent_id, loaded.row.id, now)
        return new_tasks

    def _start_children(self, loaded: LoadedInstance, actor: str) -> None:
        for call in [t for t in loaded.workflow.get_tasks(state=TaskState.STARTED) if is_waiting_call(t)]:
            child_key = call.task_spec.spec
            definition, child_id = self._definition_and_id(child_key)
            inputs = call_inputs(call, self.services.spec_cache.get_by_id(self.session, definition.id).spec)
            child = self._create(
                child_key,
                actor,
                inputs,
                title=loaded.row.title,
                business_key=loaded.row.business_key,
                parent=loaded,
                parent_task_id=str(call.id),
                definition=definition,
                instance_id=child_id,
            )
            call.internal_data[CHILD_INSTANCE_KEY] = child.row.id
            # The call keeps only what it passed on: 300 children must not mean 300 copies of the case.
            call.data = deepcopy(inputs)
            self._advance(child, actor)

    def _save(
        self,
        loaded: LoadedInstance,
        new_tasks: Iterable[TaskRow] = (),
        changes: Mapping[str, Any] | None = None,
        event: row_writes.Along | None = None,
    ) -> bool:
        """Write the instance with its state and `changes` (status, ended_at), the `event` audit.prepare
        made, and its new task rows; what else the command changed goes out with the flush after.
        Whether the instance's pending jobs were cancelled with it (PostgreSQL, an instance that
        ended, no job waiting to be written)."""
        row = loaded.row
        saved = {
            "search_text": extend(row.search_text, row.title, row.business_key),
            "state": self.services.serializer.dump(loaded.workflow),
            "serializer_version": self.services.serializer.version,
            **(changes or {}),
        }
        # The instance first, straight to its row (engine/row_writes.py), then its new task rows; its
        # other rows (jobs, children's) with the flush after.
        pending_tasks = [task for task in new_tasks if inspect(task).pending]
        jobs_cancelled = False
        if inspect(row).persistent:
            jobs_cancelled = self._write_instance(row, saved, event)
            row_writes.insert(self.session, pending_tasks)
        else:
            self._insert_instance(row, saved, event, pending_tasks)
        flush_or_conflict(self.session, f"case {row.case_id}", instance_id=row.id)
        task_rows.keep_search_text(self.session, row.case_id)
        return jobs_cancelled

    def _write_instance(self, row: ProcessInstance, saved: dict[str, Any], event: row_writes.Along | None) -> bool:
        """Update a stored instance to `saved`, with its optimistic lock; on PostgreSQL `event` and, for
        an instance that ended, the cancelling of its jobs go in the same statement. Whether they did."""
        postgresql = self.session.get_bind().dialect.name == "postgresql"
        if saved["search_text"] != row.search_text:
            task_rows.owe_search_text(self.session, row.id)
        along = []
        if event is not None:
            if postgresql:
                along.append(event)
            else:
                audit.send(self.session, event)
        # Jobs still to be written (none, nearly always) would escape the cancelling: not then.
        cancel = saved.get("status") in (COMPLETED, CANCELLED) and postgresql and not self.session.new
        if cancel:
            along.append(jobs.cancelling(row.id, saved["ended_at"]))
        row_writes.write(self.session, row, saved, f"case {row.case_id}", instance_id=row.id, along=along)
        if cancel:
            jobs.cancelled_in_session(self.session, row.id, saved["ended_at"])
        return cancel

    def _insert_instance(
        self, row: ProcessInstance, saved: dict[str, Any], event: row_writes.Along | None, tasks: list[TaskRow]
    ) -> None:
        """A new instance: its values set as attributes (the session's listeners see them); a case's
        top instance written at once with its task rows (one statement on PostgreSQL), a child's with
        the flush after, which writes its parent, perhaps unwritten yet, first."""
        if event is not None:
            audit.send(self.session, event)
        for name, value in saved.items():
            setattr(row, name, value)
        if row.parent_id is None:
            row_writes.insert(self.session, [row], tasks)
