"""Driving a case through the engine's public API as the users whose role each step is.

Each step is its own unit of work, given by the caller (the CLI, a test, a benchmark), so the
state goes through the database between every two steps exactly as it does for real users.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import TaskRow
from engine.runtime import CommandResult, Engine

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

Transaction = Callable[[], AbstractContextManager[Engine]]


@dataclass
class StepRecord:
    """One step as the trail shows it."""

    at: datetime
    actor: str
    step: str
    unit: str | None
    decision: str | None
    comment: str | None


@dataclass
class Rehearsal:
    """A case driven step by step on a manual clock."""

    transaction: Transaction
    clock: ManualClock
    run_jobs: Callable[[], Any]
    case_id: int | None = None
    steps: list[StepRecord] = field(default_factory=list)

    def at(self, moment: str) -> None:
        """Set the clock to a local time, 'YYYY-MM-DD HH:MM' (Asia/Ho_Chi_Minh)."""
        day, clock_time = moment.split(" ")
        self.clock.set(datetime.combine(datetime.fromisoformat(day).date(), time.fromisoformat(clock_time), LOCAL))

    def start(self, process_key: str, actor: str, data: Mapping[str, Any] | None = None) -> int:
        """Start the case as `actor`."""
        with self.transaction() as engine:
            result = engine.start(process_key, actor, data)
        self.case_id = result.instance_id
        return result.instance_id

    def pending(self, spec_name: str | None = None, unit: str | None = None) -> list[TaskRow]:
        """Ready tasks of this case, optionally of one step and one candidate unit."""
        with self.transaction() as engine:
            return self._ready(engine, spec_name, unit)

    def _ready(self, engine: Engine, spec_name: str | None, unit: str | None) -> list[TaskRow]:
        query = select(TaskRow).where(TaskRow.case_id == self.case_id, TaskRow.state == "ready")
        if spec_name is not None:
            query = query.where(TaskRow.spec_name == spec_name)
        if unit is not None:
            # A unit's own steps are offered to it; the Sở's steps about it name it in `detail`.
            query = query.where((TaskRow.candidate_unit == unit) | (TaskRow.detail == unit))
        return list(engine.session.scalars(query.order_by(TaskRow.created_at, TaskRow.id)))

    def data(self) -> dict[str, Any]:
        """The case's current data."""
        with self.transaction() as engine:
            return engine.data(self.case_id or 0)

    def do(self, actor: str, spec_name: str, data: Mapping[str, Any], *, unit: str | None = None) -> CommandResult:
        """Complete the one ready task of this step (for this unit) as `actor`, in one transaction."""
        with self.transaction() as engine:
            tasks = self._ready(engine, spec_name, unit)
            if len(tasks) != 1:
                where = f" for {unit}" if unit else ""
                raise LookupError(f"expected one ready task {spec_name!r}{where}, found {len(tasks)}")
            task = tasks[0]
            result = engine.complete(task.id, actor, data)
        self.steps.append(
            StepRecord(
                self.clock.now(), actor, task.title, unit, _text(data.get("decision")), _text(data.get("comment"))
            )
        )
        return result

    def tick(self) -> Any:
        """Let the worker run whatever is due at the current clock."""
        return self.run_jobs()


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
