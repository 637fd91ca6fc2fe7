"""The audit trail: one sealed chain per case, in which any edit, deletion or insertion behind the engine shows up.

The tamperings someone with database access (but not the key) can do beyond these, and the
checkpoints that catch deletions at a chain's end, are in test_audit_tampering.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import delete, text, update
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.exc import OperationalError

from engine import audit
from engine.audit_keys import UNKEYED, AuditKeys
from engine.models import AuditEvent
from tests.databases import postgresql_schema, postgresql_url
from tests.engine.audit_tampering import dialect, tamper, verified
from tests.engine.conftest import HANOI
from web.core.db import unit_of_work

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv


@pytest.fixture
def trail(sealed_env: EngineEnv, approval_data: dict[str, Any]) -> list[AuditEvent]:
    """A small case's trail: deploy (the agency's chain), then start, claim, hand over with a reason, complete."""
    with sealed_env.transaction() as engine:
        task_id = engine.start("approval", "an", approval_data).new_tasks[0].id
    with sealed_env.transaction() as engine:
        engine.claim(task_id, "an")
        engine.reassign(task_id, "an", "binh", "nghỉ phép")
    with sealed_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Dự thảo lần 1"})
    return sealed_env.rows(AuditEvent)


def _breaks(env: EngineEnv) -> list[audit.ChainBreak]:
    with env.sessions() as session:
        return audit.verify(session)


def _event(trail: list[AuditEvent], tag: str) -> AuditEvent:
    return next(e for e in trail if e.tag == tag)


def test_each_case_has_its_own_chain(sealed_env: EngineEnv, keys: AuditKeys, trail: list[AuditEvent]) -> None:
    """The deployment opens the agency's chain; the case's events form their own, numbered without gaps."""
    deployed, *case = trail
    assert (deployed.tag, deployed.chain, deployed.seq, deployed.prev_hash) == (
        "engine:definition:deployed",
        "agency",
        1,
        audit.GENESIS,
    )
    assert [e.tag for e in case] == [
        "engine:instance:started",
        "engine:task:claimed",
        "engine:task:reassigned",
        "engine:task:completed",
    ]
    assert {e.chain for e in case} == {f"case:{case[0].case_id}"}
    assert [e.seq for e in case] == [1, 2, 3, 4]
    assert [e.prev_hash for e in case] == [audit.GENESIS] + [e.hash for e in case[:-1]]
    assert {e.key_id for e in trail} == {"k1"}
    assert all(audit.event_hash(e, keys, dialect(sealed_env)) == e.hash for e in trail)
    assert _breaks(sealed_env) == []


def test_interleaved_cases_keep_separate_chains(sealed_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Work on two cases in turn: each case's trail holds only its own events, in order, and all verifies."""
    with sealed_env.transaction() as engine:
        first = engine.start("approval", "an", approval_data)
        second = engine.start("approval", "binh", approval_data)
        engine.claim(first.new_tasks[0].id, "an")
        engine.claim(second.new_tasks[0].id, "binh")
        engine.release(first.new_tasks[0].id, "an")
    with sealed_env.sessions() as session:
        trails = {
            case: [(e.tag, e.seq) for e in audit.trail(session, case)]
            for case in (first.instance_id, second.instance_id)
        }
    assert trails == {
        first.instance_id: [("engine:instance:started", 1), ("engine:task:claimed", 2), ("engine:task:released", 3)],
        second.instance_id: [("engine:instance:started", 1), ("engine:task:claimed", 2)],
    }
    assert _breaks(sealed_env) == []


def test_completed_event_records_actor_task_and_data(trail: list[AuditEvent]) -> None:
    """The trail says who completed which task of which case, with what data."""
    started, completed = trail[1], trail[-1]
    assert completed.actor == "binh"
    assert (completed.case_id, completed.instance_id) == (started.case_id, started.instance_id)
    assert completed.task_id == trail[2].task_id
    assert completed.after["text"] == "Dự thảo lần 1" and completed.after["task"] == "write"


