"""Moving live instances from one deployed version of a process to another.

SpiffWorkflow compares the two specs and the instance's tasks (`SpecDiff`, `WorkflowDiff`, as its
`diff_workflow` does, in SpiffWorkflow/bpmn/util/diff.py): each old step is aligned with a new one by its
BPMN id, or by its place in the flow when its id changed; the rest are removed. `migrate_workflow`
then puts the instance on the new spec and predicts again from its waiting steps.

An instance can move when it is running and nothing it stands on is gone: no step it waits at, no
timer waiting, no child instance's call and no step it already went through (its history names
every step it passed) was removed, no waiting step became another kind of element, no waiting call
calls another process. Each instance of the version moves on its own — a child instance with its
own process key when that process is migrated, never with its parent — and the one that cannot
stays where it is with the reasons (`Obstacle`).

The dry run (`plan_migration`) loads and compares each instance and stores nothing. The real run
(`migrate`) moves each instance in a savepoint of its own: one that fails is rolled back alone and
stays on the old version with the reason; one that moves gets the new definition, its open task
rows brought up to the new version (title, role, unit, due date), new steps run to their wait
state, its timers kept (a waiting timer keeps the moment it fires), and the event
`engine:instance:migrated` with both versions. Both are for administrators only.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from . import audit, read_only, task_rows
from .core import RUNNING, SUSPENDED, EngineCore
from .definitions import ParsedProcess
from .errors import ConcurrencyConflict, EngineError, NotFound, PermissionDenied
from .instances import LoadedInstance
from .models import ProcessDefinition, ProcessInstance, TaskRow
from .specs import ExternalCallActivity

#: Why an instance cannot move (`Obstacle.kind`); the page says each in words.
NOT_RUNNING = "not_running"  # suspended: resume it first
WAITING_REMOVED = "waiting_removed"  # a step it waits at is not in the new version
TIMER_REMOVED = "timer_removed"  # a timer waiting to fire is not in the new version
CALL_REMOVED = "call_removed"  # a call activity whose child instance runs is not in the new version
CALL_CHANGED = "call_changed"  # that call now calls another process
KIND_CHANGED = "kind_changed"  # a waiting step became another kind of element
DONE_REMOVED = "done_removed"  # a step it went through is not in the new version (its history needs it)
SUBPROCESS_REMOVED = "subprocess_removed"  # an embedded subprocess it is in is not in the new version
FAILED = "failed"  # the move was tried and refused (a new step no one may do…), `detail` says why
CONFLICT = "conflict"  # someone acted on the case while it was being moved: they win, it stays

#: How many instances one dry run or one run looks at: a run is one request; the rest wait for the next.
BATCH = 200
_LIVE = (RUNNING, SUSPENDED)
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_DONE = TaskState.COMPLETED | TaskState.ERROR


class MigrationRefused(EngineError):
    """A migration that cannot be asked for at all: the versions are not two versions of one process."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Obstacle:
    """One reason an instance cannot move: its kind, the step it concerns (as the BPMN names it), any detail."""

    kind: str
    step: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class CaseMove:
    """One instance of the old version: where it stands and whether (else why not) it can move or moved."""

    instance_id: int
    case_id: int
    title: str | None
    business_key: str | None
    status: str
    steps: tuple[str, ...]
    obstacles: tuple[Obstacle, ...] = ()

    @property
    def can_move(self) -> bool:
        """Whether nothing stands in the way."""
        return not self.obstacles


@dataclass
class MigrationPlan:
    """The instances of a version, each with its verdict; `remaining` counts those beyond this batch."""

    source: ProcessDefinition
    target: ProcessDefinition
    cases: list[CaseMove] = field(default_factory=list)
    remaining: int = 0

    @property
    def movable(self) -> list[CaseMove]:
        """The instances that can move (or moved)."""
        return [case for case in self.cases if case.can_move]


