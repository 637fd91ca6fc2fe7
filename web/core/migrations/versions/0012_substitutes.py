"""substitutes: an officer's substitute for the days they are away (out of office)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "substitution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absent_username", sa.String(length=64), nullable=False),
        sa.Column("substitute_username", sa.String(length=64), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", engine.types.UtcDateTime(), nullable=False),
        sa.Column("cancelled_by", sa.String(length=64), nullable=True),
        sa.Column("cancelled_at", engine.types.UtcDateTime(), nullable=True),
        sa.CheckConstraint("from_date <= to_date", name=op.f("ck_substitution_days_in_order")),
        sa.CheckConstraint("absent_username <> substitute_username", name=op.f("ck_substitution_not_oneself")),
        sa.ForeignKeyConstraint(
            ["absent_username"], ["app_user.username"], name=op.f("fk_substitution_absent_username_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["substitute_username"], ["app_user.username"], name=op.f("fk_substitution_substitute_username_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_substitution")),
    )
    with op.batch_alter_table("substitution") as batch:
        batch.create_index("ix_substitution_substitute", ["substitute_username", "to_date"])
        batch.create_index("ix_substitution_absent", ["absent_username", "to_date"])


def downgrade() -> None:
    op.drop_table("substitution")
