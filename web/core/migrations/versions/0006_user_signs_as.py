"""users carry the authority mark they sign with (Q., TL., TUQ., TM.)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """How a leader who is not the head signs; empty keeps the deputy's KT."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signs_as", sa.String(length=8), nullable=True))


def downgrade() -> None:
    """Back to 0005."""
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("signs_as")
