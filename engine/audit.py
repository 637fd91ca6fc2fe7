"""The audit trail: append-only events, each hashed with the one before it in its chain.

Events are kept in chains, so that recording what happens in one case never waits for another:
every event of a case belongs to the chain ``case:<case_id>``, and the few events that belong to no
case (deployments, settings, substitutes) to the single chain ``agency``. Within a chain, `seq`
numbers the events 1, 2, 3… and each carries the hash of its predecessor (`GENESIS` for the first)
and a hash of its own content, chain and position. The global order of events is their primary key.

Appends to one chain are serialised: on PostgreSQL by a transaction-scoped advisory lock keyed by
the chain (writers of different cases take different locks and never wait for each other), on
SQLite by its single writer; the unique (chain, seq) constraint is the last line of defence.

`verify` walks every chain and finds, within it, an edited event, an event inserted or moved, and a
deleted event that had successors. What it cannot find without an anchor outside the database: the
last events of a chain deleted, a whole chain deleted, or events re-ordered across chains by
renumbering their ids (their hashed `at` still tells the true order). Nor does an unkeyed hash stop
someone with write access from recomputing a whole chain. Keyed hashes (HMAC) and signed checkpoints
of each chain's head are a later step.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from .models import AuditEvent, ProcessDefinition, TaskRow

GENESIS = "0" * 64
AGENCY_CHAIN = "agency"
# The first key of PostgreSQL's two-key advisory locks ("AUDT"): the audit's own namespace of locks.
_ADVISORY_LOCK_CLASS = 0x41554454


def chain_of(case_id: int | None) -> str:
    """The chain an event joins: its case's, or the agency's for events of no case."""
    return AGENCY_CHAIN if case_id is None else f"case:{case_id}"


def _lock_key(chain: str) -> int:
    # A signed 32-bit digest of the chain: two chains sharing a key only ever wait for each other.
    return int.from_bytes(hashlib.blake2b(chain.encode("utf-8"), digest_size=4).digest(), "big", signed=True)


def _canonical(event: AuditEvent) -> str:
    body = {
        "chain": event.chain,
        "seq": event.seq,
        "tag": event.tag,
        "actor": event.actor,
        "at": event.at.isoformat(),
        "case_id": event.case_id,
        "instance_id": event.instance_id,
        "task_id": event.task_id,
        "before": event.before,
        "after": event.after,
        "comment": event.comment,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, given its content, its place in its chain and its predecessor's hash."""
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def append(
    session: Session,
    tag: str,
    *,
    actor: str,
    at: datetime,
    case_id: int | None = None,
    instance_id: int | None = None,
    task_id: str | None = None,
    before: Any = None,
    after: Any = None,
    comment: str | None = None,
) -> AuditEvent:
    """Add one event (`source:subject:action`) at the head of its case's chain (or the agency's)."""
    if tag.count(":") != 2 or not all(tag.split(":")):
        raise ValueError(f"audit tag {tag!r} is not source:subject:action")
    chain = chain_of(case_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:audit, :chain)"),
            {"audit": _ADVISORY_LOCK_CLASS, "chain": _lock_key(chain)},
        )
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    event = AuditEvent(
        chain=chain,
        seq=seq,
        tag=tag,
        actor=actor,
        at=at,
        case_id=case_id,
        instance_id=instance_id,
        task_id=task_id,
        before=_jsonable(before),
        after=_jsonable(after),
        comment=comment,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def _jsonable(value: Any) -> Any:
    # Store exactly what will be hashed again on verification.
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class ChainBreak:
    """Where verification found a chain broken, and why: the event (its id) and its place (chain, seq)."""

    event_id: int
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"event {self.event_id} ({self.chain} #{self.seq}): {self.reason}"


def _events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every event in (chain, seq) order, read a batch at a time."""
    query = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq).limit(batch)
    rows = session.scalars(query).all()
    while rows:
        yield from rows
        last = rows[-1]
        rows = session.scalars(query.where(tuple_(AuditEvent.chain, AuditEvent.seq) > (last.chain, last.seq))).all()


def verify(session: Session) -> list[ChainBreak]:
    """Walk every chain; an empty list means no event was edited, inserted, moved or removed before a chain's head.

    Within each chain (events in seq order) it reports an event after a gap ("events missing"), an
    event whose `prev_hash` is not its predecessor's hash, an event whose content no longer gives
    its hash, and an event filed in a chain other than its case's.
    """
    breaks = []
    chain, expected_prev, expected_seq = None, GENESIS, 1
    for event in _events(session):
        if event.chain != chain:
            chain, expected_prev, expected_seq = event.chain, GENESIS, 1
        where = (event.id, event.chain, event.seq)
        if event.seq != expected_seq:
            breaks.append(ChainBreak(*where, f"expected event {expected_seq}: events missing"))
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(*where, "does not follow the event before it"))
        if event_hash(event) != event.hash:
            breaks.append(ChainBreak(*where, "content differs from its hash"))
        if event.chain != chain_of(event.case_id):
            breaks.append(ChainBreak(*where, f"belongs to chain {chain_of(event.case_id)}"))
        expected_prev, expected_seq = event.hash, event.seq + 1
    return breaks


def trail(session: Session, case_id: int) -> list[AuditEvent]:
    """Every event of one case, oldest first (its chain in order)."""
    query = select(AuditEvent).where(AuditEvent.chain == chain_of(case_id)).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def task_event(
    session: Session,
    at: datetime,
    row: TaskRow,
    action: str,
    actor: str,
    *,
    before: Any = None,
    after: Mapping[str, Any] | None = None,
    comment: str | None = None,
    on_behalf_of: str | None = None,
) -> None:
    """Append `engine:task:<action>` for a task row, naming its step, its title and whom a substitute acted for."""
    standing_in = {"on_behalf_of": on_behalf_of} if on_behalf_of else {}
    append(
        session,
        f"engine:task:{action}",
        actor=actor,
        at=at,
        case_id=row.case_id,
        instance_id=row.instance_id,
        task_id=row.id,
        before=before,
        after={"task": row.spec_name, "title": row.title, **(after or {}), **standing_in},
        comment=comment,
    )


def definition_deployed(
    session: Session, at: datetime, actor: str, definition: ProcessDefinition, filename: str
) -> None:
    """Append `engine:definition:deployed` for a new version of a process."""
    after = {"key": definition.key, "version": definition.version, "checksum": definition.checksum}
    append(session, "engine:definition:deployed", actor=actor, at=at, after={**after, "filename": filename})