def test_edited_comment_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Rewriting the reason of a hand-over in the database breaks the chain at that event, named by id and place."""
    event = _event(trail, "engine:task:reassigned")
    tamper(sealed_env, update(AuditEvent).where(AuditEvent.id == event.id).values(comment="theo yêu cầu"))
    assert _breaks(sealed_env) == [audit.ChainBreak(event.id, event.chain, 3, "content differs from its hash")]
    assert str(_breaks(sealed_env)[0]) == f"event {event.id} ({event.chain} #3): content differs from its hash"


def test_edited_after_data_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Changing what was submitted in a completed task is detected."""
    event = trail[-1]
    forged = {**event.after, "text": "Dự thảo đã sửa"}
    tamper(sealed_env, update(AuditEvent).where(AuditEvent.id == event.id).values(after=forged))
    assert [b.event_id for b in _breaks(sealed_env)] == [event.id]


def test_edited_actor_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Pretending someone else did a step is detected."""
    event = _event(trail, "engine:task:claimed")
    tamper(sealed_env, update(AuditEvent).where(AuditEvent.id == event.id).values(actor="chi"))
    assert [b.event_id for b in _breaks(sealed_env)] == [event.id]


def test_edited_agency_event_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """The agency's chain is checked as well: a deployment credited to someone else is found."""
    deployed = trail[0]
    tamper(sealed_env, update(AuditEvent).where(AuditEvent.id == deployed.id).values(actor="an"))
    assert _breaks(sealed_env) == [audit.ChainBreak(deployed.id, "agency", 1, "content differs from its hash")]


def test_reordered_events_are_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Swapping the places of the claim and the hand-over within the case breaks its chain at the first moved event.

    Events are checked in their global order (id), so the first one named is the claim, now in the hand-over's place.
    """
    claimed, reassigned = _event(trail, "engine:task:claimed"), _event(trail, "engine:task:reassigned")
    tamper(
        sealed_env,
        update(AuditEvent).where(AuditEvent.id == claimed.id).values(seq=-1),  # (chain, seq) is unique
        update(AuditEvent).where(AuditEvent.id == reassigned.id).values(seq=claimed.seq),
        update(AuditEvent).where(AuditEvent.id == claimed.id).values(seq=reassigned.seq),
    )
    breaks = _breaks(sealed_env)
    assert (breaks[0].event_id, breaks[0].seq) == (claimed.id, 3)
    assert {(b.event_id, b.reason) for b in breaks} >= {
        (claimed.id, "content differs from its hash"),
        (reassigned.id, "expected event 4: out of order"),
        (reassigned.id, "content differs from its hash"),
    }


def test_deleted_middle_event_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Removing an event leaves a gap in its case's chain, reported at the event after it."""
    claimed, reassigned = _event(trail, "engine:task:claimed"), _event(trail, "engine:task:reassigned")
    tamper(sealed_env, delete(AuditEvent).where(AuditEvent.id == claimed.id))
    breaks = _breaks(sealed_env)
    assert {b.event_id for b in breaks} == {reassigned.id}
    assert {b.reason for b in breaks} == {"expected event 2: events missing", "does not follow the event before it"}


def test_inserted_forged_event_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """A forged event slipped into a case's chain, sealed with a guessed key under the agency's key id, is found.

    The events after it were renumbered to make room, so the chain breaks at the first of them too.
    """
    claimed, reassigned = _event(trail, "engine:task:claimed"), _event(trail, "engine:task:reassigned")
    later = [update(AuditEvent).where(AuditEvent.id == e.id).values(seq=e.seq + 1) for e in reversed(trail[3:])]
    tamper(sealed_env, *later)  # one row at a time: (chain, seq) is unique
    with sealed_env.sessions() as session:
        forged = AuditEvent(
            chain=claimed.chain,
            seq=claimed.seq + 1,
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
            key_id="k1",
        )
        forged.hash = audit.event_hash(forged, AuditKeys({"k1": b"a guess"}, "k1"), dialect(sealed_env))
        session.add(forged)
        session.commit()
        forged_id = forged.id
    breaks = _breaks(sealed_env)
    assert (breaks[0].event_id, breaks[0].chain, breaks[0].seq) == (reassigned.id, claimed.chain, 4)
    assert (forged_id, "content differs from its hash") in {(b.event_id, b.reason) for b in breaks}


