"""Migrating live cases from one version of a process to another: the dry run and the real one.

approval v1 (tests/engine/bpmn/approval.bpmn): Soạn → Kiểm tra (division head) → Tính. approval v2
(approval_v2.bpmn) drops the head's check and adds a signing step after the draft: a case still
at the draft can move, one waiting at the check cannot, nor one whose history went through it.
Each step reads back with a runtime that never saw the cases (a spec cache of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine as SqlEngine

from engine import migration
from engine.definitions import SpecCache
from engine.errors import PermissionDenied, ReadOnlyActor
from engine.migration import MigrationRefused, Obstacle
from engine.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import Engine
from engine.worker import run_due_jobs
from tests.databases import postgresql_schema, postgresql_url
from tests.engine.conftest import EngineEnv
from web.core.db import unit_of_work

ADMIN, AUDITOR = "quantri", "kiemtra"
REMIND_AT = datetime(2023, 3, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def env(engine_env: EngineEnv) -> EngineEnv:
    """approval v1 deployed, an administrator and an auditor."""
    engine_env.directory.holders |= {(ADMIN, "admin", "agency"), (AUDITOR, "auditor", "agency")}
    return engine_env


def _fresh(env: EngineEnv) -> EngineEnv:
    env.services = replace(env.services, spec_cache=SpecCache())
    return env


def _versions(env: EngineEnv, key: str) -> list[int]:
    return [d.id for d in env.rows(ProcessDefinition, ProcessDefinition.key == key)]


def _ready(env: EngineEnv, instance_id: int) -> TaskRow:
    (row,) = env.rows(TaskRow, TaskRow.instance_id == instance_id, TaskRow.state == "ready")
    return row


def _cases(env: EngineEnv, data: dict[str, Any]) -> dict[str, int]:
    """One case at the draft, one at the head's check, one returned to the draft once, one suspended."""
    ids: dict[str, int] = {}
    with env.transaction() as engine:
        for name in ("draft", "check", "returned", "held"):
            ids[name] = engine.start("approval", "an", data, title=f"Hồ sơ {name}").instance_id
    for name in ("check", "returned"):
        with env.transaction() as engine:
            engine.complete(_ready(env, ids[name]).id, "an", {"text": "Dự thảo"})
    with env.transaction() as engine:
        engine.complete(_ready(env, ids["returned"]).id, "chi", {"decision": "return"})
        engine.suspend(ids["held"], ADMIN, "Chờ ý kiến")
    return ids


def _stored(env: EngineEnv) -> list[tuple[int, int, str, int]]:
    return [(r.id, r.definition_id, r.state, r.version) for r in env.rows(ProcessInstance)]


