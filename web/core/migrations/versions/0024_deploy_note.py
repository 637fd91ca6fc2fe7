"""deploy note: why a process version was deployed, in the administrator's words

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """process_definition.note: the note given at deployment (none for versions deployed before)."""
    op.add_column("process_definition", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the note."""
    op.drop_column("process_definition", "note")
