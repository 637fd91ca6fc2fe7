"""An administrator holds, releases, cancels and hands over any case; others as the process allows.

Every step runs in its own unit of work and reads back what is stored with a runtime that never
saw the case before (a spec cache of its own), as a restarted server or another worker would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.definitions import SpecCache
from engine.errors import InstanceNotRunning, PermissionDenied, ReadOnlyActor
from engine.models import AuditEvent, Job, ProcessInstance, TaskRow
from engine.worker import run_due_jobs
from tests.engine.conftest import EngineEnv

ADMIN, AUDITOR = "quantri", "kiemtra"
REMIND_AT = datetime(2023, 3, 9, 2, 0, tzinfo=UTC)  # approval's remind_at: 9 March 09:00 in Hà Nội


@pytest.fixture
def env(engine_env: EngineEnv) -> EngineEnv:
    """The approval process, an administrator of the agency and an auditor."""
    engine_env.directory.holders |= {(ADMIN, "admin", "agency"), (AUDITOR, "auditor", "agency")}
    return engine_env


def _fresh(env: EngineEnv) -> EngineEnv:
    """The same database seen by a runtime that never parsed anything."""
    env.services = replace(env.services, spec_cache=SpecCache())
    return env


def _start(env: EngineEnv, data: dict[str, Any]) -> tuple[int, str]:
    with env.transaction() as engine:
        started = engine.start("approval", "an", data, title="Kế hoạch")
    return started.instance_id, started.new_tasks[0].id


def _events(env: EngineEnv, tag: str) -> list[AuditEvent]:
    return env.rows(AuditEvent, AuditEvent.tag == tag)


def _timer(env: EngineEnv, instance_id: int) -> Job:
    (job,) = env.rows(Job, Job.instance_id == instance_id, Job.kind == "timer")
    return job


def test_an_administrator_suspends_a_case_nothing_moves_until_resumed(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """Suspended by the administrator with a reason: its task cannot be done, its timer waits; resumed, both go on."""
    instance_id, task_id = _start(env, approval_data)
    with _fresh(env).transaction() as engine:
        engine.suspend(instance_id, ADMIN, "Chờ ý kiến Giám đốc")
    (held,) = _events(env, "engine:instance:suspended")
    assert (held.actor, held.comment, held.before, held.after) == (
        ADMIN,
        "Chờ ý kiến Giám đốc",
        {"status": "running"},
        {"status": "suspended"},
    )
    with pytest.raises(InstanceNotRunning), _fresh(env).transaction() as engine:
        engine.complete(task_id, "an", {"text": "Dự thảo"})
    env.clock.set(REMIND_AT + timedelta(hours=1))
    assert run_due_jobs(env.sessions, _fresh(env).services).done == []
    assert (_timer(env, instance_id).status, env.row(TaskRow, task_id).state) == ("pending", "ready")

    with _fresh(env).transaction() as engine:
        engine.resume(instance_id, ADMIN)
    (resumed,) = _events(env, "engine:instance:resumed")
    assert (resumed.actor, resumed.comment, resumed.after) == (ADMIN, None, {"status": "running"})
    assert run_due_jobs(env.sessions, _fresh(env).services).done == [_timer(env, instance_id).id]
    assert _timer(env, instance_id).status == "done"
    with _fresh(env).transaction() as engine:
        engine.complete(task_id, "an", {"text": "Dự thảo"})
    assert env.row(TaskRow, task_id).state == "completed"


def test_suspending_needs_a_reason_and_resuming_keeps_one_given(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A blank reason is refused and nothing is stored; a reason given on resuming is in the trail."""
    instance_id, _ = _start(env, approval_data)
    before = env.rows(AuditEvent)
    with pytest.raises(PermissionDenied) as refused, env.transaction() as engine:
        engine.suspend(instance_id, ADMIN, "   ")
    assert refused.value.action == "suspend without a reason"
    assert (env.row(ProcessInstance, instance_id).status, len(env.rows(AuditEvent))) == ("running", len(before))
    with env.transaction() as engine:
        engine.suspend(instance_id, ADMIN, "Kiểm tra lại")
    with pytest.raises(InstanceNotRunning), env.transaction() as engine:
        engine.suspend(instance_id, ADMIN, "Lần nữa")
    with env.transaction() as engine:
        engine.resume(instance_id, ADMIN, "Đã có ý kiến")
    assert _events(env, "engine:instance:resumed")[0].comment == "Đã có ý kiến"


def test_suspending_a_case_holds_its_child_instances(bare_env: EngineEnv) -> None:
    """A fan-out held: every child is suspended too (no task of theirs can be done); resumed, all go on."""
    bare_env.directory.holders.add((ADMIN, "admin", "agency"))
    bare_env.deploy("fanout_child.bpmn", "fanout.bpmn")
    with bare_env.transaction() as engine:
        parent_id = engine.start("fanout", "an", {"items": [1, 2]}).instance_id
    with _fresh(bare_env).transaction() as engine:
        engine.suspend(parent_id, ADMIN, "Rà soát danh sách")
    statuses = {row.id: row.status for row in bare_env.rows(ProcessInstance)}
    assert set(statuses.values()) == {"suspended"} and len(statuses) == 3
    child_task = bare_env.rows(TaskRow, TaskRow.state == "ready")[0]
    with pytest.raises(InstanceNotRunning), _fresh(bare_env).transaction() as engine:
        engine.complete(child_task.id, "an", {"note": ""})
    with _fresh(bare_env).transaction() as engine:
        engine.resume(parent_id, ADMIN)
    assert {row.status for row in bare_env.rows(ProcessInstance)} == {"running"}
    assert len(_events(bare_env, "engine:instance:resumed")) == 3


