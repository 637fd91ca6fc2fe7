"""An auditor reads everything and changes nothing: every engine command refuses a person holding
only the auditor's role, before anything is stored; the same command done by an officer leaves its
event with what it changed. Each step runs in its own unit of work and reads back through a fresh
engine on the same database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from engine.errors import PermissionDenied, ReadOnlyActor
from engine.models import AuditEvent, ProcessInstance, TaskRow
from engine.runtime import Engine
from tests.engine.conftest import BPMN

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

AUDITOR = "kiemtra"


@pytest.fixture
def env(engine_env: EngineEnv) -> EngineEnv:
    """The approval process deployed, with Kiểm Tra holding the auditor's role of the unit."""
    engine_env.directory.holders.add((AUDITOR, "auditor", "dept"))
    return engine_env


def _start(env: EngineEnv, data: dict[str, Any]) -> tuple[int, str]:
    with env.transaction() as engine:
        result = engine.start("approval", "chi", data, title="Kế hoạch")
    return result.instance_id, result.new_tasks[0].id


def _refused(env: EngineEnv, command: Callable[[Engine], object]) -> None:
    """The command raises ReadOnlyActor and the database keeps exactly what it held."""
    events, tasks = env.audit_count(), [(t.id, t.state, t.assignee) for t in env.rows(TaskRow)]
    instances = [(i.id, i.status, i.state) for i in env.rows(ProcessInstance)]
    with pytest.raises(ReadOnlyActor) as refused, env.transaction() as engine:
        command(engine)
    assert isinstance(refused.value, PermissionDenied)
    assert refused.value.actor == AUDITOR
    assert env.audit_count() == events
    assert [(t.id, t.state, t.assignee) for t in env.rows(TaskRow)] == tasks
    assert [(i.id, i.status, i.state) for i in env.rows(ProcessInstance)] == instances


def _last(env: EngineEnv, tag: str) -> AuditEvent:
    return env.rows(AuditEvent, AuditEvent.tag == tag)[-1]


def test_an_auditor_can_start_nothing_nor_deploy(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Starting a case or deploying a diagram in the auditor's name changes nothing."""
    _refused(env, lambda engine: engine.start("approval", AUDITOR, approval_data, title="Thử"))
    xml = (BPMN / "reminder.bpmn").read_bytes()
    _refused(env, lambda engine: engine.deploy(xml, "reminder.bpmn", AUDITOR))
    env.deploy("reminder.bpmn")
    deployed = _last(env, "engine:definition:deployed")
    assert (deployed.actor, deployed.after["key"], deployed.after["filename"]) == (
        "quantri",
        "reminder",
        "reminder.bpmn",
    )


def test_an_auditor_can_do_nothing_to_a_task(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Claim, hand over, complete and release are refused to the auditor; each done by an officer
    leaves its event with the before and after the auditor reads later."""
    _, task_id = _start(env, approval_data)
    _refused(env, lambda engine: engine.claim(task_id, AUDITOR))
    _refused(env, lambda engine: engine.reassign(task_id, AUDITOR, "binh", "kiểm tra thử"))
    _refused(env, lambda engine: engine.complete(task_id, AUDITOR, {"text": "Sửa của kiểm tra"}))
    with env.transaction() as engine:
        engine.claim(task_id, "an")
    assert _last(env, "engine:task:claimed").actor == "an"
    _refused(env, lambda engine: engine.release(task_id, AUDITOR))
    with env.transaction() as engine:
        engine.release(task_id, "an")
        engine.claim(task_id, "an")
    released = _last(env, "engine:task:released")
    assert (released.actor, released.task_id, released.after["task"]) == ("an", task_id, "write")
    with env.transaction() as engine:
        engine.reassign(task_id, "an", "binh", "nghỉ phép")
    handed = _last(env, "engine:task:reassigned")
    assert (handed.before, handed.after["assignee"], handed.comment) == ({"assignee": "an"}, "binh", "nghỉ phép")
    with env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Dự thảo lần 1"})
    done = _last(env, "engine:task:completed")
    assert (done.actor, done.before["text"], done.after["text"]) == ("binh", approval_data["text"], "Dự thảo lần 1")
    with env.transaction() as engine:
        assert engine.data(engine.task(task_id).instance_id)["text"] == "Dự thảo lần 1"


def test_an_auditor_can_neither_hold_nor_stop_a_case(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Suspend, resume and cancel are refused to the auditor, even with a reason; the division head's are recorded."""
    instance_id, _ = _start(env, approval_data)
    started = _last(env, "engine:instance:started")
    assert (started.actor, started.instance_id, started.after) == (
        "chi",
        instance_id,
        {"process": "approval", "version": 1, "parent": None},
    )
    _refused(env, lambda engine: engine.suspend(instance_id, AUDITOR, "kiểm tra"))
    with env.transaction() as engine:
        engine.suspend(instance_id, "chi", "chờ ý kiến")
    assert _last(env, "engine:instance:suspended").comment == "chờ ý kiến"
    _refused(env, lambda engine: engine.resume(instance_id, AUDITOR))
    with env.transaction() as engine:
        engine.resume(instance_id, "chi")
    assert (_last(env, "engine:instance:resumed").actor, env.row(ProcessInstance, instance_id).status) == (
        "chi",
        "running",
    )
    _refused(env, lambda engine: engine.cancel(instance_id, AUDITOR, "kiểm tra"))
    with env.transaction() as engine:
        engine.cancel(instance_id, "chi", "văn bản bị thu hồi")
    cancelled = _last(env, "engine:instance:cancelled")
    assert (cancelled.actor, cancelled.instance_id, cancelled.comment) == ("chi", instance_id, "văn bản bị thu hồi")
    assert env.row(ProcessInstance, instance_id).status == "cancelled"


def test_an_auditor_who_also_holds_another_role_acts_with_it(env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Auditing adds reading rights only: the auditor who is also the unit's specialist does the unit's step."""
    env.directory.holders.add((AUDITOR, "specialist", "dept"))
    _, task_id = _start(env, approval_data)
    with env.transaction() as engine:
        engine.complete(task_id, AUDITOR, {"text": "Dự thảo của chuyên viên"})
    assert env.row(TaskRow, task_id).completed_by == AUDITOR
