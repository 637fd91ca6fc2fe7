"""The engine's commands on the approval process: start, claim, release, reassign, complete, suspend, cancel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from engine.errors import ConcurrencyConflict, InstanceNotRunning, PermissionDenied, TaskNotActive
from engine.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.worker import run_due_jobs

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv


def _start(env: EngineEnv, data: dict[str, Any]) -> tuple[int, str]:
    with env.transaction() as engine:
        started = engine.start("approval", "an", data, title="Kế hoạch")
    (task,) = started.new_tasks
    return started.instance_id, task.id


def _snapshot(env: EngineEnv, instance_id: int, task_id: str) -> tuple[str, str | None, int, int]:
    task = env.row(TaskRow, task_id)
    return task.state, task.assignee, env.row(ProcessInstance, instance_id).version, env.audit_count()


def _assert_round_trip(env: EngineEnv, instance_id: int) -> None:
    row = env.row(ProcessInstance, instance_id)
    parsed = env.services.spec_cache.get(env.row(ProcessDefinition, row.definition_id))
    stored = json.loads(row.state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    restored = env.services.serializer.load(row.state, parsed.spec, parsed.subprocess_specs)
    assert json.loads(env.services.serializer.dump(restored)) == stored


def test_start_gives_one_ready_task_with_its_properties(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """The specialists of `dept` see one task "Soạn", due at the end of 10 March in Hà Nội time."""
    instance_id, task_id = _start(engine_env, approval_data)
    (task,) = engine_env.rows(TaskRow, TaskRow.instance_id == instance_id)
    assert (task.id, task.state, task.title, task.spec_name) == (task_id, "ready", "Soạn", "write")
    assert (task.role, task.candidate_unit, task.form_key, task.assignee) == ("specialist", "dept", "write", None)
    assert task.due_at == datetime(2023, 3, 10, 17, 0, tzinfo=UTC)  # 11 March 00:00 at UTC+7
    assert task.case_id == instance_id
    instance = engine_env.row(ProcessInstance, instance_id)
    assert (instance.status, instance.started_by, instance.title) == ("running", "an", "Kế hoạch")


def test_outsider_cannot_complete_and_nothing_changes(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A specialist of another unit is refused, and the task, the case and the trail are as they were."""
    instance_id, task_id = _start(engine_env, approval_data)
    before = _snapshot(engine_env, instance_id, task_id)
    with pytest.raises(PermissionDenied) as refused, engine_env.transaction() as engine:
        engine.complete(task_id, "dung", {"text": "x"})
    assert (refused.value.actor, refused.value.action) == ("dung", "complete")
    assert _snapshot(engine_env, instance_id, task_id) == before