def test_the_dry_run_says_per_case_whether_it_can_move_and_stores_nothing(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """At the draft: can move. At the removed check, or past it, or suspended: cannot, each with its reason."""
    ids = _cases(env, approval_data)
    env.deploy("approval_v2.bpmn")
    v1, v2 = _versions(env, "approval")
    before, events = _stored(env), len(env.rows(AuditEvent))

    with _fresh(env).transaction() as engine:
        plan = engine.plan_migration(v1, v2, ADMIN)

    verdicts = {case.instance_id: (case.steps, case.obstacles) for case in plan.cases}
    assert verdicts == {
        ids["draft"]: (("Soạn", "Quá hạn"), ()),
        ids["check"]: (("Kiểm tra",), (Obstacle(migration.WAITING_REMOVED, "Kiểm tra"),)),
        ids["returned"]: (("Soạn", "Quá hạn"), (Obstacle(migration.DONE_REMOVED, "Kiểm tra"),)),
        ids["held"]: (
            ("Soạn", "Quá hạn"),
            (Obstacle(migration.NOT_RUNNING, detail="suspended"),),
        ),
    }
    assert [case.instance_id for case in plan.movable] == [ids["draft"]]
    assert (plan.source.version, plan.target.version, plan.remaining) == (1, 2, 0)
    assert _stored(env) == before and len(env.rows(AuditEvent)) == events


def test_the_migration_moves_the_case_that_can_and_it_goes_on_in_the_new_version(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """The draft case moves (its task row renamed, its timer kept, one audit event); the others stay as they were."""
    ids = _cases(env, approval_data)
    env.deploy("approval_v2.bpmn")
    v1, v2 = _versions(env, "approval")
    draft_task, timer = _ready(env, ids["draft"]), env.rows(Job, Job.instance_id == ids["draft"])[0]
    unmoved = [row for row in _stored(env) if row[0] != ids["draft"]]

    with _fresh(env).transaction() as engine:
        plan = engine.migrate(v1, v2, ADMIN)

    assert [case.instance_id for case in plan.movable] == [ids["draft"]]
    assert [row for row in _stored(env) if row[0] != ids["draft"]] == unmoved
    moved = env.row(ProcessInstance, ids["draft"])
    assert moved.definition_id == v2
    task = _ready(env, ids["draft"])
    assert (task.id, task.title, task.role) == (draft_task.id, "Soạn dự thảo", "specialist")
    assert task.due_at == draft_task.due_at
    (job,) = env.rows(Job, Job.instance_id == ids["draft"])
    assert (job.id, job.status, job.due_at) == (timer.id, "pending", REMIND_AT)
    (event,) = env.rows(AuditEvent, AuditEvent.tag == "engine:instance:migrated")
    assert (event.actor, event.instance_id, event.before["version"], event.after["version"]) == (
        ADMIN,
        ids["draft"],
        1,
        2,
    )

    # The timer still fires at its moment, and the case runs the new version's steps to its end.
    env.clock.set(REMIND_AT)
    assert job.id in run_due_jobs(env.sessions, _fresh(env).services).done
    assert env.row(Job, job.id).status == "done"
    with _fresh(env).transaction() as engine:
        engine.complete(task.id, "an", {"text": "Dự thảo", "decision": "ok"})
    sign = _ready(env, ids["draft"])
    assert (sign.spec_name, sign.title, sign.role) == ("sign", "Ký duyệt", "division_head")
    with _fresh(env).transaction() as engine:
        engine.complete(sign.id, "chi", {})
        assert engine.data(ids["draft"])["total"] == 2 * len("Dự thảo")
    assert env.row(ProcessInstance, ids["draft"]).status == "completed"


def test_a_case_whose_move_fails_stays_on_its_version_with_the_reason(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """v3 gives the draft to the division head: a case of a unit without one fails alone; the other moves."""
    with env.transaction() as engine:
        ours = engine.start("approval", "an", approval_data).instance_id
        theirs = engine.start("approval", "dung", {**approval_data, "unit": "other"}).instance_id
    env.deploy("approval_v2.bpmn", "approval_v3.bpmn")
    v1, _v2, v3 = _versions(env, "approval")
    before = env.row(ProcessInstance, theirs)

    with _fresh(env).transaction() as engine:
        plan = engine.migrate(v1, v3, ADMIN)

    verdicts = {case.instance_id: case for case in plan.cases}
    assert verdicts[ours].can_move and not verdicts[theirs].can_move
    (failure,) = verdicts[theirs].obstacles
    assert failure.kind == migration.FAILED and "division_head" in (failure.detail or "")
    after = env.row(ProcessInstance, theirs)
    assert (after.definition_id, after.state, after.version) == (v1, before.state, before.version)
    assert _ready(env, theirs).role == "specialist"
    assert (env.row(ProcessInstance, ours).definition_id, _ready(env, ours).role) == (v3, "division_head")
    migrated = env.rows(AuditEvent, AuditEvent.tag == "engine:instance:migrated")
    assert [event.instance_id for event in migrated] == [ours]


def test_a_parent_waiting_on_children_moves_or_stays_as_its_call_does(bare_env: EngineEnv) -> None:
    """fanout v2 keeps the call: the parent moves, its children stay on their own process and hand back to it.
    fanout v3 removes the call: the parent cannot move while its children run."""
    bare_env.directory.holders.add((ADMIN, "admin", "agency"))
    bare_env.deploy("fanout_child.bpmn", "fanout.bpmn")
    with bare_env.transaction() as engine:
        parent_id = engine.start("fanout", "an", {"items": [1, 2]}).instance_id
    bare_env.deploy("fanout_v2.bpmn", "fanout_v3.bpmn")
    v1, v2, v3 = _versions(bare_env, "fanout")
    children = bare_env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)

    with _fresh(bare_env).transaction() as engine:
        (blocked,) = engine.plan_migration(v1, v3, ADMIN).cases
    assert (blocked.steps, blocked.obstacles) == (
        ("Xử lý từng mục",),
        (Obstacle(migration.CALL_REMOVED, "Xử lý từng mục"),),
    )
    with _fresh(bare_env).transaction() as engine:
        (moved,) = engine.migrate(v1, v2, ADMIN).cases
    assert moved.can_move and bare_env.row(ProcessInstance, parent_id).definition_id == v2
    assert [c.definition_id for c in bare_env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)] == [
        c.definition_id for c in children
    ]
    for child in children:
        with _fresh(bare_env).transaction() as engine:
            engine.complete(_ready(bare_env, child.id).id, "an", {"note": ""})
        run_due_jobs(bare_env.sessions, _fresh(bare_env).services)
    assert bare_env.row(ProcessInstance, parent_id).status == "completed"
    with _fresh(bare_env).transaction() as engine:
        assert engine.data(parent_id)["results"] == [10, 20]


def test_only_an_administrator_migrates_and_only_between_versions_of_one_process(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """A specialist and the auditor are refused; the same version, or another process's, is refused; nothing moves."""
    _cases(env, approval_data)
    env.deploy("approval_v2.bpmn", "reminder.bpmn")
    v1, v2 = _versions(env, "approval")
    (other,) = _versions(env, "reminder")
    before = _stored(env)
    with pytest.raises(PermissionDenied), env.transaction() as engine:
        engine.plan_migration(v1, v2, "an")
    with pytest.raises(ReadOnlyActor), env.transaction() as engine:
        engine.migrate(v1, v2, AUDITOR)
    for target in (v1, other):
        with pytest.raises(MigrationRefused), env.transaction() as engine:
            engine.migrate(v1, target, ADMIN)
    assert _stored(env) == before
    assert env.rows(AuditEvent, AuditEvent.tag == "engine:instance:migrated") == []


@pytest.mark.postgresql
def test_a_case_completed_while_it_is_being_migrated_stays_with_the_winner(
    env_factory: Callable[[SqlEngine], EngineEnv], approval_data: dict[str, Any]
) -> None:
    """The migration has read the case when the specialist completes its draft: the specialist wins,
    the case stays on its version where the specialist left it, and the migration says why."""
    with postgresql_schema(postgresql_url()) as db:
        pg = env_factory(db)
        pg.directory.holders.add((ADMIN, "admin", "agency"))
        pg.deploy("approval.bpmn")
        with pg.transaction() as engine:
            started = engine.start("approval", "an", approval_data)
        instance_id, task_id = started.instance_id, started.new_tasks[0].id
        pg.deploy("approval_v2.bpmn")
        v1, v2 = _versions(pg, "approval")
        with unit_of_work(pg.sessions) as session:
            migrating = Engine(session, pg.services)
            # Read before the specialist acts, and kept referenced: the session holds on to what it read.
            read = migrating.instance(instance_id)
            assert read.status == "running"
            with pg.transaction() as specialist:
                specialist.complete(task_id, "an", {"text": "Dự thảo"})
            (case,) = migrating.migrate(v1, v2, ADMIN).cases
        assert case.obstacles == (Obstacle(migration.CONFLICT),)
        stored = pg.row(ProcessInstance, instance_id)
        assert stored.definition_id == v1
        assert _ready(pg, instance_id).spec_name == "check"
        assert pg.rows(AuditEvent, AuditEvent.tag == "engine:instance:migrated") == []


def test_a_waiting_step_keeps_the_data_it_got_while_waiting(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """The draft's deadline was moved while it waited (as a delivered message moves a unit's): after the
    move the step still has the new deadline, and its task row's due date is computed from it."""
    with env.transaction() as engine:
        started = engine.start("approval", "an", approval_data)
    instance_id, task_id = started.instance_id, started.new_tasks[0].id
    with env.transaction() as engine:
        loaded = engine._load(instance_id, "system")
        loaded.workflow.get_task_from_id(UUID(task_id)).data["deadline"] = "2023-03-20"
        engine._save(loaded)
    env.deploy("approval_v2.bpmn")
    v1, v2 = _versions(env, "approval")
    with _fresh(env).transaction() as engine:
        assert engine.migrate(v1, v2, ADMIN).cases[0].can_move
    assert env.row(TaskRow, task_id).due_at == datetime(2023, 3, 20, 17, 0, tzinfo=UTC)  # 21 March 00:00 at UTC+7
    with _fresh(env).transaction() as engine:
        engine.complete(task_id, "an", {"text": "Dự thảo", "decision": "ok"})
        assert engine.data(instance_id)["deadline"] == "2023-03-20"


def test_a_case_whose_waiting_timer_is_gone_cannot_move(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """approval_v4 drops the draft's reminder: a case whose reminder still waits cannot move, nor one whose
    reminder has fired (its history holds the reminder and its end, which the new version lacks)."""
    with env.transaction() as engine:
        waiting = engine.start("approval", "an", approval_data).instance_id
        fired = engine.start("approval", "an", {**approval_data, "remind_at": "2023-03-06T09:00:00+07:00"}).instance_id
    env.clock.set(datetime(2023, 3, 6, 3, 0, tzinfo=UTC))
    assert len(run_due_jobs(env.sessions, _fresh(env).services).done) == 1
    env.deploy("approval_v2.bpmn", "approval_v3.bpmn", "approval_v4.bpmn")
    v1, *_, v4 = _versions(env, "approval")
    with _fresh(env).transaction() as engine:
        verdicts = {case.instance_id: case.obstacles for case in engine.plan_migration(v1, v4, ADMIN).cases}
    assert verdicts == {
        waiting: (Obstacle(migration.TIMER_REMOVED, "Quá hạn"),),
        fired: (Obstacle(migration.DONE_REMOVED, "Quá hạn"), Obstacle(migration.DONE_REMOVED, "Đã nhắc")),
    }
