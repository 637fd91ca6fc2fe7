"""units carry their electronic identifier (mã định danh điện tử)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The identifier edXML packages address a unit by (QĐ 20/2020/QĐ-TTg); empty until declared."""
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organ_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Back to 0004."""
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_column("organ_id")