def test_completing_twice_names_who_completed(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A colleague who submits a task already done is told it was completed, and by whom."""
    _, task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.complete(task_id, "an", {"text": "Dự thảo"})
    with pytest.raises(TaskNotActive, match=r"already completed by an"), engine_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "Dự thảo khác"})
    assert engine_env.row(TaskRow, task_id).completed_by == "an"


def test_return_loop_creates_a_new_task_and_state_round_trips(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """A draft sent back appears again as a new task; the stored state restores identically at each step."""
    instance_id, first = _start(engine_env, approval_data)
    _assert_round_trip(engine_env, instance_id)
    with engine_env.transaction() as engine:
        (check,) = engine.complete(first, "an", {"text": "Bản 1"}).new_tasks
    _assert_round_trip(engine_env, instance_id)
    with engine_env.transaction() as engine:
        (again,) = engine.complete(check.id, "chi", {"decision": "return", "comment": "Sửa mục 2"}).new_tasks
    _assert_round_trip(engine_env, instance_id)
    assert again.spec_name == "write" and again.id != first
    writes = {r.id: r.state for r in engine_env.rows(TaskRow, TaskRow.spec_name == "write")}
    assert writes == {first: "completed", again.id: "ready"}
    checked = engine_env.row(TaskRow, check.id)
    assert (checked.decision, checked.comment, checked.completed_by) == ("return", "Sửa mục 2", "chi")


def test_claim_by_a_second_colleague_conflicts(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Once An took the task, Bình's claim is refused naming An; An claiming again changes nothing."""
    _, task_id = _start(engine_env, approval_data)
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.claim(task_id, "dung")  # a specialist, but of another unit
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
    with pytest.raises(ConcurrencyConflict, match="already claimed by an"), engine_env.transaction() as engine:
        engine.claim(task_id, "binh")
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
    assert engine_env.row(TaskRow, task_id).assignee == "an"
    claims = engine_env.rows(AuditEvent, AuditEvent.tag == "engine:task:claimed")
    assert [e.actor for e in claims] == ["an"]


def test_release_by_someone_else_is_refused(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Only the colleague holding a task can give it back to the group."""
    _, task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.release(task_id, "binh")
    assert engine_env.row(TaskRow, task_id).assignee == "an"
    with engine_env.transaction() as engine:
        engine.release(task_id, "an")
    assert engine_env.row(TaskRow, task_id).assignee is None


@pytest.mark.parametrize(
    ("to_user", "reason"),
    [("binh", ""), ("binh", "   "), ("chi", "nghỉ phép"), ("dung", "nghỉ phép"), ("nobody", "nghỉ phép")],
    ids=["no-reason", "blank-reason", "wrong-role", "wrong-unit", "unknown-user"],
)
def test_reassign_is_refused_without_reason_or_qualified_target(
    engine_env: EngineEnv, approval_data: dict[str, Any], to_user: str, reason: str
) -> None:
    """A hand-over needs a reason and a colleague holding the same role in the same unit."""
    instance_id, task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
    before = _snapshot(engine_env, instance_id, task_id)
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.reassign(task_id, "an", to_user, reason)
    assert _snapshot(engine_env, instance_id, task_id) == before


def test_reassign_is_audited_and_only_the_new_assignee_completes(
    engine_env: EngineEnv, approval_data: dict[str, Any]
) -> None:
    """After An hands the task to Bình "nghỉ phép", the trail says so and only Bình may complete it."""
    _, task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.claim(task_id, "an")
        engine.reassign(task_id, "an", "binh", "nghỉ phép")
    (event,) = engine_env.rows(AuditEvent, AuditEvent.tag == "engine:task:reassigned")
    assert (event.actor, event.comment, event.task_id) == ("an", "nghỉ phép", task_id)
    assert (event.before, event.after["assignee"]) == ({"assignee": "an"}, "binh")
    with pytest.raises(PermissionDenied), engine_env.transaction() as engine:
        engine.complete(task_id, "an", {"text": "x"})
    with engine_env.transaction() as engine:
        engine.complete(task_id, "binh", {"text": "x"})
    assert engine_env.row(TaskRow, task_id).completed_by == "binh"


def test_suspend_blocks_completion_until_resumed(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A suspended case cannot move on; after resuming, the same task can be completed."""
    instance_id, task_id = _start(engine_env, approval_data)
    with engine_env.transaction() as engine:
        engine.suspend(instance_id, "chi", "chờ ý kiến")
    with pytest.raises(InstanceNotRunning) as held, engine_env.transaction() as engine:
        engine.complete(task_id, "an", {"text": "x"})
    assert held.value.status == "suspended"
    assert engine_env.row(TaskRow, task_id).state == "ready"
    with engine_env.transaction() as engine:
        engine.resume(instance_id, "chi")
        engine.complete(task_id, "an", {"text": "x"})
    assert engine_env.row(TaskRow, task_id).state == "completed"
    tags = [e.tag for e in engine_env.rows(AuditEvent, AuditEvent.instance_id == instance_id)]
    assert tags.index("engine:instance:suspended") < tags.index("engine:instance:resumed")


def test_cancel_closes_open_tasks_and_pending_jobs(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A cancelled case leaves nobody's inbox and its reminder will never fire."""
    instance_id, task_id = _start(engine_env, approval_data)
    (job,) = engine_env.rows(Job, Job.instance_id == instance_id)
    assert job.status == "pending"
    with engine_env.transaction() as engine:
        engine.cancel(instance_id, "chi", "văn bản bị thu hồi")
    assert engine_env.row(ProcessInstance, instance_id).status == "cancelled"
    assert engine_env.row(TaskRow, task_id).state == "cancelled"
    assert engine_env.row(Job, job.id).status == "cancelled"
    (event,) = engine_env.rows(AuditEvent, AuditEvent.tag == "engine:instance:cancelled")
    assert (event.actor, event.comment) == ("chi", "văn bản bị thu hồi")
    with pytest.raises(TaskNotActive), engine_env.transaction() as engine:
        engine.complete(task_id, "an", {"text": "x"})
    with pytest.raises(InstanceNotRunning), engine_env.transaction() as engine:
        engine.cancel(instance_id, "chi", "lần nữa")


# -- child instances: a parallel multi-instance call activity over `items` -----------------------


def _fan_out(env: EngineEnv, items: list[int], **data: Any) -> tuple[int, list[ProcessInstance]]:
    env.deploy("fanout_child.bpmn", "fanout.bpmn")
    with env.transaction() as engine:
        parent_id = engine.start("fanout", "an", {"items": items, **data}).instance_id
    return parent_id, env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)


def _finish_children(env: EngineEnv, children: list[ProcessInstance]) -> None:
    for child in children:
        (task,) = env.rows(TaskRow, TaskRow.instance_id == child.id)
        with env.transaction() as engine:
            assert engine.complete(task.id, "an", {"note": "GHI-CHU-RIENG"}).status == "completed"


def test_parent_starts_one_child_instance_per_item(bare_env: EngineEnv) -> None:
    """Three items give three child cases in the same case, each with its own task and small state."""
    # The case's bulky data, which children do not take as input (ASCII: the state JSON escapes accents).
    attachment = "TEP-DINH-KEM " * 1000
    parent_id, children = _fan_out(bare_env, [1, 2, 3], attachment=attachment)
    assert len(children) == 3
    assert {c.case_id for c in children} == {parent_id}
    assert len({c.parent_task_id for c in children}) == 3
    for child in children:
        (task,) = bare_env.rows(TaskRow, TaskRow.instance_id == child.id)
        assert (task.spec_name, task.case_id, task.candidate_unit) == ("handle_item", parent_id, "dept")
        assert "handle_item" in child.state and attachment not in child.state
    parent = bare_env.row(ProcessInstance, parent_id)
    assert parent.status == "running"
    assert "handle_item" not in parent.state  # the children's steps are not copied into the parent
    assert parent.state.count(attachment) == 1  # nor is the case's data copied once per child


def test_children_hand_back_results_and_the_worker_resumes_the_parent(bare_env: EngineEnv) -> None:
    """When every child is done the parent goes on once, with all results and none of the children's data."""
    parent_id, children = _fan_out(bare_env, [1, 2, 3])
    _finish_children(bare_env, children)
    assert {c.status for c in bare_env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)} == {"completed"}
    resumes = bare_env.rows(Job, Job.instance_id == parent_id, Job.kind == "resume_parent")
    assert sorted(j.target for j in resumes) == sorted(str(c.id) for c in children)

    report = run_due_jobs(bare_env.sessions, bare_env.services)

    assert (len(report.done), report.failed) == (1, [])  # one pass resumed the parent for all three
    assert {j.status for j in bare_env.rows(Job, Job.kind == "resume_parent")} == {"done"}
    parent = bare_env.row(ProcessInstance, parent_id)
    assert parent.status == "completed"
    assert "GHI-CHU-RIENG" not in parent.state
    with bare_env.transaction() as engine:
        assert sorted(engine.data(parent_id)["results"]) == [10, 20, 30]


def test_results_come_back_in_the_order_of_the_items(bare_env: EngineEnv) -> None:
    """The consolidated list follows the order of the recipients, whichever unit reported first."""
    parent_id, children = _fan_out(bare_env, [1, 2, 3])
    _finish_children(bare_env, list(reversed(children)))
    run_due_jobs(bare_env.sessions, bare_env.services)
    with bare_env.transaction() as engine:
        assert engine.data(parent_id)["results"] == [10, 20, 30]


def test_cancelling_the_parent_cancels_running_children(bare_env: EngineEnv) -> None:
    """Withdrawing the directive withdraws it from every unit still working on it."""
    parent_id, children = _fan_out(bare_env, [1, 2])
    _finish_children(bare_env, children[:1])
    with bare_env.transaction() as engine:
        engine.cancel(parent_id, "chi", "thu hồi")
    statuses = {c.id: c.status for c in bare_env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)}
    assert statuses == {children[0].id: "completed", children[1].id: "cancelled"}
    (open_task,) = bare_env.rows(TaskRow, TaskRow.instance_id == children[1].id)
    assert open_task.state == "cancelled"
    assert {j.status for j in bare_env.rows(Job, Job.instance_id == parent_id)} == {"cancelled"}