def test_event_moved_to_another_case_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """Filing a case's event under another case leaves a gap in its own chain and a stranger in the other."""
    claimed, reassigned = _event(trail, "engine:task:claimed"), _event(trail, "engine:task:reassigned")
    tamper(
        sealed_env,
        update(AuditEvent).where(AuditEvent.id == claimed.id).values(chain="case:999", case_id=999),
    )
    breaks = _breaks(sealed_env)
    assert {b.event_id for b in breaks} == {claimed.id, reassigned.id}
    assert (claimed.id, "content differs from its hash") in {(b.event_id, b.reason) for b in breaks}


def test_appended_event_sealed_without_the_key_is_detected(sealed_env: EngineEnv, trail: list[AuditEvent]) -> None:
    """An event added at the end of a case's chain by hand, sealed with the well-known key, is reported."""
    last = trail[-1]
    with sealed_env.sessions() as session:
        added = AuditEvent(
            chain=last.chain,
            seq=last.seq + 1,
            tag="engine:task:completed",
            actor="chi",
            at=last.at,
            case_id=last.case_id,
            prev_hash=last.hash,
            key_id=UNKEYED.current,
        )
        added.hash = audit.event_hash(added, UNKEYED, dialect(sealed_env))
        session.add(added)
        session.commit()
        added_id = added.id
    assert _breaks(sealed_env) == [
        audit.ChainBreak(
            added_id, last.chain, last.seq + 1, "sealed with key 'unkeyed', which is not among the audit keys"
        )
    ]


@pytest.mark.parametrize("tag", ["engine:completed", "engine-task-completed", "engine:task:completed:twice", ""])
def test_tags_must_be_source_subject_action(sealed_env: EngineEnv, tag: str) -> None:
    """An event cannot be recorded under a tag that is not source:subject:action."""
    with sealed_env.sessions() as session, pytest.raises(ValueError, match="source:subject:action"):
        audit.append(session, tag, actor="an", at=sealed_env.clock.now())


@pytest.mark.parametrize("tag", ["engine::completed", "::", ":task:completed"])
def test_tags_with_empty_parts_are_refused(sealed_env: EngineEnv, tag: str) -> None:
    """A tag with an empty source, subject or action would make the trail unsearchable by that part."""
    with sealed_env.sessions() as session, pytest.raises(ValueError, match="source:subject:action"):
        audit.append(session, tag, actor="an", at=sealed_env.clock.now())


# -- concurrent writers on PostgreSQL ------------------------------------------------------------


@pytest.fixture
def pg_env(env_factory: Callable[[SqlEngine], EngineEnv]) -> Iterator[EngineEnv]:
    """The engine's tables on a fresh PostgreSQL schema, nothing deployed."""
    with postgresql_schema(postgresql_url()) as db:
        yield env_factory(db)


def _append_without_waiting(env: EngineEnv, case_id: int) -> None:
    """Append to a case's chain in a transaction of its own that gives up after 2 s of waiting for a lock."""
    with unit_of_work(env.sessions) as session:
        session.execute(text("SET LOCAL lock_timeout = '2s'"))
        audit.append(session, "engine:task:claimed", actor="binh", at=env.clock.now(), case_id=case_id)