def test_an_administrator_cancels_a_case_no_process_role_names(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """The process lets only the division head cancel; the administrator may too, a specialist may not."""
    instance_id, task_id = _start(env, approval_data)
    with pytest.raises(PermissionDenied), env.transaction() as engine:
        engine.cancel(instance_id, "an", "Không cần nữa")
    with _fresh(env).transaction() as engine:
        assert engine.may_cancel(ADMIN, instance_id) and not engine.may_cancel("an", instance_id)
        engine.cancel(instance_id, ADMIN, "Văn bản bị thu hồi")
    (cancelled,) = _events(env, "engine:instance:cancelled")
    assert (cancelled.actor, cancelled.comment, cancelled.before, cancelled.after) == (
        ADMIN,
        "Văn bản bị thu hồi",
        {"status": "running"},
        {"status": "cancelled"},
    )
    assert (env.row(ProcessInstance, instance_id).status, env.row(TaskRow, task_id).state) == ("cancelled", "cancelled")
    assert _timer(env, instance_id).status == "cancelled"


def test_an_administrator_hands_a_task_to_anyone_who_may_hold_its_role(
    env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """To another specialist of the unit: done and audited with the reason; to someone of another unit: refused."""
    instance_id, task_id = _start(env, approval_data)
    with pytest.raises(PermissionDenied) as outsider, env.transaction() as engine:
        engine.reassign_as_admin(task_id, ADMIN, "dung", "Người khác làm")
    assert outsider.value.actor == "dung"
    with _fresh(env).transaction() as engine:
        engine.reassign_as_admin(task_id, ADMIN, "binh", "Chuyên viên An nghỉ ốm")
    (handed,) = _events(env, "engine:task:reassigned")
    assert (handed.actor, handed.comment, handed.before, handed.after["assignee"]) == (
        ADMIN,
        "Chuyên viên An nghỉ ốm",
        {"assignee": None},
        "binh",
    )
    assert env.row(TaskRow, task_id).assignee == "binh"
    with _fresh(env).transaction() as engine:
        engine.suspend(instance_id, ADMIN, "Chờ")
        engine.reassign_as_admin(task_id, ADMIN, "an", "Trả lại người soạn")
    assert env.row(TaskRow, task_id).assignee == "an"


def test_others_may_not_act_as_administrators(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A specialist cannot use the administrator's hand-over; the auditor can do none of it; nothing is stored."""
    instance_id, task_id = _start(env, approval_data)
    count = len(env.rows(AuditEvent))
    with pytest.raises(PermissionDenied) as specialist, env.transaction() as engine:
        engine.reassign_as_admin(task_id, "an", "binh", "Tôi bận")
    assert specialist.value.action == "hand over as administrator"
    for command in (
        lambda engine: engine.suspend(instance_id, AUDITOR, "Kiểm tra"),
        lambda engine: engine.resume(instance_id, AUDITOR),
        lambda engine: engine.cancel(instance_id, AUDITOR, "Kiểm tra"),
        lambda engine: engine.reassign_as_admin(task_id, AUDITOR, "binh", "Kiểm tra"),
    ):
        with pytest.raises(ReadOnlyActor), env.transaction() as engine:
            command(engine)
    assert len(env.rows(AuditEvent)) == count
    assert (env.row(ProcessInstance, instance_id).status, env.row(TaskRow, task_id).assignee) == ("running", None)


def test_only_those_who_may_cancel_a_case_may_hold_it(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A specialist of the unit may not suspend the case; its division head (cancelRoles) may, and resume it;
    the specialist may not resume what the head suspended. Refusals store nothing."""
    instance_id, _task_id = _start(env, approval_data)
    count = len(env.rows(AuditEvent))
    with pytest.raises(PermissionDenied) as refused, env.transaction() as engine:
        engine.suspend(instance_id, "an", "Tôi muốn dừng")
    assert refused.value.action == "suspend"
    assert (env.row(ProcessInstance, instance_id).status, len(env.rows(AuditEvent))) == ("running", count)
    with _fresh(env).transaction() as engine:
        engine.suspend(instance_id, "chi", "Chờ ý kiến lãnh đạo")
    with pytest.raises(PermissionDenied), _fresh(env).transaction() as engine:
        engine.resume(instance_id, "an")
    assert env.row(ProcessInstance, instance_id).status == "suspended"
    with _fresh(env).transaction() as engine:
        engine.resume(instance_id, "chi")
    assert env.row(ProcessInstance, instance_id).status == "running"