def _name(spec: Any) -> str:
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _is_timer(spec: Any) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def current_steps(workflow: Any) -> tuple[str, ...]:
    """The named steps an instance waits at: its ready user tasks, waiting events and running calls."""
    names: list[str] = []
    for task in workflow.get_tasks(state=_WAITING):
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) is None or spec.name.endswith(("Split", "Join")):
            continue  # SpiffWorkflow's own plumbing (boundary-event splits and joins) is no step of the diagram
        if task.state == TaskState.STARTED and not isinstance(spec, ExternalCallActivity):
            continue
        name = _name(spec)
        if name not in names:
            names.append(name)
    return tuple(names)


def diff_instance(
    registry: Any, workflow: Any, target: ParsedProcess, specs: dict[Any, Any]
) -> tuple[Any, dict[Any, Any]]:
    """SpiffWorkflow's `diff_workflow`, with each pair of specs compared once for a whole batch.

    The cases of one version share its parsed spec, and comparing two specs is most of the cost of
    a case's diff; `specs` keeps each `SpecDiff` (which only reads the specs) for the next case.
    """

    def spec_diff(old: Any, new: Any) -> Any:
        key = (id(old), id(new))
        if key not in specs:
            specs[key] = SpecDiff(registry, old, new)
        return specs[key]

    top = WorkflowDiff(workflow, spec_diff(workflow.spec, target.spec))
    sub_diffs: dict[Any, Any] = {}
    for sp_id, sp in workflow.subprocesses.items():
        new = target.subprocess_specs.get(sp.spec.name)
        sub_diffs[sp_id] = WorkflowDiff(sp, spec_diff(sp.spec, new)) if new is not None else None
    return top, sub_diffs


def obstacles(
    registry: Any, workflow: Any, target: ParsedProcess, specs: dict[Any, Any] | None = None
) -> tuple[list[Obstacle], Any, dict[Any, Any]]:
    """What stops `workflow` from moving to `target` (SpiffWorkflow's diff), with the diffs to migrate by."""
    top, sub_diffs = diff_instance(registry, workflow, target, {} if specs is None else specs)
    found: list[Obstacle] = []
    for sp_id, sp_diff in sub_diffs.items():
        if sp_diff is None:
            found.append(Obstacle(SUBPROCESS_REMOVED, _name(workflow.subprocesses[sp_id].spec)))
    removed = list(top.removed) + [t for d in sub_diffs.values() if d is not None for t in d.removed]
    for task in removed:
        spec = task.task_spec
        if spec.name in ("Start", "End") or spec.name.endswith(("Split", "Join", "EndJoin")):
            continue
        if task.has_state(TaskState.PREDICTED_MASK) or task.state == TaskState.CANCELLED:
            continue  # predicted again from the new version, or never ran
        if task.state == TaskState.STARTED and isinstance(spec, LoopTask):
            continue  # a multi-instance step: each of its instances below it is named instead
        if task.state == TaskState.WAITING and _is_timer(spec):
            found.append(Obstacle(TIMER_REMOVED, _name(spec)))
        elif task.state == TaskState.STARTED and isinstance(spec, ExternalCallActivity):
            found.append(Obstacle(CALL_REMOVED, _name(spec)))
        elif task.has_state(_WAITING):
            found.append(Obstacle(WAITING_REMOVED, _name(spec)))
        elif task.has_state(_DONE):
            found.append(Obstacle(DONE_REMOVED, _name(spec)))
    alignment = dict(top.alignment)
    for d in sub_diffs.values():
        if d is not None:
            alignment.update(d.alignment)
    for task in workflow.get_tasks(state=_WAITING):
        new = alignment.get(task)
        if new is None:
            continue
        if type(new) is not type(task.task_spec):
            found.append(Obstacle(KIND_CHANGED, _name(task.task_spec)))
        elif isinstance(new, ExternalCallActivity) and new.spec != task.task_spec.spec:
            found.append(Obstacle(CALL_CHANGED, _name(task.task_spec), f"{task.task_spec.spec} → {new.spec}"))
    unique = list(dict.fromkeys(found))
    return unique, top, sub_diffs


