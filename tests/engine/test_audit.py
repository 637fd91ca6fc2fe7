"""The audit trail: a hash chain in which any edit, deletion or insertion made behind the engine shows up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, select, update

from engine import audit
from engine.models import AuditEvent

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv


@pytest.fixture
def trail(engine_env: EngineEnv, approval_data: dict[str, Any]) -> list[AuditEvent]:
    """A small case's trail: deploy, start, claim, hand over with a reason, complete."""
    with engine_env.transaction() as engine:
        task_id = engine.start("approval", "an", approval_data).new_tasks[0].id
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
        engine.reassign(task_id, "an", "binh", "nghỉ phép")
    with engine_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Dự thảo lần 1"})
    return engine_env.rows(AuditEvent)


def _tamper(env: EngineEnv, statement: Any) -> None:
    """Change the table directly, as someone with database access could."""
    with env.sessions() as session:
        session.execute(statement)
        session.commit()


def _breaks(env: EngineEnv) -> list[audit.ChainBreak]:
    with env.sessions() as session:
        return audit.verify(session)


def _seq(trail: list[AuditEvent], tag: str) -> int:
    return next(e.seq for e in trail if e.tag == tag)


def test_events_form_a_chain(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Each event follows the one before it, numbered without gaps, and verification finds nothing wrong."""
    assert [e.tag for e in trail] == [
        "engine:definition:deployed",
        "engine:instance:started",
        "engine:task:claimed",
        "engine:task:reassigned",
        "engine:task:completed",
    ]
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert trail[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in trail[1:]] == [e.hash for e in trail[:-1]]
    assert all(audit.event_hash(e) == e.hash for e in trail)
    assert _breaks(engine_env) == []


def test_completed_event_records_actor_task_and_data(trail: list[AuditEvent]) -> None:
    """The trail says who completed which task of which case, with what data."""
    started, completed = trail[1], trail[-1]
    assert completed.actor == "binh"
    assert (completed.case_id, completed.instance_id) == (started.case_id, started.instance_id)
    assert completed.task_id == trail[2].task_id
    assert completed.after["text"] == "Dự thảo lần 1" and completed.after["task"] == "write"


def test_edited_comment_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Rewriting the reason of a hand-over in the database breaks the chain at that event."""
    seq = _seq(trail, "engine:task:reassigned")
    _tamper(engine_env, update(AuditEvent).where(AuditEvent.seq == seq).values(comment="theo yêu cầu"))
    assert [(b.seq, b.reason) for b in _breaks(engine_env)] == [(seq, "content differs from its hash")]


def test_edited_after_data_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Changing what was submitted in a completed task is detected."""
    event = trail[-1]
    forged = {**event.after, "text": "Dự thảo đã sửa"}
    _tamper(engine_env, update(AuditEvent).where(AuditEvent.seq == event.seq).values(after=forged))
    assert [b.seq for b in _breaks(engine_env)] == [event.seq]


def test_edited_actor_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Pretending someone else did a step is detected."""
    seq = _seq(trail, "engine:task:claimed")
    _tamper(engine_env, update(AuditEvent).where(AuditEvent.seq == seq).values(actor="chi"))
    assert [b.seq for b in _breaks(engine_env)] == [seq]


def test_deleted_middle_event_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Removing an event leaves a gap that verification reports at the event after it."""
    seq = _seq(trail, "engine:task:claimed")
    _tamper(engine_env, delete(AuditEvent).where(AuditEvent.seq == seq))
    reasons = {b.reason for b in _breaks(engine_env) if b.seq == seq + 1}
    assert reasons == {"expected event 3: events missing", "does not follow the event before it"}


def test_inserted_forged_event_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """A forged event slipped into the middle, even with a correctly computed hash, breaks the chain after it."""
    at = _seq(trail, "engine:task:claimed")
    with engine_env.sessions() as session:
        for seq in range(len(trail), at, -1):  # make room one row at a time (seq is unique)
            session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq + 1))
        claimed = session.scalars(select(AuditEvent).where(AuditEvent.seq == at)).one()
        forged = AuditEvent(
            seq=at + 1,
            tag="engine:task:released",
            actor="an",
            at=claimed.at,
            case_id=claimed.case_id,
            instance_id=claimed.instance_id,
            task_id=claimed.task_id,
            before=None,
            after={"task": "write"},
            comment=None,
            prev_hash=claimed.hash,
        )
        forged.hash = audit.event_hash(forged)
        session.add(forged)
        session.commit()
    breaks = _breaks(engine_env)
    assert breaks and breaks[0].seq == at + 2
    assert "does not follow the event before it" in {b.reason for b in breaks}


def test_appended_event_with_made_up_hash_is_detected(engine_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """An event added at the end by hand, without the chain's hash, is reported."""
    last = trail[-1]
    with engine_env.sessions() as session:
        session.add(
            AuditEvent(
                seq=last.seq + 1,
                tag="engine:task:completed",
                actor="chi",
                at=last.at,
                prev_hash=last.hash,
                hash="f" * 64,
            )
        )
        session.commit()
    assert [(b.seq, b.reason) for b in _breaks(engine_env)] == [(last.seq + 1, "content differs from its hash")]


@pytest.mark.parametrize("tag", ["engine:completed", "engine-task-completed", "engine:task:completed:twice", ""])
def test_tags_must_be_source_subject_action(engine_env: EngineEnv, tag: str) -> None:
    """An event cannot be recorded under a tag that is not source:subject:action."""
    with engine_env.sessions() as session, pytest.raises(ValueError, match="source:subject:action"):
        audit.append(session, tag, actor="an", at=engine_env.clock.now())


@pytest.mark.parametrize("tag", ["engine::completed", "::", ":task:completed"])
def test_tags_with_empty_parts_are_refused(engine_env: EngineEnv, tag: str) -> None:
    """A tag with an empty source, subject or action would make the trail unsearchable by that part."""
    with engine_env.sessions() as session, pytest.raises(ValueError, match="source:subject:action"):
        audit.append(session, tag, actor="an", at=engine_env.clock.now())
