"""audit trail: one hash chain per case (and one for the agency) instead of one global chain

Every event gets a `chain` ("case:<case_id>", or "agency" for an event of no case) and its `seq`
becomes its position in that chain, unique per (chain, seq) instead of globally; the unique
constraint's index also serves to find a chain's head. Existing events are re-chained here, in
their old order: each chain is numbered from 1 and every `prev_hash` and `hash` recomputed.

The hashing is copied into this file as it stands at this revision (`_canonical_0016` for the
global chain, `_canonical_0017` for the per-case ones) rather than imported from engine.audit: a
migration must rebuild the same rows whenever it runs, even after engine.audit hashes differently
(keyed hashes are planned), and a later revision would then re-hash the trail itself.

Re-chaining rewrites every hash, so it would also bless an event edited before the upgrade: the old
chain is verified first, and the upgrade stops if it is broken (`directive-flow audit verify` shows
where). Downgrading verifies the per-case chains and re-chains the other way, in id order.

Revision ID: 0017
Revises: 0016
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import engine.types

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000

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
)


def _body(row: Any, seq: int, prev_hash: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "tag": row.tag,
        "actor": row.actor,
        "at": row.at.isoformat(),
        "case_id": row.case_id,
        "instance_id": row.instance_id,
        "task_id": row.task_id,
        "before": row.before,
        "after": row.after,
        "comment": row.comment,
        "prev_hash": prev_hash,
    }


def _digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_0016(row: Any, seq: int, prev_hash: str) -> str:
    """The hash of an event in the one global chain (engine.audit up to revision 0016)."""
    return _digest(_body(row, seq, prev_hash))


def _canonical_0017(row: Any, chain: str, seq: int, prev_hash: str) -> str:
    """The hash of an event in its case's chain (engine.audit from revision 0017)."""
    return _digest({**_body(row, seq, prev_hash), "chain": chain})


def _chain_of(case_id: int | None) -> str:
    return "agency" if case_id is None else f"case:{case_id}"


def _in_order(connection: sa.Connection, column: sa.ColumnClause[Any]) -> Iterator[Any]:
    """Every event in the order of `column` (seq or id), a batch at a time, by keyset on that column.

    Rows already rewritten are never read again: a rewritten seq is never larger than the old one.
    """
    last = None
    while True:
        query = sa.select(_events).order_by(column).limit(BATCH)
        if last is not None:
            query = query.where(column > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield from rows
        last = getattr(rows[-1], column.name)


def _rewrite(connection: sa.Connection, changes: list[dict[str, Any]]) -> None:
    if changes:
        connection.execute(
            _events.update()
            .where(_events.c.id == sa.bindparam("event_id"))
            .values(
                chain=sa.bindparam("new_chain"),
                seq=sa.bindparam("new_seq"),
                prev_hash=sa.bindparam("new_prev"),
                hash=sa.bindparam("new_hash"),
            ),
            changes,
        )
        changes.clear()


def _rechain_per_case(connection: sa.Connection) -> None:
    """Verify the global chain, then number and hash each event again within its case's chain."""
    expected_prev, expected_seq = GENESIS, 1
    heads: dict[str, tuple[int, str]] = {}
    changes: list[dict[str, Any]] = []
    for row in _in_order(connection, _events.c.seq):
        if (row.seq, row.prev_hash, row.hash) != (
            expected_seq,
            expected_prev,
            _canonical_0016(row, row.seq, row.prev_hash),
        ):
            raise _broken(row, f"seq {row.seq} of the global chain")
        expected_prev, expected_seq = row.hash, row.seq + 1
        chain = _chain_of(row.case_id)
        seq, prev = heads.get(chain, (0, GENESIS))
        new_hash = _canonical_0017(row, chain, seq + 1, prev)
        heads[chain] = (seq + 1, new_hash)
        changes.append(
            {"event_id": row.id, "new_chain": chain, "new_seq": seq + 1, "new_prev": prev, "new_hash": new_hash}
        )
        if len(changes) >= BATCH:
            _rewrite(connection, changes)
    _rewrite(connection, changes)


def _broken(row: Any, reason: str) -> RuntimeError:
    return RuntimeError(
        f"the audit trail is broken at event {row.id} ({reason}); re-chaining it would hide that. "
        "Run `directive-flow audit verify` and restore the trail first."
    )


def _verify_per_case(connection: sa.Connection) -> None:
    """Check every case's chain (each in id order, which is its seq order when the engine wrote it)."""
    heads: dict[str, tuple[int, str]] = {}
    for row in _in_order(connection, _events.c.id):
        seq, prev = heads.get(row.chain, (0, GENESIS))
        if (row.seq, row.prev_hash) != (seq + 1, prev) or row.hash != _canonical_0017(row, row.chain, row.seq, prev):
            raise _broken(row, f"{row.chain} #{row.seq}")
        heads[row.chain] = (row.seq, row.hash)


def _rechain_globally(connection: sa.Connection) -> None:
    """Number and hash every event again in one chain, in id order (the global order)."""
    seq, prev = 0, GENESIS
    changes: list[dict[str, Any]] = []
    for row in _in_order(connection, _events.c.id):
        seq += 1
        new_hash = _canonical_0016(row, seq, prev)
        changes.append(
            {"event_id": row.id, "new_chain": row.chain, "new_seq": seq, "new_prev": prev, "new_hash": new_hash}
        )
        prev = new_hash
        if len(changes) >= BATCH:
            _rewrite(connection, changes)
    _rewrite(connection, changes)


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint("uq_audit_event_seq", type_="unique")
        batch.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
    _rechain_per_case(op.get_bind())
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("chain", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_audit_event_chain_seq", ["chain", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint("uq_audit_event_chain_seq", type_="unique")
    _verify_per_case(op.get_bind())
    _rechain_globally(op.get_bind())
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("chain")
        batch.create_unique_constraint("uq_audit_event_seq", ["seq"])
