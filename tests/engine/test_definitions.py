"""Deploying BPMN files: versions by checksum, instances pinned to their version, bad files refused."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from engine.definitions import call_order
from engine.errors import DeploymentError
from engine.models import AuditEvent, ProcessDefinition, ProcessInstance

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

BPMN = Path(__file__).parent / "bpmn"
APPROVAL = (BPMN / "approval.bpmn").read_text(encoding="utf-8")


def _deploy(env: EngineEnv, xml: str, filename: str = "approval.bpmn") -> list[ProcessDefinition]:
    with env.transaction() as engine:
        return engine.deploy(xml.encode("utf-8"), filename, "quantri")


def _versions(env: EngineEnv, key: str = "approval") -> list[int]:
    with env.sessions() as session:
        return list(session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)))


def _refusal(env: EngineEnv, xml: str) -> DeploymentError:
    with pytest.raises(DeploymentError) as caught:
        _deploy(env, xml, "broken.bpmn")
    assert _versions(env) == [1], "a refused file must not be stored"
    return caught.value


def test_same_bytes_twice_is_the_same_version(engine_env: EngineEnv) -> None:
    """An administrator re-uploading an unchanged file sees version 1 still, not a new version."""
    (again,) = _deploy(engine_env, APPROVAL)
    assert again.version == 1
    assert _versions(engine_env) == [1]


def test_changed_file_becomes_version_two(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """Editing a task name and deploying gives version 2, and new instances use it."""
    (v2,) = _deploy(engine_env, APPROVAL.replace('name="Soạn"', 'name="Soạn thảo"'))
    assert v2.version == 2
    assert sorted(_versions(engine_env)) == [1, 2]
    with engine_env.transaction() as engine:
        started = engine.start("approval", "an", approval_data)
        assert [t.title for t in started.new_tasks] == ["Soạn thảo"]
        assert engine.instance(started.instance_id).definition_id == v2.id


def test_instance_stays_on_its_version_and_completes(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """A case started before a redeployment keeps its original steps and can still be finished."""
    with engine_env.transaction() as engine:
        started = engine.start("approval", "an", approval_data)
        v1_id = engine.instance(started.instance_id).definition_id
        write = started.new_tasks[0].id
    _deploy(engine_env, APPROVAL.replace('name="Kiểm tra"', 'name="Kiểm tra v2"'))
    with engine_env.transaction() as engine:
        (check,) = engine.complete(write, "an", {"text": "Dự thảo"}).new_tasks
        assert check.title == "Kiểm tra"  # the v1 name, not the v2 one
        done = engine.complete(check.id, "chi", {"decision": "approve"})
        assert done.status == "completed"
        assert engine.instance(started.instance_id).definition_id == v1_id
        assert engine.data(started.instance_id)["total"] == 2 * len("Dự thảo")


CANDIDATE_OF_WRITE = (
    '<spiffworkflow:property name="candidateUnit" value="unit"/>\n        <spiffworkflow:property name="due'
)
TIME_DATE = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">remind_at</bpmn:timeDate>'
TIME_CYCLE = '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R3/PT1H"</bpmn:timeCycle>'


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("<bpmn:flowNodeRef>check</bpmn:flowNodeRef>", ""), "'check' is in no lane"),
        (('<spiffworkflow:property name="formKey" value="review"/>', ""), "'check' lacks the property 'formKey'"),
        ((CANDIDATE_OF_WRITE, '<spiffworkflow:property name="due'), "'write' lacks the property 'candidateUnit'"),
        ((TIME_DATE, TIME_CYCLE), "cycle timers are not supported"),
    ],
    ids=["task-outside-lane", "no-formKey", "no-candidateUnit", "cycle-timer"],
)
def test_convention_breaches_are_refused(engine_env: EngineEnv, change: tuple[str, str], problem: str) -> None:
    """A file breaking the engine's conventions is refused with the problem named, and nothing is stored."""
    old, new = change
    assert old in APPROVAL
    error = _refusal(engine_env, APPROVAL.replace(old, new))
    assert error.filename == "broken.bpmn"
    assert any(problem in p for p in error.problems), error.problems


def test_every_problem_is_listed_at_once(engine_env: EngineEnv) -> None:
    """An administrator fixing a file learns all its problems in one go, not one per upload."""
    xml = APPROVAL.replace('<spiffworkflow:property name="formKey" value="write"/>', "").replace(
        "<bpmn:flowNodeRef>check</bpmn:flowNodeRef>", ""
    )
    problems = _refusal(engine_env, xml).problems
    assert any("'write' lacks the property 'formKey'" in p for p in problems)
    assert any("'check' is in no lane" in p for p in problems)


def test_malformed_xml_is_refused(engine_env: EngineEnv) -> None:
    """A truncated upload is refused as not well-formed XML."""
    error = _refusal(engine_env, APPROVAL[: len(APPROVAL) // 2])
    assert "not well-formed XML" in str(error)


def test_xsd_invalid_file_is_refused(engine_env: EngineEnv) -> None:
    """A file that is XML but not valid BPMN 2.0 (a flow without its source) is refused by the XSD check."""
    xml = APPROVAL.replace('<bpmn:sequenceFlow id="f2" sourceRef="write"', '<bpmn:sequenceFlow id="f2"')
    error = _refusal(engine_env, xml)
    assert "sourceRef" in str(error)


def test_file_without_executable_process_is_refused(engine_env: EngineEnv) -> None:
    """A diagram that is only a picture (isExecutable false) cannot be deployed."""
    error = _refusal(engine_env, APPROVAL.replace('isExecutable="true"', 'isExecutable="false"'))
    assert "no executable process" in str(error)


def test_deploying_writes_an_audit_event(bare_env: EngineEnv) -> None:
    """The audit trail shows who deployed which version of which process, once per new version."""
    bare_env.deploy("approval.bpmn", actor="quantri")
    bare_env.deploy("approval.bpmn", actor="someone_else")  # unchanged: no new version, no event
    with bare_env.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.tag == "engine:definition:deployed")).all()
    assert [(e.actor, e.after["key"], e.after["version"], e.after["filename"]) for e in events] == [
        ("quantri", "approval", 1, "approval.bpmn")
    ]


def test_instances_of_both_versions_run_side_by_side(engine_env: EngineEnv, approval_data: dict[str, Any]) -> None:
    """After a redeployment old and new cases coexist, each on its own definition row."""
    with engine_env.transaction() as engine:
        engine.start("approval", "an", approval_data)
    _deploy(engine_env, APPROVAL.replace('name="Soạn"', 'name="Soạn (mới)"'))
    with engine_env.transaction() as engine:
        engine.start("approval", "an", approval_data)
    with engine_env.sessions() as session:
        per_version = session.execute(
            select(ProcessDefinition.version, func.count(ProcessInstance.id))
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .group_by(ProcessDefinition.version)
            .order_by(ProcessDefinition.version)
        ).all()
    assert [tuple(row) for row in per_version] == [(1, 1), (2, 1)]


def test_bpmn_fixture_files_are_deployable(bare_env: EngineEnv) -> None:
    """Every small BPMN file of these tests passes the same checks as production files."""
    names = [p.name for p in call_order(Path(BPMN).glob("*.bpmn"))]
    assert names.index("fanout_child.bpmn") < names.index("fanout.bpmn")  # the called process first
    bare_env.deploy(*names)
    with bare_env.sessions() as session:
        keys = set(session.scalars(select(ProcessDefinition.key)))
    assert {"approval", "reminder", "fanout", "fanout_child"} <= keys
