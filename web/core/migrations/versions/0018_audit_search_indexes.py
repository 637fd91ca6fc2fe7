"""audit search indexes: the auditors' search across cases by day, person, task and decision

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The indexes workflows/audit/indexes.py declares, for workflows/audit/search.py."""
    # Plain CREATE INDEX, not a batch: on SQLite a batch may copy the table, and the audit table's
    # rows must never be rewritten.
    op.create_index("ix_audit_event_at", "audit_event", ["at"], unique=False)
    op.create_index("ix_audit_event_actor_at", "audit_event", ["actor", "at"], unique=False)
    op.create_index("ix_audit_event_task", "audit_event", ["task_id"], unique=False)
    decided = sa.text("decision IS NOT NULL")
    op.create_index(
        "ix_task_decision", "task", ["decision", "role"], unique=False, postgresql_where=decided, sqlite_where=decided
    )


def downgrade() -> None:
    """Back to the indexes of 0017."""
    op.drop_index("ix_task_decision", table_name="task")
    op.drop_index("ix_audit_event_task", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_at", table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
