"""What the engine needs from the outside, as small protocols chosen in one composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from .bpmn_checks import Problem


class Directory(Protocol):
    """Who holds which role in which unit, whom a person stands in for on a day (out of office),
    whether a person may only read (holds nothing but a read-only role such as auditor), and whether
    a person administers the system (holds the administrator's role in some unit: they may hold,
    release, cancel, hand over and migrate any case, engine/instance_commands.py)."""

    def may_act(self, username: str, role: str, unit_code: str) -> bool: ...

    def anyone_holds(self, role: str, unit_code: str) -> bool: ...

    def colleagues(self, username: str) -> list[str]: ...

    def stands_in_for(self, username: str, on: date) -> list[str]: ...

    def reads_only(self, username: str) -> bool: ...

    def administers(self, username: str) -> bool: ...


class FormValidator(Protocol):
    """Validates a user task's data before the engine sees it; raises with every bad field.

    `now` is the engine's clock, for rules such as "not a date in the past"; `task_data` is a copy
    of the task's data before this submission, for rules that weigh it against the case so far.
    """

    def validate(
        self, form_key: str, data: Mapping[str, Any], *, now: datetime, task_data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ScriptContext:
    """What a script function may know about the command it runs in."""

    session: Session
    now: datetime
    actor: str
    instance_id: int
    case_id: int


class ScriptFunctions(Protocol):
    """Builds the allow-listed functions BPMN scripts may call, bound to one command."""

    def __call__(self, context: ScriptContext) -> Mapping[str, Callable[..., Any]]: ...


class DeployCheck(Protocol):
    """The domain's checks of one process before it is deployed (its forms exist, its lanes are roles).

    `metadata` is what engine/definitions.py `read_metadata` reads from the file: the user tasks
    with their lane's role and their properties. Each problem names its element and a hint.
    """

    def __call__(self, session: Session, process_id: str, metadata: Mapping[str, Any]) -> list[Problem]: ...
