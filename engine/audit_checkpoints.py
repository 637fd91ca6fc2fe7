"""Signed checkpoints of the audit chains' heads, kept outside the database.

An HMAC-sealed chain shows an edited or forged event, but not its last events deleted, nor a whole
chain: what is gone leaves nothing to check. A checkpoint records, for each chain, its last `seq`
and that event's seal, and `verify` (engine/audit_verify.py) finds a chain shorter than its
checkpoint, or missing. Checkpoints are lines appended to one file in a folder the operator keeps
(README, "Audit trail"); each line names the chains whose head moved since the line before, carries
the seal of that line (so lines cannot be dropped from the middle or reordered) and its own HMAC
under the current audit key. The job worker writes one every few minutes, and
`directive-flow audit checkpoint` on demand; a line is written only when some head moved.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .audit_keys import AuditKeys
from .models import AuditEvent

LOG_NAME = "audit-checkpoints.jsonl"
GENESIS = "0" * 64
_CHUNK = 500  # recorded heads checked per query

#: chain → (its last seq, that event's seal)
Heads = dict[str, tuple[int, str]]


@dataclass(frozen=True)
class CheckpointLog:
    """What the checkpoint file vouches for: each chain's head as last recorded, and any flaw in the file."""

    heads: Heads = field(default_factory=dict)
    lines: int = 0
    last_at: str | None = None
    last_seal: str = GENESIS
    problems: tuple[str, ...] = ()


def log_path(folder: Path) -> Path:
    """The checkpoint file in the operator's folder."""
    return folder / LOG_NAME


def chain_heads(session: Session) -> Heads:
    """Each chain's last seq and seal, as the database holds them now."""
    last = select(AuditEvent.chain, func.max(AuditEvent.seq).label("seq")).group_by(AuditEvent.chain).subquery()
    rows = session.execute(
        select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash).join(
            last, and_(AuditEvent.chain == last.c.chain, AuditEvent.seq == last.c.seq)
        )
    )
    return {chain: (seq, seal) for chain, seq, seal in rows}


def read_log(folder: Path, keys: AuditKeys) -> CheckpointLog:
    """Every line of the checkpoint file folded into the heads it vouches for, checking each line's seal and link."""
    path = log_path(folder)
    if not path.exists():
        return CheckpointLog()
    with path.open(encoding="utf-8") as file:
        return _fold(file, keys)


def write_checkpoint(session: Session, folder: Path, keys: AuditKeys, at: datetime) -> int | None:
    """Append a checkpoint of the chains whose head moved since the last one; how many, or None if none moved.

    Refuses (ValueError) to extend a checkpoint file that does not verify: that needs an operator.
    """
    folder.mkdir(parents=True, exist_ok=True)
    heads = chain_heads(session)
    with log_path(folder).open("a+", encoding="utf-8") as file:
        # One writer at a time (the job worker and a command may meet): each line links to the last.
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        log = _fold(file, keys)
        if log.problems:
            raise ValueError(f"the checkpoint file is damaged ({log.problems[0]}): no checkpoint written")
        moved = _advanced(session, heads, log.heads)
        if not moved and log.lines:
            return None
        line: dict[str, Any] = {
            "n": log.lines + 1,
            "at": at.isoformat(),
            "key": keys.current,
            "prev": log.last_seal,
            "heads": {chain: [seq, seal] for chain, (seq, seal) in sorted(moved.items())},
        }
        line["mac"] = keys.seal(_body(line))
        file.seek(0, 2)
        file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return len(moved)


def _advanced(session: Session, heads: Heads, recorded: Heads) -> Heads:
    """The chains that grew past their recorded head, that head still in place under its seal.

    A chain that shrank, or whose recorded event changed, is left as recorded: a checkpoint never
    vouches for a chain that lost events, so `verify` keeps reporting it.
    """
    grown = {chain: head for chain, head in heads.items() if head[0] > recorded.get(chain, (0, ""))[0]}
    known = [(chain, recorded[chain]) for chain in grown if chain in recorded]
    intact: set[str] = set()
    for start in range(0, len(known), _CHUNK):
        marks = known[start : start + _CHUNK]
        query = select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash).where(
            or_(*(and_(AuditEvent.chain == chain, AuditEvent.seq == seq) for chain, (seq, _seal) in marks))
        )
        intact.update(chain for chain, seq, seal in session.execute(query) if recorded[chain] == (seq, seal))
    return {chain: head for chain, head in grown.items() if chain not in recorded or chain in intact}


def _fold(file: TextIO, keys: AuditKeys) -> CheckpointLog:
    heads: Heads = {}
    problems: list[str] = []
    lines, last_at, last_seal = 0, None, GENESIS
    for number, text in enumerate(file, start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
            mac, key_id = line.pop("mac"), line["key"]
            recorded = {chain: (int(seq), str(seal)) for chain, (seq, seal) in line["heads"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"line {number} is not a checkpoint ({exc})")
            continue
        if key_id not in keys.keys:
            problems.append(f"line {number} is sealed with key {key_id!r}, which is not among the audit keys")
        elif not hmac.compare_digest(keys.seal(_body(line), key_id), str(mac)):
            problems.append(f"line {number} differs from its seal")
        if line.get("prev") != last_seal or line.get("n") != lines + 1:
            problems.append(f"line {number} does not follow the line before it")
        heads.update(recorded)
        lines, last_at, last_seal = lines + 1, str(line.get("at")), str(mac)
    return CheckpointLog(heads, lines, last_at, last_seal, tuple(problems))


def _body(line: Mapping[str, Any]) -> bytes:
    return json.dumps(line, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
