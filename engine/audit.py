"""The audit trail: append-only events, each sealed with the one before it in its chain.

Events are kept in chains, so that recording what happens in one case never waits for another:
every event of a case belongs to the chain ``case:<case_id>``, and the few events that belong to no
case (deployments, settings, substitutes) to the single chain ``agency``. Within a chain, `seq`
numbers the events 1, 2, 3… and each carries the seal of its predecessor (`GENESIS` for the first)
and a seal of its own: an HMAC-SHA256, under a key the database does not hold (engine/audit_keys.py),
of its canonical text (`canonical`: its content, chain, position and predecessor's seal). The
global order of events is their primary key.

Appends to one chain are serialised: on PostgreSQL by a transaction-scoped advisory lock keyed by
the chain (writers of different cases take different locks and never wait for each other), on
SQLite by its single writer; the unique (chain, seq) constraint is the last line of defence. The
table itself refuses UPDATE and DELETE (engine/audit_guard.py).

`verify` (engine/audit_verify.py) walks every chain and finds an edited, inserted, moved or removed
event, an event sealed without the key, and, against the signed checkpoints of each chain's head
written outside the database (engine/audit_checkpoints.py), the last events of a chain or a whole
chain deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Required, TypedDict, Unpack, cast

from sqlalchemy import ColumnElement, Executable, Insert, Table, bindparam, func, select, text
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.selectable import LateralFromClause

from .audit_keys import AuditKeys, keys_of
from .models import AuditEvent, ProcessDefinition, TaskRow

GENESIS = "0" * 64
AGENCY_CHAIN = "agency"
# The first key of PostgreSQL's two-key advisory locks ("AUDT"): the audit's own namespace of locks.
_ADVISORY_LOCK_CLASS = 0x41554454


def chain_of(case_id: int | None) -> str:
    """The chain an event joins: its case's, or the agency's for events of no case."""
    return AGENCY_CHAIN if case_id is None else f"case:{case_id}"


def _lock_key(chain: str) -> int:
    # A case's chain is keyed by its case id (a query can name it, see `locked_case_head`); the
    # agency's by a signed 32-bit digest. Two chains sharing a key only ever wait for each other.
    if chain.startswith("case:"):
        return int(chain.removeprefix("case:"))
    return int.from_bytes(hashlib.blake2b(chain.encode("utf-8"), digest_size=4).digest(), "big", signed=True)


def locked_case_head(case_id: ColumnElement[int]) -> LateralFromClause:
    """On PostgreSQL, the chain of the case `case_id` names, taken inside another query: joined
    (LATERAL) to the row that says which case, it takes the chain's lock and reads its head (no
    row for an empty chain), saving the round trip of `take_chain`; `chain_taken` then records it.

    The query's own rows are read before the lock is waited for, as they would be by a query sent
    before `take_chain`; the head is read after (engine/audit_guard.py, audit_chain_head).
    """
    chain_name = func.concat("case:", case_id)
    return func.audit_chain_head(_ADVISORY_LOCK_CLASS, case_id, chain_name).table_valued("seq", "hash").lateral()


def chain_taken(session: Session, case_id: int, seq: int | None, prev_hash: str | None) -> None:
    """Record the case's chain as taken by this transaction, with the head `locked_case_head` read
    (none for an empty chain), as `take_chain` would have."""
    head = (seq, prev_hash) if seq is not None and prev_hash is not None else (0, GENESIS)
    session.info.setdefault(_HEADS, {}).setdefault(chain_of(case_id), head)


# The JSON array text each database's own function writes (PostgreSQL's json_build_array puts a space
# after each comma, SQLite's json_array none; both escape strings as Python's json does with
# ensure_ascii off), so that the database can write an event's canonical text when verifying.
_ENCODERS = {
    "postgresql": json.JSONEncoder(ensure_ascii=False),
    "sqlite": json.JSONEncoder(ensure_ascii=False, separators=(",", ":")),
}


def canonical_encoder(dialect: str) -> json.JSONEncoder:
    """The JSON encoder of `dialect`'s canonical texts."""
    return _ENCODERS.get(dialect, _ENCODERS["postgresql"])


