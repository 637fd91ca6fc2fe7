"""Verifying the audit trail: every chain re-sealed under the keys, and compared with the signed checkpoints.

`verify_trail` is what `directive-flow audit verify` and an auditor's page call. It streams plain
rows straight from the driver (no ORM objects) in the global order of events, makes each one's
canonical text from its columns as they are now (engine/audit.py `canonical`; SQLite writes it
itself), keeps each chain's expected next `seq` and seal, and re-computes each event's HMAC over
that text. Found, each named by the event's id and its place:

- an event edited in any column, or sealed without one of the agency's keys;
- an event inserted, moved within its chain or to another, or reordered (its `seq` is not the
  next of its chain, or its `prev_hash` is not its predecessor's seal);
- an event deleted that had successors (the next event of its chain no longer follows);
- with the checkpoint file: the last events of a chain deleted (the chain is shorter than its
  checkpoint), a whole chain or every event deleted (chains missing), and a chain rebuilt
  (its event at the checkpoint's `seq` carries another seal).

What no checkpoint covers yet (events appended since the last one) can still be removed from a
chain's end unseen: the job worker's checkpoint interval bounds that window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from .audit import GENESIS, ChainBreak, canonical_encoder, chain_of
from .audit_checkpoints import CheckpointLog, read_log
from .audit_keys import AuditKeys, keys_of

_BATCH = 10_000


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying the trail: breaks in event order (missing chains last), and what was checked."""

    breaks: tuple[ChainBreak, ...]
    events: int
    chains: int
    #: The checkpoint file's lines, and when the last was written; 0 and None without checkpoints.
    checkpoints: int = 0
    checkpoint_at: str | None = None
    #: Flaws of the checkpoint file itself (a line edited, dropped or sealed with an unknown key).
    checkpoint_problems: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """Whether nothing was found wrong."""
        return not self.breaks and not self.checkpoint_problems

    @property
    def first(self) -> ChainBreak | None:
        """The first bad event in the trail's order, if any."""
        return self.breaks[0] if self.breaks else None


def verify_trail(session: Session, checkpoint_folder: Path | None = None) -> Verification:
    """Check every event under the session's audit keys and, given the folder, against its checkpoints."""
    keys = keys_of(session)
    log = read_log(checkpoint_folder, keys) if checkpoint_folder is not None else CheckpointLog()
    dialect = session.get_bind().dialect.name
    if dialect not in _ROWS:
        raise ValueError(f"verifying the audit trail needs PostgreSQL or SQLite, not {dialect}")
    walk = _Walk(keys, log.heads)
    encode = canonical_encoder(dialect).encode
    postgresql = dialect == "postgresql"
    # The loop runs a million times: the common case (all is well) is written out for speed and
    # anything unexpected goes to `_Walk.faults`, which says what it is.
    sealers, heads, names, marks = walk.sealers, walk.heads, walk.names, log.heads
    for rows in _batches(session, _ROWS[dialect]):
        walk.count += len(rows)
        for row in rows:
            if postgresql:
                event_id, chain, seq, case_id, prev_hash, seal, key_id, tag, actor, at = row[:10]
                at = (at[:-7] if at.endswith(".000000") else at) + "+00:00"
                body = encode([chain, seq, tag, actor, at, case_id, *row[10:15], prev_hash])
            else:
                event_id, chain, seq, case_id, prev_hash, seal, key_id, body = row
            head = heads.get(chain)
            sealer = sealers.get(key_id)
            mark = marks.get(chain)
            if not (
                (head[0] == seq and head[1] == prev_hash if head else seq == 1 and prev_hash == GENESIS)
                and sealer is not None
                and sealer(body.encode("utf-8")) == seal
                and names.get(case_id) == chain
                and (mark is None or mark[0] != seq or mark[1] == seal)
            ):
                walk.faults(event_id, chain, seq, case_id, prev_hash, seal, key_id, body)
            heads[chain] = (seq + 1, seal)
    breaks = [*walk.breaks, *_short_chains(heads, log)]
    return Verification(tuple(breaks), walk.count, len(heads), log.lines, log.last_at, log.problems)


