"""the outgoing register lists where each document went

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """"Nơi nhận văn bản" of the outgoing register (ND30 Phụ lục IV); empty for earlier rows."""
    with op.batch_alter_table("outgoing_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipients", sa.Text(), nullable=True))


def downgrade() -> None:
    """Back to 0006."""
    with op.batch_alter_table("outgoing_document", schema=None) as batch_op:
        batch_op.drop_column("recipients")
