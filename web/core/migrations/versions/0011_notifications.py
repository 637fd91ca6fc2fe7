"""notifications: delivery state on the outbox, each person's messages, the e-mail preference

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        # Rows queued before delivery existed are waiting for it.
        batch.add_column(sa.Column("status", sa.String(length=16), server_default="pending", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", engine.types.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_at", engine.types.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("fanned_out_at", engine.types.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("link", sa.String(length=200), nullable=True))
        batch.create_check_constraint(
            op.f("ck_notification_status"), "status IN ('pending', 'sending', 'sent', 'failed')"
        )
        batch.create_index("ix_notification_due", ["status", "next_attempt_at"])
    op.create_table(
        "user_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.types.UtcDateTime(), nullable=False),
        sa.Column("read_at", engine.types.UtcDateTime(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"], ["notification.id"], name=op.f("fk_user_notification_notification_id_notification")
        ),
        sa.ForeignKeyConstraint(
            ["username"], ["app_user.username"], name=op.f("fk_user_notification_username_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notification")),
        sa.UniqueConstraint("username", "notification_id", name=op.f("uq_user_notification_username_notification_id")),
    )
    with op.batch_alter_table("user_notification") as batch:
        batch.create_index("ix_user_notification_unread", ["username", "read_at"])
        batch.create_index("ix_user_notification_listing", ["username", "created_at"])
        batch.create_index("ix_user_notification_notification_id", ["notification_id"])
    op.create_table(
        "notification_preference",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", engine.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["app_user.username"], name=op.f("fk_notification_preference_username_app_user")
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_notification_preference")),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    op.drop_table("user_notification")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_due")
        batch.drop_constraint(op.f("ck_notification_status"), type_="check")
        batch.drop_column("link")
        batch.drop_column("fanned_out_at")
        batch.drop_column("claimed_at")
        batch.drop_column("next_attempt_at")
        batch.drop_column("status")
