"""calendar days: the administrators' extra days off and compensatory working days, and their revision

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The calendar_day table and the one-row calendar_revision every process reads per unit of work."""
    op.create_table(
        "calendar_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", engine.types.UtcDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('day_off', 'working_day')", name=op.f("ck_calendar_day_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_day")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_day_day")),
    )
    revisions = op.create_table(
        "calendar_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revision")),
    )
    # The row every change updates (workflows.orgchart.calendar_days.FIRST_REVISION: no change yet).
    op.bulk_insert(revisions, [{"id": 1, "token": "0"}])


def downgrade() -> None:
    """Back to 0022: no calendar overrides."""
    op.drop_table("calendar_revision")
    op.drop_table("calendar_day")
