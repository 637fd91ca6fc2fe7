"""reminder rounds (đôn đốc lần 2, lần 3, …) and the payload of message jobs

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
    op.create_table(
        "reminder_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", engine.types.UtcDateTime(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("notation", sa.String(length=100), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint("status IN ('drafting', 'issued')", name=op.f("ck_reminder_round_status")),
        sa.CheckConstraint("number >= 2", name=op.f("ck_reminder_round_number_from_two")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_round")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_reminder_round_case_id_number")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_reminder_round_instance_id")),
    )
    with op.batch_alter_table("reminder_round") as batch:
        batch.create_index("ix_reminder_round_case_id", ["case_id"])


def downgrade() -> None:
    op.drop_table("reminder_round")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("payload")
