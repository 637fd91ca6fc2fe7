"""What the database itself does for the audit table: it refuses UPDATE and DELETE (PostgreSQL and
SQLite triggers), and on PostgreSQL it hands an appender its chain's head under the chain's lock.

Events are only ever added; a bug of the application that tried to rewrite or remove one fails
loudly instead of rewriting history. Someone who owns the database can still drop the triggers:
the seals and checkpoints (engine/audit.py, engine/audit_checkpoints.py) are what catch that.
The same statements are attached to the table for `create_all` (tests) and run by the migration
that introduced them; the migration keeps its own copy of the text, as migrations do.
"""

from __future__ import annotations

from sqlalchemy import DDL, event
from sqlalchemy.sql.expression import FromClause

MESSAGE = "audit events are append-only"

POSTGRESQL_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)
SQLITE_CREATE = tuple(
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete")


# The chain's advisory lock and its head in one round trip (engine/audit.py, `_next_place`). A
# function, not one statement: a statement reads the table as it stood when the statement began,
# before any wait for the lock, whereas each statement inside a volatile function reads it anew, so
# the head is read after the lock is held and sees what the previous holder committed.
POSTGRESQL_HEAD_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_chain_head(lock_class integer, lock_key integer, chain_name varchar) "
    "RETURNS TABLE (seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$ BEGIN "
    "PERFORM pg_advisory_xact_lock(lock_class, lock_key); "
    "RETURN QUERY SELECT e.seq::bigint, e.hash::varchar FROM audit_event e "
    "WHERE e.chain = chain_name ORDER BY e.seq DESC LIMIT 1; END $$"
)
POSTGRESQL_HEAD_FUNCTION_DROP = "DROP FUNCTION IF EXISTS audit_chain_head(integer, integer, varchar)"


def statements(dialect: str, *, create: bool = True) -> tuple[str, ...]:
    """The statements that add (or remove) the refusal on one kind of database; none on others."""
    if dialect == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    return ()


def refuse_changes(table: FromClause) -> None:
    """Create the triggers whenever `table` is created from the metadata."""
    for dialect in ("postgresql", "sqlite"):
        for statement in statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))  # type: ignore[no-untyped-call]
    head = DDL(POSTGRESQL_HEAD_FUNCTION).execute_if(dialect="postgresql")  # type: ignore[no-untyped-call]
    event.listen(table, "after_create", head)
    # The function outlives the table on PostgreSQL; the next create_all replaces it.