def canonical(dialect: str, fields: list[Any]) -> bytes:
    """The bytes an event is sealed over: a JSON array of its columns as stored, as `dialect` writes it.

    The fields, in order: chain, seq, tag, actor, at (ISO 8601 text of the UTC moment), case_id,
    instance_id, task_id, before, after (the JSON text the columns hold, never re-encoded data),
    comment, prev_hash. On SQLite engine/audit_verify.py has the database build the same text.
    """
    return canonical_encoder(dialect).encode(fields).encode("utf-8")


def event_hash(event: AuditEvent, keys: AuditKeys, dialect: str) -> str:
    """The seal an event must carry, under the key it names, given its content, place and predecessor."""
    fields = [event.chain, event.seq, event.tag, event.actor, event.at.astimezone(UTC).isoformat(), event.case_id]
    fields += [event.instance_id, event.task_id, json.dumps(event.before), json.dumps(event.after)]
    return keys.seal(canonical(dialect, [*fields, event.comment, event.prev_hash]), event.key_id)


class EventFields(TypedDict, total=False):
    """What an event says besides its tag: who and when (both required); the case, instance and task it
    concerns; the data before and after; a comment."""

    actor: Required[str]
    at: Required[datetime]
    case_id: int | None
    instance_id: int | None
    task_id: str | None
    before: Any
    after: Any
    comment: str | None


def append(session: Session, tag: str, **fields: Unpack[EventFields]) -> AuditEvent:
    """Add one event (`source:subject:action`) at the head of its case's chain (or the agency's), sealed."""
    event = _sealed(session, tag, fields)
    # Written now, as a plain row: the ORM's unit of work would cost every command more than the
    # INSERT itself, and nothing reads an event back as an object in the transaction that wrote it.
    # The id is the global order: events are numbered as appended.
    session.connection().execute(_INSERT_EVENT, {column: getattr(event, column) for column in _EVENT_COLUMNS})
    return event


def prepare(session: Session, tag: str, **fields: Unpack[EventFields]) -> tuple[Insert, dict[str, Any]]:
    """An event placed at the head of its chain and sealed as `append` does, for the caller to send
    at once with another statement (engine/row_writes.py, `along`): the INSERT and its parameters.

    The chain's head has moved: the caller sends it before anything else is appended or read.
    """
    event = _sealed(session, tag, fields)
    return _INSERT_EVENT_ALONG, {f"event_{column}": getattr(event, column) for column in _EVENT_COLUMNS}


def send(session: Session, prepared: tuple[Executable, Mapping[str, Any]]) -> None:
    """Send an event `prepare` made, on its own."""
    session.connection().execute(*prepared)


def _sealed(session: Session, tag: str, fields: EventFields) -> AuditEvent:
    actor, at, case_id = fields["actor"], fields["at"], fields.get("case_id")
    instance_id, task_id, comment = fields.get("instance_id"), fields.get("task_id"), fields.get("comment")
    before, after = fields.get("before"), fields.get("after")
    if tag.count(":") != 2 or not all(tag.split(":")):
        raise ValueError(f"audit tag {tag!r} is not source:subject:action")
    chain = chain_of(case_id)
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    seq, prev_hash = _next_place(session, chain) if chain not in heads else (heads[chain][0] + 1, heads[chain][1])
    # The JSON columns hold json.dumps of the data (SQLAlchemy's serializer on both databases): the
    # seal covers that text, which verifying reads back as it is.
    before_text, after_text = _stored_json(before), _stored_json(after)
    keys = keys_of(session)
    event = AuditEvent(
        chain=chain,
        seq=seq,
        tag=tag,
        actor=actor,
        at=at,
        case_id=case_id,
        instance_id=instance_id,
        task_id=task_id,
        before=json.loads(before_text),
        after=json.loads(after_text),
        comment=comment,
        prev_hash=prev_hash,
        key_id=keys.current,
    )
    columns = [chain, seq, tag, actor, at.astimezone(UTC).isoformat(), case_id, instance_id, task_id, before_text]
    body = canonical(session.get_bind().dialect.name, [*columns, after_text, comment, prev_hash])
    event.hash = keys.seal(body)
    heads[chain] = (seq, event.hash)
    return event