@pytest.mark.postgresql
def test_appends_to_two_cases_do_not_wait_for_each_other(pg_env: EngineEnv) -> None:
    """While one transaction has appended to case 1 and is still open, another appends to case 2 and commits."""
    with unit_of_work(pg_env.sessions) as first:
        audit.append(first, "engine:task:claimed", actor="an", at=pg_env.clock.now(), case_id=1)
        _append_without_waiting(pg_env, 2)  # would raise LockNotAvailable if it queued behind case 1
        # The same case's writers do queue: the head of case 1 is held by the open transaction.
        with pytest.raises(OperationalError, match="lock timeout"):
            _append_without_waiting(pg_env, 1)
    # Each transaction writes its events when it flushes (the first one at its commit, after the other's).
    assert sorted((e.chain, e.seq, e.actor) for e in pg_env.rows(AuditEvent)) == [
        ("case:1", 1, "an"),
        ("case:2", 1, "binh"),
    ]
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


@pytest.mark.postgresql
def test_concurrent_appends_to_one_case_leave_a_gapless_chain(pg_env: EngineEnv) -> None:
    """Four writers appending to the same case at once, ten transactions each: one chain numbered 1 to 40."""
    threads, per_thread = 4, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def append_many(actor: str) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(per_thread):
                with unit_of_work(pg_env.sessions) as session:
                    audit.append(session, "engine:task:claimed", actor=actor, at=pg_env.clock.now(), case_id=7)
        except BaseException as exc:  # noqa: BLE001  (the test inspects whatever each thread met)
            errors.append(exc)

    workers = [threading.Thread(target=append_many, args=(f"user{i}",)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "an append hung"
    assert errors == []
    events = pg_env.rows(AuditEvent)
    assert {e.chain for e in events} == {"case:7"}
    assert sorted(e.seq for e in events) == list(range(1, threads * per_thread + 1))
    with pg_env.sessions() as session:
        assert audit.verify(session) == []


@pytest.mark.parametrize(
    "comment",
    ['trích "Điều 5"\\ khoản 2', "dòng 1\ndòng 2\t\r\b\f\x01\x1f\x7f", "😀 / \u2028 ễ", "", None],
)
def test_any_text_and_moment_verify_as_written(sealed_env: EngineEnv, comment: str | None) -> None:
    """Quotes, backslashes, control characters, emoji, and moments with and without a fraction, in another
    time zone: the database writes the canonical text the writer sealed."""
    moments = [datetime(2023, 3, 6, 8, 0, tzinfo=HANOI), datetime(2023, 3, 6, 8, 0, 0, 120, tzinfo=HANOI)]
    with unit_of_work(sealed_env.sessions) as session:
        for number, at in enumerate(moments):
            after = {"text": comment, "n": number, "ngày": date(2023, 3, 6), "tỉ lệ": 0.1}
            audit.append(session, "workflows:note:written", actor=f'an"{comment}', at=at, case_id=5, after=after)
            audit.append(session, "workflows:note:written", actor="an", at=at, comment=comment, before=comment)
    assert _breaks(sealed_env) == []


def test_a_transaction_reads_a_chain_head_once_and_a_savepoint_rolled_back_leaves_no_gap(
    sealed_env: EngineEnv,
) -> None:
    """Later events of a chain in one transaction follow the head it already read; an event of a savepoint
    that was rolled back does not count, so the next one takes its place and the chain verifies."""
    at = sealed_env.clock.now()
    with sealed_env.sessions() as session:
        reads: list[str] = []

        def count_head_reads(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "FROM audit_event" in statement or "FROM audit_chain_head" in statement:
                reads.append(statement)

        sqlalchemy_event.listen(session.get_bind(), "before_cursor_execute", count_head_reads)
        try:
            first = audit.append(session, "test:case:one", actor="an", at=at, case_id=777)
            second = audit.append(session, "test:case:two", actor="an", at=at, case_id=777)
            savepoint = session.begin_nested()
            audit.append(session, "test:case:dropped", actor="an", at=at, case_id=777)
            savepoint.rollback()
            third = audit.append(session, "test:case:three", actor="an", at=at, case_id=777)
            session.commit()
        finally:
            sqlalchemy_event.remove(session.get_bind(), "before_cursor_execute", count_head_reads)
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert third.prev_hash == second.hash
    assert len(reads) == 2  # the head read at the first event, and again after the savepoint ended
    assert verified(sealed_env).intact
