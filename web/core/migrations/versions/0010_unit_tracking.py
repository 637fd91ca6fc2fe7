"""theo dõi thực hiện: one row per recipient unit of a directive

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_tracking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=50), nullable=False),
        sa.Column("lead_division", sa.String(length=50), nullable=True),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("report_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("acknowledge_by", sa.Date(), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("original_deadline", sa.Date(), nullable=True),
        sa.Column("awaiting_report", sa.Boolean(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("updated_at", engine.types.UtcDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done', 'closed')", name=op.f("ck_unit_tracking_status")),
        sa.CheckConstraint("reminders >= 0", name=op.f("ck_unit_tracking_reminders_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_tracking")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_unit_tracking_instance_id")),
    )
    with op.batch_alter_table("unit_tracking") as batch:
        batch.create_index("ix_unit_tracking_case_id", ["case_id"])
        batch.create_index("ix_unit_tracking_open_report", ["status", "awaiting_report", "deadline"])
        batch.create_index("ix_unit_tracking_open_acknowledge", ["status", "acknowledged_on", "acknowledge_by"])
        batch.create_index("ix_unit_tracking_unit", ["unit_code", "status"])
        batch.create_index("ix_unit_tracking_division", ["lead_division", "status"])


def downgrade() -> None:
    op.drop_table("unit_tracking")