class _Walk:
    """What the walk through the trail has seen: each chain's expected next event, and the breaks found."""

    def __init__(self, keys: AuditKeys, marks: Mapping[str, tuple[int, str]]) -> None:
        self.keys, self.marks = keys, marks
        self.sealers: dict[str, Callable[[bytes], str] | None] = {}
        # chain → (the seq expected next, the seal the next event must follow)
        self.heads: dict[str, tuple[int, str]] = {}
        # case_id → its chain's name, for the cases met so far
        self.names: dict[int | None, str] = {}
        self.breaks: list[ChainBreak] = []
        self.count = 0

    def faults(
        self,
        event_id: int,
        chain: str,
        seq: int,
        case_id: int | None,
        prev_hash: str,
        seal: str,
        key_id: str,
        body: str,
    ) -> None:
        """Record what is wrong with one event, if anything (a key or case met for the first time is not)."""
        if key_id not in self.sealers:
            self.sealers[key_id] = self.keys.sealer(key_id)
        self.names.setdefault(case_id, chain_of(case_id))
        expected_seq, expected_prev = self.heads.get(chain, (1, GENESIS))
        where = (event_id, chain, seq)
        if seq != expected_seq:
            reason = "events missing" if seq > expected_seq else "out of order"
            self.breaks.append(ChainBreak(*where, f"expected event {expected_seq}: {reason}"))
        if prev_hash != expected_prev:
            self.breaks.append(ChainBreak(*where, "does not follow the event before it"))
        sealer = self.sealers[key_id]
        if sealer is None:
            self.breaks.append(ChainBreak(*where, f"sealed with key {key_id!r}, which is not among the audit keys"))
        elif sealer(body.encode("utf-8")) != seal:
            self.breaks.append(ChainBreak(*where, "content differs from its hash"))
        if chain != self.names[case_id]:
            self.breaks.append(ChainBreak(*where, f"belongs to chain {self.names[case_id]}"))
        mark = self.marks.get(chain)
        if mark is not None and mark[0] == seq and mark[1] != seal:
            self.breaks.append(ChainBreak(*where, "differs from its checkpoint"))


# Each event's place, seals and canonical text (engine/audit.py `canonical`) with the moment as
# Python's isoformat() of a UTC datetime writes it (no fraction when it is zero). SQLite writes the
# text itself (json_array, in this process: the cheapest way); PostgreSQL's json_build_array would
# cost the server more than the client pays to encode the plain columns (in `verify_trail`).
_ROWS = {
    "postgresql": """
        SELECT id, chain, seq, case_id, prev_hash, hash, key_id, tag, actor,
            to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            instance_id, task_id, before::text, after::text, comment
        FROM audit_event ORDER BY id""",
    "sqlite": """
        SELECT id, chain, seq, case_id, prev_hash, hash, key_id, json_array(
            chain, seq, tag, actor,
            substr(at, 1, 10) || 'T'
            || CASE WHEN substr(at, 21, 6) = '000000' THEN substr(at, 12, 8) ELSE substr(at, 12, 15) END
            || '+00:00',
            case_id, instance_id, task_id, CAST(before AS TEXT), CAST(after AS TEXT), comment, prev_hash)
        FROM audit_event ORDER BY id""",
}


def _batches(session: Session, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `sql` a batch at a time, straight from the driver in the session's transaction.

    A million rows: SQLAlchemy's result rows would cost more than the verification itself. On
    PostgreSQL a named (server-side) cursor streams them instead of loading them all at once.
    """
    driver = session.connection().connection.driver_connection
    assert driver is not None
    named = session.get_bind().dialect.name == "postgresql"
    cursor = driver.cursor(name="audit_verify") if named else driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(_BATCH):
            yield rows
    finally:
        cursor.close()


def _short_chains(heads: dict[str, tuple[int, str]], log: CheckpointLog) -> list[ChainBreak]:
    """Chains the checkpoints hold more of than the database: their last events, or all, deleted."""
    found = []
    for chain, (seq, _seal) in log.heads.items():
        present = heads.get(chain, (1, GENESIS))[0] - 1
        if present == 0:
            found.append(
                ChainBreak(None, chain, 1, f"chain missing: the checkpoint of {log.last_at} holds {seq} events")
            )
        elif present < seq:
            found.append(
                ChainBreak(
                    None, chain, present + 1, f"events {present + 1} to {seq} missing (checkpoint of {log.last_at})"
                )
            )
    return found
