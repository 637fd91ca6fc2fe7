"""process drafts: BPMN files being edited in the modeler, saved before they are deployed

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The process_draft table: process key, base version, XML, note, revision, who saved it and when."""
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", engine.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_draft")),
    )
    op.create_index("ix_process_draft_key", "process_draft", ["process_key", "saved_at"])


def downgrade() -> None:
    """Back to 0021: no drafts."""
    op.drop_index("ix_process_draft_key", table_name="process_draft")
    op.drop_table("process_draft")
