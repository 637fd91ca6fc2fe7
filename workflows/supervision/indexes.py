"""Indexes of the engine's task table that the supervision board reads through.

They live here, not in engine/models.py, because what they hold is this layer's idea: which task
rows are "the units' own part" (docs/lifecycle.md §3). workflows/models.py imports this module so
that the schema and the migrations know them.
"""

from __future__ import annotations

from sqlalchemy import Index

from engine.models import TaskRow

# The task rows the board reads: ready, and not a unit's own part. A step offered to the very unit
# it is about (its `detail`, as the unit execution process's acknowledge and report are) is that
# unit's part, followed through its tracking row instead. Partial indexes with this predicate
# (below) hold only these rows, so the board never walks past the units' million own tasks.
WAITING_ELSEWHERE = (TaskRow.state == "ready") & (TaskRow.detail.is_(None) | (TaskRow.detail != TaskRow.candidate_unit))
Index(
    "ix_task_board_due", TaskRow.due_at, TaskRow.id, postgresql_where=WAITING_ELSEWHERE, sqlite_where=WAITING_ELSEWHERE
)
Index(
    "ix_task_board_place_due",
    TaskRow.candidate_unit,
    TaskRow.due_at,
    TaskRow.id,
    postgresql_where=WAITING_ELSEWHERE,
    sqlite_where=WAITING_ELSEWHERE,
)
