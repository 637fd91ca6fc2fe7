"""Tampering by someone with database access but without the audit key: each kind found, the right event named.

The table refuses UPDATE and DELETE, so each tampering here first drops its triggers, as the
database's owner could. Deletions at a chain's end leave nothing to check in the database: the
signed checkpoints, kept in a folder outside it, are what show them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from engine import audit
from engine.audit_checkpoints import log_path, read_log
from engine.audit_keys import AuditKeys
from engine.models import AuditEvent
from tests.engine.audit_tampering import checkpoint, dialect, seal_with, tamper, verified

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The operator's folder of checkpoints."""
    return tmp_path / "checkpoints"


def _case(env: EngineEnv, data: dict[str, Any]) -> list[AuditEvent]:
    """One case's trail: started, claimed, handed over with a reason, completed (four events)."""
    with env.transaction() as engine:
        task_id = engine.start("approval", "an", data).new_tasks[0].id
    with env.transaction() as engine:
        engine.claim(task_id, "an")
        engine.reassign(task_id, "an", "binh", "nghỉ phép")
    with env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Dự thảo lần 1"})
    case_id = env.rows(AuditEvent)[-1].case_id
    return env.rows(AuditEvent, AuditEvent.case_id == case_id)


@pytest.fixture
def cases(sealed_env: EngineEnv, approval_data: dict[str, Any], folder: Path) -> list[list[AuditEvent]]:
    """Two cases' trails, then a checkpoint of every chain's head."""
    trails = [_case(sealed_env, approval_data), _case(sealed_env, approval_data)]
    assert checkpoint(sealed_env, folder) == 3  # the agency's chain and the two cases'
    return trails


def test_an_untouched_trail_verifies_against_its_checkpoint(
    sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path
) -> None:
    """Nothing touched: intact, every event and chain counted, one checkpoint line read."""
    result = verified(sealed_env, folder)
    assert (result.intact, result.breaks, result.events, result.chains) == (True, (), 9, 3)
    assert (result.checkpoints, result.checkpoint_at) == (1, sealed_env.clock.now().isoformat())
    assert result.first is None


def test_deleting_the_last_events_of_a_chain_is_detected(
    sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path
) -> None:
    """The hand-over and completion of the first case removed: its chain ends before its checkpoint."""
    first = cases[0]
    tamper(sealed_env, delete(AuditEvent).where(AuditEvent.id.in_([first[2].id, first[3].id])))
    assert verified(sealed_env).intact  # without the checkpoint, a shorter chain looks whole
    result = verified(sealed_env, folder)
    at = sealed_env.clock.now().isoformat()
    assert result.breaks == (audit.ChainBreak(None, first[0].chain, 3, f"events 3 to 4 missing (checkpoint of {at})"),)
    assert str(result.first) == f"{first[0].chain} #3: events 3 to 4 missing (checkpoint of {at})"


def test_deleting_a_whole_chain_is_detected(sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path) -> None:
    """Every event of the second case removed: its chain is reported missing."""
    second = cases[1]
    tamper(sealed_env, delete(AuditEvent).where(AuditEvent.case_id == second[0].case_id))
    result = verified(sealed_env, folder)
    at = sealed_env.clock.now().isoformat()
    assert result.breaks == (
        audit.ChainBreak(None, second[0].chain, 1, f"chain missing: the checkpoint of {at} holds 4 events"),
    )


def test_deleting_every_event_is_detected(sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path) -> None:
    """An empty table: each of the three chains is missing."""
    tamper(sealed_env, delete(AuditEvent))
    result = verified(sealed_env, folder)
    assert not result.intact and result.events == 0
    assert {(b.chain, b.event_id) for b in result.breaks} == {
        ("agency", None),
        (cases[0][0].chain, None),
        (cases[1][0].chain, None),
    }


def test_an_edit_with_every_later_hash_recomputed_is_detected(
    sealed_env: EngineEnv, cases: list[list[AuditEvent]]
) -> None:
    """The hand-over's reason rewritten, the chain re-sealed after it with a made-up key: caught at the edit."""
    first = cases[0]
    forger = AuditKeys({"k1": b"not the agency's key"}, "k1")
    statements, prev = [], first[1].hash
    for event in first[2:]:
        forged = AuditEvent(**{c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns})
        forged.prev_hash = prev
        forged.comment = "theo yêu cầu" if event.tag == "engine:task:reassigned" else event.comment
        forged.hash = prev = audit.event_hash(forged, forger, dialect(sealed_env))
        values = {"comment": forged.comment, "prev_hash": forged.prev_hash, "hash": forged.hash}
        statements.append(update(AuditEvent).where(AuditEvent.id == event.id).values(**values))
    tamper(sealed_env, *statements)
    result = verified(sealed_env)
    assert result.first == audit.ChainBreak(first[2].id, first[2].chain, 3, "content differs from its hash")
    assert [b.event_id for b in result.breaks] == [first[2].id, first[3].id]


