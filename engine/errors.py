"""The engine's exceptions. They carry data for the caller to present; never HTTP statuses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class EngineError(Exception):
    """Base class of everything the engine raises on purpose."""


class NotFound(EngineError):
    """A definition, instance or task that does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class DeploymentError(EngineError):
    """A BPMN file that cannot be deployed; `problems` lists every reason found, as text.

    `details` keeps them as given: engine/bpmn_checks.Problem objects name the element and a hint.
    """

    def __init__(self, filename: str, problems: Sequence[object]) -> None:
        self.problems = [str(problem) for problem in problems]
        super().__init__(f"{filename}: " + "; ".join(self.problems))
        self.filename = filename
        self.details = list(problems)


class ConcurrencyConflict(EngineError):
    """Someone else changed the same instance or task first; nothing of this command was stored."""

    def __init__(self, message: str, *, instance_id: int | None = None, task_id: str | None = None) -> None:
        super().__init__(message)
        self.instance_id = instance_id
        self.task_id = task_id


class TaskNotActive(ConcurrencyConflict):
    """The task is no longer waiting for anyone (completed, cancelled, or never was)."""


class PermissionDenied(EngineError):
    """The actor may not perform this command on this task or instance."""

    def __init__(self, actor: str, action: str, target: str) -> None:
        super().__init__(f"{actor} may not {action} {target}")
        self.actor = actor
        self.action = action
        self.target = target


class ReadOnlyActor(PermissionDenied):
    """The actor holds only roles that read (an auditor): no command may change anything in their name."""

    def __init__(self, actor: str, action: str) -> None:
        super().__init__(actor, action, "anything: they may only read")


class JobCannotRun(EngineError):
    """A job that cannot do what it is for; trying again would not help, so it becomes an incident."""


class NoOneToDoTask(EngineError):
    """A step would become a task that nobody may do: no assignee, and nobody holds its role in its unit.

    Raised before anything is stored, so the command that reached the step changes nothing.
    """

    def __init__(
        self,
        spec_name: str,
        title: str,
        *,
        role: str | None,
        unit: str | None,
        assignee: str | None = None,
        instance_id: int | None = None,
    ) -> None:
        who = f"assignee {assignee!r} as {role!r} in {unit!r}" if assignee else f"nobody holds {role!r} in {unit!r}"
        super().__init__(f"task {spec_name!r} ({title}) could be done by no one: {who}")
        self.spec_name = spec_name
        self.title = title
        self.role = role
        self.unit = unit
        self.assignee = assignee
        self.instance_id = instance_id


class InvalidTaskData(EngineError):
    """Form data refused before the engine looked at it; `errors` lists each bad field."""

    def __init__(self, form_key: str, errors: Sequence[Any]) -> None:
        super().__init__(f"invalid data for form {form_key!r}: " + "; ".join(str(e) for e in errors))
        self.form_key = form_key
        self.errors = list(errors)


class InstanceNotRunning(EngineError):
    """A command that needs a running instance met a suspended, completed or cancelled one."""

    def __init__(self, instance_id: int, status: str) -> None:
        super().__init__(f"instance {instance_id} is {status}")
        self.instance_id = instance_id
        self.status = status


class WorkflowError(EngineError):
    """The process itself failed (a script, a condition, missing data), with SpiffWorkflow's context."""

    def __init__(
        self,
        message: str,
        *,
        task_spec: str | None = None,
        line_number: int | None = None,
        error_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.task_spec = task_spec
        self.line_number = line_number
        self.error_line = error_line
