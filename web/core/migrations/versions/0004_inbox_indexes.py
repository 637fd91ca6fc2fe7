"""inbox indexes carry the deadline

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The inbox's filters on the deadline stay on the inbox indexes."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_inbox")
        batch_op.drop_index("ix_task_assignee")
        batch_op.create_index("ix_task_inbox", ["state", "role", "candidate_unit", "due_at"], unique=False)
        batch_op.create_index("ix_task_assignee", ["state", "assignee", "due_at"], unique=False)


def downgrade() -> None:
    """Back to the indexes of 0003."""
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_inbox")
        batch_op.drop_index("ix_task_assignee")
        batch_op.create_index("ix_task_inbox", ["state", "role", "candidate_unit"], unique=False)
        batch_op.create_index("ix_task_assignee", ["state", "assignee"], unique=False)
