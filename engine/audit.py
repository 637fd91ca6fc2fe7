"""The audit trail: append-only events, each hashed with the one before it.

Editing, inserting or deleting any event breaks the chain at that point, which `verify` finds.
Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by its
single writer; the unique `seq` column is the last line of defence either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import AuditEvent, ProcessDefinition, TaskRow

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 0x41554454  # "AUDT"


def _canonical(event: AuditEvent) -> str:
    body = {
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
    """The hash an event must carry, given its content and its predecessor's hash."""
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
    """Add one event (`source:subject:action`) at the head of the chain."""
    if tag.count(":") != 2 or not all(tag.split(":")):
        raise ValueError(f"audit tag {tag!r} is not source:subject:action")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    event = AuditEvent(
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
    """Where verification found the chain broken, and why."""

    seq: int
    reason: str


def _events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session) -> list[ChainBreak]:
    """Walk the whole chain; an empty list means no event was edited, inserted or removed."""
    breaks = []
    expected_prev, expected_seq = GENESIS, 1
    for event in _events(session):
        if event.seq != expected_seq:
            breaks.append(ChainBreak(event.seq, f"expected event {expected_seq}: events missing"))
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.seq, "does not follow the event before it"))
        if event_hash(event) != event.hash:
            breaks.append(ChainBreak(event.seq, "content differs from its hash"))
        expected_prev, expected_seq = event.hash, event.seq + 1
    return breaks


def trail(session: Session, case_id: int) -> list[AuditEvent]:
    """Every event of one case, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))


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
