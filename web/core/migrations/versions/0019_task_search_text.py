"""task search text: the inbox's search box reads the case's text from the task row

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URGENT = ["state", "role", "candidate_unit", "priority", "created_at", "assignee"]


def upgrade() -> None:
    """Each ready task carries its case's search text; on PostgreSQL the urgent order's index holds it too."""
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    # The same rule as engine.task_rows.keep_search_text, for the rows written before the column.
    op.execute(
        "UPDATE task SET search_text = "
        "(SELECT process_instance.search_text FROM process_instance WHERE process_instance.id = task.case_id) "
        "WHERE state = 'ready'"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_task_offered_urgent", table_name="task")
        op.create_index(
            "ix_task_offered_urgent", "task", URGENT, postgresql_include=["due_at", "spec_name", "id", "search_text"]
        )


def downgrade() -> None:
    """Back to 0018: the search joins the case again."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_task_offered_urgent", table_name="task")
        op.create_index("ix_task_offered_urgent", "task", URGENT)
    with op.batch_alter_table("task") as batch:
        batch.drop_column("search_text")
