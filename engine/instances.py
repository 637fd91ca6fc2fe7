"""Loading and saving one instance's SpiffWorkflow state, with its optimistic lock."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .definitions import ParsedProcess
from .errors import ConcurrencyConflict, WorkflowError
from .models import ProcessInstance


@dataclass
class LoadedInstance:
    """An instance row together with its live workflow and its definition's parsed spec."""

    row: ProcessInstance
    workflow: BpmnWorkflow
    parsed: ParsedProcess

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
        raise ConcurrencyConflict(
            f"{what} was changed by someone else at the same time; nothing was saved, please reload",
            instance_id=instance_id,
            task_id=task_id,
        ) from exc


P = ParamSpec("P")
R = TypeVar("R")


def conflicts_translated(command: Callable[P, R]) -> Callable[P, R]:
    """Whatever flush inside a command loses an optimistic-lock race surfaces as a ConcurrencyConflict."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except StaleDataError as exc:
            raise ConcurrencyConflict(
                "the case was changed by someone else at the same time; nothing was saved, please reload"
            ) from exc

    return wrapper


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
