"""inbox at scale: indexes in the inbox's orders for tasks offered to a role in a unit

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFFERED = ["state", "role", "candidate_unit"]


def upgrade() -> None:
    """A page of the inbox reads its first rows in order; the step filter skips through an index."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_offered_urgent", [*OFFERED, "priority", "created_at", "assignee"], unique=False)
        batch_op.create_index("ix_task_offered_received", [*OFFERED, "created_at", "assignee"], unique=False)
        batch_op.create_index("ix_task_offered_steps", [*OFFERED, "spec_name", "title", "assignee"], unique=False)


def downgrade() -> None:
    """Back to the indexes of 0012."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_offered_steps")
        batch_op.drop_index("ix_task_offered_received")
        batch_op.drop_index("ix_task_offered_urgent")
