"""task step index: ready tasks per step and their arrival, for the supervisors' process diagram

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Counting the tasks waiting at each step, and their average arrival, reads this index alone."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_step", ["state", "spec_name", "created_at"], unique=False)


def downgrade() -> None:
    """Back to the indexes of 0014."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_step")