def test_a_chain_rebuilt_under_the_agency_key_id_differs_from_its_checkpoint(
    sealed_env: EngineEnv, keys: AuditKeys, cases: list[list[AuditEvent]], folder: Path
) -> None:
    """Even re-sealed with the right key (a stolen one), a chain whose head changed differs from its checkpoint."""
    last = cases[0][-1]
    forged = AuditEvent(**{c.key: getattr(last, c.key) for c in AuditEvent.__table__.columns})
    forged.after = {**last.after, "text": "Dự thảo đã sửa"}
    forged.hash = audit.event_hash(forged, keys, dialect(sealed_env))
    tamper(sealed_env, update(AuditEvent).where(AuditEvent.id == last.id).values(after=forged.after, hash=forged.hash))
    assert verified(sealed_env).intact
    assert verified(sealed_env, folder).breaks == (
        audit.ChainBreak(last.id, last.chain, 4, "differs from its checkpoint"),
    )


def test_the_table_refuses_update_and_delete(sealed_env: EngineEnv, cases: list[list[AuditEvent]]) -> None:
    """The application (or anyone who leaves the triggers in place) cannot rewrite or remove an event."""
    event = cases[0][1]
    for statement in (
        f"UPDATE audit_event SET actor = 'chi' WHERE id = {event.id}",
        f"DELETE FROM audit_event WHERE id = {event.id}",
        "DELETE FROM audit_event",
    ):
        with sealed_env.sessions() as session, pytest.raises(DBAPIError, match="audit events are append-only"):
            session.execute(text(statement))
    with sealed_env.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="audit events are append-only"):
                session.execute(text("TRUNCATE audit_event"))
    assert verified(sealed_env).intact
    assert sealed_env.row(AuditEvent, event.id).actor == event.actor


def test_a_checkpoint_is_written_only_for_chains_that_moved(
    sealed_env: EngineEnv, keys: AuditKeys, cases: list[list[AuditEvent]], folder: Path, approval_data: dict[str, Any]
) -> None:
    """Nothing new: no line. A third case: one line naming only its chain; the file folds into every head."""
    assert checkpoint(sealed_env, folder) is None
    third = _case(sealed_env, approval_data)
    assert checkpoint(sealed_env, folder) == 1
    lines = log_path(folder).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and third[0].chain in lines[1] and cases[0][0].chain not in lines[1]
    log = read_log(folder, keys)
    assert (log.lines, log.problems, log.heads[third[0].chain]) == (2, (), (4, third[-1].hash))
    assert len(log.heads) == 4


def test_an_edited_checkpoint_file_is_reported_and_not_extended(
    sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path, approval_data: dict[str, Any]
) -> None:
    """A checkpoint claiming fewer events than were checkpointed fails its seal; the writer refuses to go on."""
    path = log_path(folder)
    path.write_text(path.read_text(encoding="utf-8").replace('[4,"', '[2,"', 1), encoding="utf-8")
    result = verified(sealed_env, folder)
    assert result.checkpoint_problems == ("line 1 differs from its seal",) and not result.intact
    _case(sealed_env, approval_data)
    with pytest.raises(ValueError, match="checkpoint file is damaged"):
        checkpoint(sealed_env, folder)


def test_a_rotated_key_seals_new_events_and_the_old_one_still_verifies(
    sealed_env: EngineEnv, keys: AuditKeys, cases: list[list[AuditEvent]], folder: Path, approval_data: dict[str, Any]
) -> None:
    """After rotation (k2 added), new events and checkpoints carry k2; a verifier without k1 names the older events."""
    rotated = AuditKeys({**keys.keys, "k2": b"k2" * 16}, "k2")
    seal_with(sealed_env, rotated)
    third = _case(sealed_env, approval_data)
    assert checkpoint(sealed_env, folder) == 1
    assert {e.key_id for e in third} == {"k2"} and {e.key_id for e in cases[0]} == {"k1"}
    assert verified(sealed_env, folder).intact
    seal_with(sealed_env, AuditKeys({"k2": rotated.keys["k2"]}, "k2"))
    result = verified(sealed_env)
    assert result.first == audit.ChainBreak(1, "agency", 1, "sealed with key 'k1', which is not among the audit keys")
    assert len(result.breaks) == 9


def test_a_later_checkpoint_does_not_vouch_for_a_shortened_chain(
    sealed_env: EngineEnv, cases: list[list[AuditEvent]], folder: Path
) -> None:
    """Checkpoints written after the last event was deleted, even once the case went on, never record the new head."""
    first = cases[0]
    tamper(sealed_env, delete(AuditEvent).where(AuditEvent.id == first[3].id))
    assert checkpoint(sealed_env, folder) is None
    with sealed_env.transaction() as engine:  # the case goes on: new events take the deleted one's place and more
        engine.suspend(first[0].instance_id or 0, "chi", "kiểm tra")
        engine.resume(first[0].instance_id or 0, "chi")
    assert checkpoint(sealed_env, folder) is None
    [suspended, _resumed] = sealed_env.rows(AuditEvent, AuditEvent.chain == first[0].chain, AuditEvent.seq >= 4)
    assert verified(sealed_env, folder).breaks == (
        audit.ChainBreak(suspended.id, first[0].chain, 4, "differs from its checkpoint"),
    )
