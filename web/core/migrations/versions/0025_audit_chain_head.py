"""audit chain head: on PostgreSQL, the chain's lock and its head in one round trip

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The function as this revision creates it (engine/audit_guard.py holds the current text): it takes
# the chain's advisory lock, then reads the chain's last event, a new snapshot after the wait.
_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_chain_head(lock_class integer, lock_key integer, chain_name varchar) "
    "RETURNS TABLE (seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$ BEGIN "
    "PERFORM pg_advisory_xact_lock(lock_class, lock_key); "
    "RETURN QUERY SELECT e.seq::bigint, e.hash::varchar FROM audit_event e "
    "WHERE e.chain = chain_name ORDER BY e.seq DESC LIMIT 1; END $$"
)
_DROP = "DROP FUNCTION IF EXISTS audit_chain_head(integer, integer, varchar)"


def upgrade() -> None:
    """audit_chain_head(lock_class, lock_key, chain) on PostgreSQL; nothing on SQLite (one writer at a time)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    """Drop the function."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_DROP)
