"""audit trail: events sealed with an HMAC under a key outside the database; the table refuses UPDATE and DELETE

Each event gets `key_id`, the id of the audit key its seal (`hash`) is computed under, and the
existing per-case chains are re-sealed here in their order: every `prev_hash` and `hash` becomes
the HMAC-SHA256, under the current audit key, of the event's canonical text (a JSON array of its
columns as stored, the JSON columns as their text: engine/audit.py `canonical`). The keys come from
the command that runs the migration (`directive-flow db upgrade` or `setup` pass the configured
ones in the Alembic config's attributes); without them, the well-known "unkeyed" key seals, which
`audit verify` with the agency's keys refuses: re-run the upgrade from the command line then.

Re-sealing would also bless an event edited before the upgrade, so the per-case chains are
verified first (their SHA-256 hashing copied from revision 0017, as it was) and the upgrade stops
if one is broken. Then triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the table:
their text is copied from engine/audit_guard.py as it stands at this revision.

Downgrading drops the triggers, verifies the seals and hashes the chains again with SHA-256.

Revision ID: 0020
Revises: 0019
"""

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000
MESSAGE = "audit events are append-only"

_events = sa.table(
    "audit_event",
    sa.column("id", sa.BigInteger()),
    sa.column("chain", sa.String(64)),
    sa.column("seq", sa.BigInteger()),
    sa.column("tag", sa.String(200)),
    sa.column("actor", sa.String(100)),
    sa.column("at", engine.types.UtcDateTime()),
    sa.column("case_id", sa.Integer()),
    sa.column("instance_id", sa.Integer()),
    sa.column("task_id", sa.String(36)),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("comment", sa.Text()),
    sa.column("prev_hash", sa.String(64)),
    sa.column("hash", sa.String(64)),
    sa.column("key_id", sa.String(32)),
)

_POSTGRESQL_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
_POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)
_SQLITE_CREATE = tuple(
    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for verb in ("UPDATE", "DELETE")
)
_SQLITE_DROP = ("DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete")


def _keys() -> tuple[str, dict[str, bytes]]:
    """The id of the key to seal with and every key known, from the command running the migration."""
    keys = op.get_context().config.attributes.get("audit_keys")  # type: ignore[union-attr]
    if keys is None:
        return "unkeyed", {"unkeyed": b""}
    return keys.current, dict(keys.keys)


def _sha256_0017(row: Any, prev_hash: str) -> str:
    """The hash of an event in its case's chain (engine.audit at revision 0017)."""
    body = {
        "chain": row.chain,
        "seq": row.seq,
        "tag": row.tag,
        "actor": row.actor,
        "at": row.at.isoformat(),
        "case_id": row.case_id,
        "instance_id": row.instance_id,
        "task_id": row.task_id,
        "before": json.loads(row.before_text) if row.before_text is not None else None,
        "after": json.loads(row.after_text) if row.after_text is not None else None,
        "comment": row.comment,
        "prev_hash": prev_hash,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sealed_0020(row: Any, prev_hash: str, key: bytes) -> str:
    """The seal of an event (engine.audit from revision 0020): HMAC-SHA256 of its canonical text.

    The canonical text is the JSON array the database's own function writes: with a space after
    each comma on PostgreSQL (json_build_array), without on SQLite (json_array).
    """
    fields = [
        row.chain,
        row.seq,
        row.tag,
        row.actor,
        row.at.astimezone(UTC).isoformat(),
        row.case_id,
        row.instance_id,
        row.task_id,
        row.before_text,
        row.after_text,
        row.comment,
        prev_hash,
    ]
    separators = (",", ":") if op.get_bind().dialect.name == "sqlite" else (", ", ": ")
    body = json.dumps(fields, ensure_ascii=False, separators=separators).encode("utf-8")
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _in_order(connection: sa.Connection) -> Iterator[Any]:
    """Every event in id order (each chain's seq order when the engine wrote it), a batch at a time."""
    columns = [c for c in _events.c if c.name not in ("before", "after")]
    last = None
    while True:
        query = sa.select(
            *columns,
            sa.cast(_events.c.before, sa.Text).label("before_text"),
            sa.cast(_events.c.after, sa.Text).label("after_text"),
        )
        query = query.order_by(_events.c.id).limit(BATCH)
        if last is not None:
            query = query.where(_events.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _rewrite(connection: sa.Connection, changes: list[dict[str, Any]]) -> None:
    if changes:
        connection.execute(
            _events.update()
            .where(_events.c.id == sa.bindparam("event_id"))
            .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash"), key_id=sa.bindparam("new_key")),
            changes,
        )
        changes.clear()


def _broken(row: Any) -> RuntimeError:
    return RuntimeError(
        f"the audit trail is broken at event {row.id} ({row.chain} #{row.seq}); re-sealing it would hide that. "
        "Run `directive-flow audit verify` and restore the trail first."
    )


def _reseal(connection: sa.Connection, check: Any, seal: Any, key_id: str) -> None:
    """Verify each chain with `check(row, prev)`, then give each event `seal(row, new prev)` as its hash."""
    old_heads: dict[str, tuple[int, str]] = {}
    new_heads: dict[str, str] = {}
    changes: list[dict[str, Any]] = []
    for row in _in_order(connection):
        seq, prev = old_heads.get(row.chain, (0, GENESIS))
        if (row.seq, row.prev_hash) != (seq + 1, prev) or not check(row, prev):
            raise _broken(row)
        old_heads[row.chain] = (row.seq, row.hash)
        new_prev = new_heads.get(row.chain, GENESIS)
        new_heads[row.chain] = seal(row, new_prev)
        changes.append({"event_id": row.id, "new_prev": new_prev, "new_hash": new_heads[row.chain], "new_key": key_id})
        if len(changes) >= BATCH:
            _rewrite(connection, changes)
    _rewrite(connection, changes)


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("key_id", sa.String(length=32), nullable=True))
    current, keys = _keys()
    _reseal(
        op.get_bind(),
        lambda row, prev: row.hash == _sha256_0017(row, prev),
        lambda row, prev: _sealed_0020(row, prev, keys[current]),
        current,
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("key_id", existing_type=sa.String(length=32), nullable=False)
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL_CREATE if dialect == "postgresql" else _SQLITE_CREATE if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL_DROP if dialect == "postgresql" else _SQLITE_DROP if dialect == "sqlite" else ():
        op.execute(statement)
    _current, keys = _keys()

    def sealed(row: Any, prev: str) -> bool:
        return row.key_id in keys and row.hash == _sealed_0020(row, prev, keys[row.key_id])

    _reseal(op.get_bind(), sealed, _sha256_0017, "sha256")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("key_id")
