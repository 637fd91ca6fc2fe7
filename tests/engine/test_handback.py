"""Children handing their results back: one load of the parent, loud failures, cancelled children."""

from __future__ import annotations

from dataclasses import replace

import pytest
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask

from engine.definitions import SpecCache
from engine.errors import PermissionDenied
from engine.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, TaskRow
from engine.worker import run_due_jobs
from tests.engine.conftest import EngineEnv


def _fan_out(env: EngineEnv, items: list[int]) -> tuple[int, list[ProcessInstance]]:
    env.deploy("fanout_child.bpmn", "fanout.bpmn")
    with env.transaction() as engine:
        parent_id = engine.start("fanout", "an", {"items": items}).instance_id
    return parent_id, env.rows(ProcessInstance, ProcessInstance.parent_id == parent_id)


def _finish(env: EngineEnv, child: ProcessInstance) -> None:
    (task,) = env.rows(TaskRow, TaskRow.instance_id == child.id, TaskRow.state == "ready")
    with env.transaction() as engine:
        engine.complete(task.id, "an", {"note": ""})


def _fresh(env: EngineEnv) -> EngineEnv:
    """The same database seen by a worker that never parsed anything: a spec cache of its own."""
    env.services = replace(env.services, spec_cache=SpecCache())
    return env


def test_parent_is_loaded_once_when_its_last_child_ends(bare_env: EngineEnv) -> None:
    """Children ending one at a time leave the parent untouched until the last; then all results arrive."""
    parent_id, children = _fan_out(bare_env, [1, 2, 3])
    version = bare_env.row(ProcessInstance, parent_id).version
    for child in children[:2]:
        _finish(bare_env, child)
        report = run_due_jobs(bare_env.sessions, _fresh(bare_env).services)
        assert (len(report.done), report.failed) == (1, [])
    assert bare_env.row(ProcessInstance, parent_id).version == version
    _finish(bare_env, children[2])
    run_due_jobs(bare_env.sessions, _fresh(bare_env).services)
    assert bare_env.row(ProcessInstance, parent_id).status == "completed"
    with bare_env.transaction() as engine:
        assert engine.data(parent_id)["results"] == [10, 20, 30]
    assert {job.status for job in bare_env.rows(Job, Job.kind == "resume_parent")} == {"done"}


def test_a_resume_for_a_child_still_running_is_an_incident_at_once(bare_env: EngineEnv) -> None:
    """A job that cannot do what it is for is never marked done; it says why, the first time."""
    parent_id, children = _fan_out(bare_env, [1, 2])
    with bare_env.sessions() as session:
        session.add(
            Job(
                instance_id=parent_id,
                kind="resume_parent",
                target=str(children[0].id),
                due_at=bare_env.clock.now(),
                status="pending",
                attempts=0,
                created_at=bare_env.clock.now(),
            )
        )
        session.commit()
    report = run_due_jobs(bare_env.sessions, bare_env.services)
    ((_, error),) = report.failed
    assert "is running" in error
    (job,) = bare_env.rows(Job, Job.kind == "resume_parent")
    assert (job.status, job.attempts) == ("incident", 1)
    assert "is running" in (job.last_error or "")
    (incident,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:job:incident")
    assert incident.comment == error


def test_a_multi_instance_that_does_not_take_the_output_is_an_incident(bare_env: EngineEnv) -> None:
    """Without the merge SpiffWorkflow wires in memory the result would be dropped: the job fails loudly."""
    parent_id, children = _fan_out(bare_env, [1])
    fresh = _fresh(bare_env)
    with fresh.sessions() as session:
        definition = session.get_one(ProcessDefinition, bare_env.row(ProcessInstance, parent_id).definition_id)
        spec = fresh.services.spec_cache.get(definition).spec
    # Undo the wiring the engine adds at parse time, as a process that never created the instances had it.
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            spec.task_specs[task_spec.task_spec].completed_event.disconnect(task_spec.merge_child)
    _finish(bare_env, children[0])
    report = run_due_jobs(bare_env.sessions, fresh.services)
    ((_, error),) = report.failed
    assert "did not take the output" in error
    (job,) = bare_env.rows(Job, Job.kind == "resume_parent")
    assert job.status == "incident"
    assert bare_env.row(ProcessInstance, parent_id).status == "running"


def test_a_cancelled_child_lets_the_parent_go_on_without_it(bare_env: EngineEnv) -> None:
    """The division head releases one item: the others' results arrive, the released one is left out."""
    parent_id, children = _fan_out(bare_env, [1, 2, 3])
    _finish(bare_env, children[0])
    _finish(bare_env, children[2])
    with bare_env.transaction() as engine:
        engine.cancel(children[1].id, "chi", "đơn vị đã giải thể")
    run_due_jobs(bare_env.sessions, _fresh(bare_env).services)
    assert bare_env.row(ProcessInstance, children[1].id).status == "cancelled"
    assert bare_env.row(ProcessInstance, parent_id).status == "completed"
    with bare_env.transaction() as engine:
        assert engine.data(parent_id)["results"] == [10, 30]
    (event,) = bare_env.rows(AuditEvent, AuditEvent.tag == "engine:instance:cancelled")
    assert (event.actor, event.instance_id, event.comment) == ("chi", children[1].id, "đơn vị đã giải thể")


def test_a_child_cancelled_last_still_completes_the_parent(bare_env: EngineEnv) -> None:
    """The case never waits for a cancelled child, whichever ends last."""
    parent_id, children = _fan_out(bare_env, [1, 2])
    _finish(bare_env, children[0])
    run_due_jobs(bare_env.sessions, bare_env.services)
    assert bare_env.row(ProcessInstance, parent_id).status == "running"
    with bare_env.transaction() as engine:
        engine.cancel(children[1].id, "chi", "miễn báo cáo")
    run_due_jobs(bare_env.sessions, _fresh(bare_env).services)
    assert bare_env.row(ProcessInstance, parent_id).status == "completed"
    with bare_env.transaction() as engine:
        assert engine.data(parent_id)["results"] == [10]


@pytest.mark.parametrize("actor", ["an", "dung", "em"])
def test_only_a_role_the_process_names_may_cancel(bare_env: EngineEnv, actor: str) -> None:
    """A specialist or an officer of the unit cannot cancel; nothing changes and no job is queued."""
    _parent_id, children = _fan_out(bare_env, [1, 2])
    with pytest.raises(PermissionDenied), bare_env.transaction() as engine:
        engine.cancel(children[0].id, actor, "không cần nữa")
    assert bare_env.row(ProcessInstance, children[0].id).status == "running"
    assert bare_env.rows(Job, Job.kind == "resume_parent") == []
    assert bare_env.rows(AuditEvent, AuditEvent.tag == "engine:instance:cancelled") == []


def test_cancelling_needs_a_reason(bare_env: EngineEnv) -> None:
    """The trail must say why: an empty reason is refused."""
    _parent_id, children = _fan_out(bare_env, [1])
    with pytest.raises(PermissionDenied), bare_env.transaction() as engine:
        engine.cancel(children[0].id, "chi", "   ")
    assert bare_env.row(ProcessInstance, children[0].id).status == "running"