def move_workflow(workflow: Any, target: ParsedProcess, top: Any, sub_diffs: dict[Any, Any]) -> None:
    """Put the workflow on `target` with SpiffWorkflow's `migrate_workflow`, keeping what it would forget.

    It re-predicts from the waiting steps by resetting them, which gives each its parent's data and
    empties its internal data: a step's data changed while it waited (a message moved a deadline)
    would be lost, a multi-instance step would forget its item, a waiting timer would start counting
    again. So each waiting step keeps its own data and internal data. Steps it predicted from the old
    version that the new one does not have are dropped; the new version's are predicted when their
    turn comes.
    """
    waiting = TaskState.READY | TaskState.WAITING
    kept = {
        task.id: (task.state, deepcopy(task.data), deepcopy(task.internal_data))
        for task in workflow.get_tasks(state=waiting)
    }
    for sp_id, sp_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        migrate_workflow(sp_diff, subprocess, target.subprocess_specs[subprocess.spec.name])
    migrate_workflow(top, workflow, target.spec)
    workflow.subprocess_specs = target.subprocess_specs
    trees = [workflow, *workflow.subprocesses.values()]
    for task_id, (state, data, internal) in kept.items():
        task = next((tree.tasks[task_id] for tree in trees if task_id in tree.tasks), None)
        if task is not None and task.state == state:
            task.data = data
            task.internal_data = {**task.internal_data, **internal}
    specs = {id(spec) for spec in target.spec.task_specs.values()}
    for process_spec in target.subprocess_specs.values():
        specs.update(id(spec) for spec in process_spec.task_specs.values())
    stale = [t for t in workflow.get_tasks(state=TaskState.PREDICTED_MASK) if id(t.task_spec) not in specs]
    for task in stale:
        if task.id in task.workflow.tasks:
            task.workflow._remove_task(task.id)