def new_chain(session: Session, case_id: int) -> None:
    """Record that this transaction creates case `case_id`: its chain is empty, so its first event
    follows `GENESIS` without taking the chain's lock or reading its head.

    Only for an id nobody else can hold yet (a new instance's, from the database's own sequence):
    no other writer can append to the chain before this transaction commits, and the unique
    (chain, seq) would refuse one that did.
    """
    session.info.setdefault(_HEADS, {})[chain_of(case_id)] = (0, GENESIS)


def take_chain(session: Session, case_id: int) -> None:
    """Take the case's chain (its lock and its head) before writing any row of the case.

    A command that writes a case's rows first and appends its event after would hold a row while
    waiting for the chain, and another command holding the chain while waiting for that row would
    be caught with it in a deadlock. Commands on a case call this first, while nothing of theirs is
    written yet, so that all of them queue on the chain in one order and the later one meets the
    earlier one's rows as a conflict. The head read now serves the command's first event: no
    statement is added. Without effect when the transaction holds the chain already.
    """
    chain = chain_of(case_id)
    heads: dict[str, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    if chain not in heads:
        seq, prev_hash = _next_place(session, chain)
        heads[chain] = (seq - 1, prev_hash)


def _next_place(session: Session, chain: str) -> tuple[int, str]:
    """The chain's next seq and the seal it follows, its lock taken first (held until the transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        # The lock, then the head, in one round trip (engine/audit_guard.py, audit_chain_head).
        head = session.execute(_LOCKED_HEAD, {"audit": _ADVISORY_LOCK_CLASS, "key": _lock_key(chain), "chain": chain})
    else:
        head = session.execute(_HEAD, {"chain": chain})
    found = head.first()
    return (found[0] + 1, found[1]) if found else (1, GENESIS)


# Built once: SQLAlchemy then finds each compiled statement without walking a new expression per event.
_LOCKED_HEAD = text("SELECT seq, hash FROM audit_chain_head(:audit, :key, :chain)")
_EVENTS = AuditEvent.__table__.c  # plain rows: no ORM loading for a read made at every append
_EVENT_COLUMNS = [column.key for column in _EVENTS if column.key != "id"]
_INSERT_EVENT = cast(Table, AuditEvent.__table__).insert()
# The same, its parameters named apart from those of the statement it goes along with.
_INSERT_EVENT_ALONG = (
    cast(Table, AuditEvent.__table__).insert().values({c: bindparam(f"event_{c}") for c in _EVENT_COLUMNS})
)
_HEAD = (
    select(_EVENTS.seq, _EVENTS.hash).where(_EVENTS.chain == bindparam("chain")).order_by(_EVENTS.seq.desc()).limit(1)
)


# The heads of the chains this transaction appended to. Its lock on a chain is held until it ends,
# so nobody else can move that head meanwhile: later events of the same chain skip the lock and the
# read. The end of the transaction or of a savepoint forgets them, so a rollback never leaves one
# stale; the inner transactions a flush opens and closes do not.
_HEADS = "audit_chain_heads"


@listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HEADS, None)


def _stored_json(value: Any) -> str:
    # What the JSON column will hold: data that is not JSON (dates, decimals) is stored as its text.
    return json.dumps(value, default=str)


@dataclass(frozen=True)
class ChainBreak:
    """Where verification found a chain broken, and why: the event (its id; None when it is gone) and its place."""

    event_id: int | None
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        place = f"{self.chain} #{self.seq}"
        return (
            f"event {self.event_id} ({place}): {self.reason}"
            if self.event_id is not None
            else f"{place}: {self.reason}"
        )


def verify(session: Session) -> list[ChainBreak]:
    """Every break in the chains under the session's keys, without checkpoints (see `audit_verify.verify_trail`)."""
    # Imported here: audit_verify builds on this module.
    from .audit_verify import verify_trail

    return list(verify_trail(session).breaks)


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
    if definition.note:
        after["note"] = definition.note
    append(session, "engine:definition:deployed", actor=actor, at=at, after={**after, "filename": filename})
