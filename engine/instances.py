"""Loading and saving one instance's SpiffWorkflow state, with its optimistic lock."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .definitions import ParsedProcess
from .errors import ConcurrencyConflict, WorkflowError
from .models import ProcessInstance
from .specs import timer_due


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, datetime]:
    """The workflow's waiting timers: task id and the moment each fires."""
    waiting: dict[str, datetime] = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            due = timer_due(task)
            if due is not None:
                waiting[str(task.id)] = due
    return waiting


def ready_user_tasks(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The workflow's ready user tasks by id."""
    return {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}


@dataclass
class LoadedInstance:
    """An instance row together with its live workflow and its definition's parsed spec."""

    row: ProcessInstance
    workflow: BpmnWorkflow
    parsed: ParsedProcess
    # What the state had waiting as it was loaded (nothing for a new instance), kept up to date at
    # each save: an open task row stands for each of these user tasks and a pending job for each
    # of these timers, so saving writes only the rows of what changed since (engine/task_rows.py,
    # engine/jobs.py) instead of reading them all first.
    ready_tasks: set[str] = field(init=False)
    waiting_timers: set[str] = field(init=False)
    # A workflow just built from its spec has nothing waiting yet: no need to walk its tasks.
    new: InitVar[bool] = False

    def __post_init__(self, new: bool) -> None:
        self.ready_tasks = set() if new else set(ready_user_tasks(self.workflow))
        self.waiting_timers = set() if new else set(waiting_timers(self.workflow))

    @property
    def metadata(self) -> dict[str, Any]:
        """Facts read from the definition's XML (roles, task properties)."""
        return self.parsed.metadata


def flush_or_conflict(
    session: Session, what: str, *, instance_id: int | None = None, task_id: str | None = None
) -> None:
    """Flush, turning a lost optimistic-lock race into a clear conflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise changed_meanwhile(what, instance_id=instance_id, task_id=task_id) from exc


def changed_meanwhile(what: str, *, instance_id: int | None = None, task_id: str | None = None) -> ConcurrencyConflict:
    """The conflict of a write that found its row changed since it was read (its optimistic lock lost)."""
    return ConcurrencyConflict(
        f"{what} was changed by someone else at the same time; nothing was saved, please reload",
        instance_id=instance_id,
        task_id=task_id,
    )


P = ParamSpec("P")
R = TypeVar("R")


def conflicts_translated(command: Callable[P, R]) -> Callable[P, R]:
    """Whatever flush inside a command loses an optimistic-lock race surfaces as a ConcurrencyConflict."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (StaleDataError, DBAPIError) as exc:
            if isinstance(exc, DBAPIError) and not lost_a_race(exc):
                raise
            raise changed_meanwhile("the case") from exc

    return wrapper


# PostgreSQL's verdicts on a transaction that met another one: deadlock detected, could not serialise.
_RACE_STATES = frozenset({"40P01", "40001"})


def lost_a_race(exc: DBAPIError) -> bool:
    """Whether the database refused the statement because of another transaction, not because of it.

    Commands on one case queue on its chain (engine/audit.py, `take_chain`), so two of them do not
    deadlock on its rows; a deadlock the database still breaks (a job's row and a case's chain,
    say) is a race the caller lost, told as the same conflict, its whole transaction rolled back.
    """
    return getattr(exc.orig, "sqlstate", None) in _RACE_STATES


def workflow_error(exc: SpiffWorkflowException) -> WorkflowError:
    """Keep SpiffWorkflow's context (task, line) on the engine's own error."""
    task = getattr(exc, "task", None)
    spec = getattr(getattr(task, "task_spec", None), "bpmn_id", None) if task is not None else None
    notes = " ".join(getattr(exc, "__notes__", []) or [])
    message = f"{exc} {notes}".strip()
    return WorkflowError(
        message,
        task_spec=spec,
        line_number=getattr(exc, "line_number", None) or None,
        error_line=getattr(exc, "error_line", None) or None,
    )