class MigrationCommands(EngineCore):
    """The dry run and the migration, mixed into `Engine` through engine/instance_commands.py."""

    def _migration_versions(self, actor: str, from_id: int, to_id: int) -> tuple[ProcessDefinition, ProcessDefinition]:
        if not self.directory.administers(actor):
            raise PermissionDenied(actor, "migrate", f"process version {from_id}")
        source = self.session.get(ProcessDefinition, from_id)
        target = self.session.get(ProcessDefinition, to_id)
        if source is None:
            raise NotFound("process definition", from_id)
        if target is None:
            raise NotFound("process definition", to_id)
        if source.key != target.key:
            raise MigrationRefused(f"{source.key} v{source.version} and {target.key} v{target.version} differ")
        if source.id == target.id:
            raise MigrationRefused(f"{source.key} v{source.version} is the version the cases are on")
        return source, target

    def _live_on(self, source: ProcessDefinition, only: Sequence[int] | None) -> tuple[list[ProcessInstance], int]:
        where = [ProcessInstance.definition_id == source.id, ProcessInstance.status.in_(_LIVE)]
        if only is not None:
            where.append(ProcessInstance.id.in_(list(only)))
        query = select(ProcessInstance).where(*where).order_by(ProcessInstance.id)
        rows = list(self.session.scalars(query.limit(BATCH)))
        if len(rows) < BATCH:
            return rows, 0
        # Beyond the batch only how many are left matters, counted no further than the next batches.
        beyond = select(ProcessInstance.id).where(*where).limit(BATCH * 20).subquery()
        return rows, max(int(self.session.scalar(select(func.count()).select_from(beyond)) or 0) - BATCH, 0)

    def _verdict(
        self, row: ProcessInstance, actor: str, target: ParsedProcess, specs: dict[Any, Any]
    ) -> tuple[CaseMove, Any]:
        loaded = self._load(row.id, actor, require_running=False)
        found, top, sub_diffs = obstacles(self.services.serializer.registry, loaded.workflow, target, specs)
        if row.status != RUNNING:
            found.insert(0, Obstacle(NOT_RUNNING, detail=row.status))
        case = CaseMove(
            row.id,
            row.case_id or row.id,
            row.title,
            row.business_key,
            row.status,
            current_steps(loaded.workflow),
            tuple(found),
        )
        return case, (loaded, top, sub_diffs)

    def plan_migration(self, from_id: int, to_id: int, actor: str) -> MigrationPlan:
        """The dry run: each live instance of `from_id`, whether it can move to `to_id` and why not; stores nothing."""
        source, target = self._migration_versions(actor, from_id, to_id)
        parsed = self.services.spec_cache.get(target)
        rows, remaining = self._live_on(source, None)
        plan = MigrationPlan(source, target, remaining=remaining)
        specs: dict[Any, Any] = {}  # the spec comparisons the batch shares (see `diff_instance`)
        for row in rows:
            plan.cases.append(self._verdict(row, actor, parsed, specs)[0])
        return plan

    @read_only.command
    def migrate(self, from_id: int, to_id: int, actor: str, only: Sequence[int] | None = None) -> MigrationPlan:
        """Move each live instance of `from_id` (or of `only` among them) that can move to `to_id`, each in a savepoint.

        The plan returned says, per instance, that it moved (no obstacle) or why it stayed.
        """
        source, target = self._migration_versions(actor, from_id, to_id)
        parsed = self.services.spec_cache.get(target)
        rows, remaining = self._live_on(source, only)
        plan = MigrationPlan(source, target, remaining=remaining)
        specs: dict[Any, Any] = {}  # the spec comparisons the batch shares (see `diff_instance`)
        for row in rows:
            case, (loaded, top, sub_diffs) = self._verdict(row, actor, parsed, specs)
            if case.can_move:
                failure = self._move(loaded, actor, source, target, parsed, top, sub_diffs)
                if failure is not None:
                    case = replace(case, obstacles=(failure,))
            plan.cases.append(case)
        return plan

    def _move(
        self,
        loaded: LoadedInstance,
        actor: str,
        source: ProcessDefinition,
        target: ProcessDefinition,
        parsed: ParsedProcess,
        top: Any,
        sub_diffs: dict[Any, Any],
    ) -> Obstacle | None:
        """Move one instance in its own savepoint; why it failed (everything of it rolled back), or None."""
        instance_id = loaded.row.id
        try:
            with self.session.begin_nested():
                self._take_case_chain(loaded.row)
                move_workflow(loaded.workflow, parsed, top, sub_diffs)
                loaded.parsed = parsed
                loaded.row.definition_id = target.id
                self._refresh_open_rows(loaded)
                self._advance(loaded, actor)
                audit.append(
                    self.session,
                    "engine:instance:migrated",
                    actor=actor,
                    at=self.now(),
                    case_id=loaded.row.case_id,
                    instance_id=instance_id,
                    before={"process": source.key, "version": source.version, "definition": source.id},
                    after={"process": target.key, "version": target.version, "definition": target.id},
                )
        except (StaleDataError, ConcurrencyConflict):
            # Someone acted on the case since it was read (a flush met the optimistic lock).
            self.session.expire_all()
            return Obstacle(CONFLICT)
        except (EngineError, SpiffWorkflowException, KeyError, AttributeError) as exc:
            # The savepoint is rolled back: the instance stays on its version, as it was stored.
            self.session.expire_all()
            return Obstacle(FAILED, detail=str(exc) or type(exc).__name__)
        return None

    def _refresh_open_rows(self, loaded: LoadedInstance) -> None:
        """Bring the open task rows of steps still waiting up to the new version (title, role, unit, due date)."""
        now, zone = self.now(), self.services.business_timezone
        waiting = {str(t.id): t for t in loaded.workflow.get_tasks(state=TaskState.READY, manual=True)}
        refreshed: list[TaskRow] = []
        for task_id in sorted(loaded.ready_tasks & set(waiting)):
            row = self.session.get(TaskRow, task_id)
            if row is None or row.state != task_rows.READY:
                continue
            fresh = task_rows.new_row(loaded, waiting[task_id], now, zone, self.services.priorities)
            for column in ("spec_name", "title", "detail", "form_key", "role", "candidate_unit", "priority", "due_at"):
                setattr(row, column, getattr(fresh, column))
            if fresh.assignee and row.assignee is None:
                row.assignee = fresh.assignee
            refreshed.append(row)
        task_rows.require_someone(refreshed, self.directory)
