"""supervision board: the day of what a unit owes now, and the task rows outside the units' own part

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit_tracking") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    # The same rule as UnitTracking.due_day(), for the rows written before the column.
    op.execute(
        "UPDATE unit_tracking SET due_on = CASE"
        " WHEN status <> 'open' THEN NULL"
        " WHEN acknowledged_on IS NULL THEN acknowledge_by"
        " WHEN awaiting_report THEN deadline"
        " ELSE NULL END"
    )
    with op.batch_alter_table("unit_tracking") as batch:
        batch.create_index("ix_unit_tracking_due", ["due_on", "id"])
        batch.create_index("ix_unit_tracking_unit_due", ["unit_code", "due_on", "id"])
        batch.create_index("ix_unit_tracking_division_due", ["lead_division", "due_on", "id"])
    # workflows/supervision/indexes.py: ready task rows that are not a unit's own part.
    elsewhere = sa.text("state = 'ready' AND (detail IS NULL OR detail <> candidate_unit)")
    with op.batch_alter_table("task") as batch:
        batch.create_index("ix_task_board_due", ["due_at", "id"], postgresql_where=elsewhere, sqlite_where=elsewhere)
        batch.create_index(
            "ix_task_board_place_due",
            ["candidate_unit", "due_at", "id"],
            postgresql_where=elsewhere,
            sqlite_where=elsewhere,
        )


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_board_place_due")
        batch.drop_index("ix_task_board_due")
    with op.batch_alter_table("unit_tracking") as batch:
        batch.drop_index("ix_unit_tracking_division_due")
        batch.drop_index("ix_unit_tracking_unit_due")
        batch.drop_index("ix_unit_tracking_due")
        batch.drop_column("due_on")
