"""BPMN scripts and conditions run in the sandbox: only task data and registered functions are reachable."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import pytest

from engine.errors import DeploymentError, WorkflowError
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from engine.scripting import SandboxEnvironment

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

# start → script `run` → gateway `choose` (condition on the flow to `yes`, default to `no`)
PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="urn:test">
  <bpmn:process id="sandboxed" name="Hộp cát" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="specialist" name="Chuyên viên">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>run</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>choose</bpmn:flowNodeRef><bpmn:flowNodeRef>yes</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>no</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" name="Bắt đầu"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run" name="Chạy" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="choose" name="Chọn" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    {task_yes}
    {task_no}
    <bpmn:endEvent id="end" name="Xong">
      <bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="choose"/>
    <bpmn:sequenceFlow id="f3" name="Có" sourceRef="choose" targetRef="yes">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" name="Không" sourceRef="choose" targetRef="no"/>
    <bpmn:sequenceFlow id="f5" sourceRef="yes" targetRef="end"/>
    <bpmn:sequenceFlow id="f6" sourceRef="no" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
USER_TASK = """<bpmn:userTask id="{id}" name="{id}"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="check"/>
      <spiffworkflow:property name="candidateUnit" value="'dept'"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:userTask>"""


def _deploy(env: EngineEnv, script: str = "x = 1", condition: str = "x == 1") -> None:
    xml = PROCESS.format(
        script=escape(script),
        condition=escape(condition),
        task_yes=USER_TASK.format(id="yes", incoming="f3", outgoing="f5"),
        task_no=USER_TASK.format(id="no", incoming="f4", outgoing="f6"),
    )
    with env.transaction() as engine:
        engine.deploy(xml.encode("utf-8"), "sandboxed.bpmn", "quantri")


def _refused(env: EngineEnv, *, script: str = "x = 1", condition: str = "x == 1") -> WorkflowError:
    """Start the process and expect it to fail; check that the failed start left nothing behind."""
    _deploy(env, script, condition)
    events = env.audit_count()
    with pytest.raises(WorkflowError) as failed, env.transaction() as engine:
        engine.start("sandboxed", "an", {"text": "abc"})
    assert env.rows(ProcessInstance) == []
    assert env.rows(TaskRow) == []
    assert env.audit_count() == events
    return failed.value


def test_import_fails_and_nothing_is_stored(bare_env: EngineEnv) -> None:
    """A script doing `import os` stops the start with an import error; no case, task or trail is left."""
    error = _refused(bare_env, script="import os\nx = os.getcwd()")
    assert "import" in str(error).lower()
    assert error.task_spec == "run"


@pytest.mark.parametrize(
    ("script", "named"),
    [
        ("x = open('/etc/passwd').read()", "open"),
        ("x = getattr(text, 'upper')()", "getattr"),
        ("x = type(text)", "type"),
        ("x = '{0.__class__}'.format(text)", "format"),
    ],
    ids=["open", "getattr", "type", "format-string"],
)
def test_escapes_are_refused_with_a_clear_error(bare_env: EngineEnv, script: str, named: str) -> None:
    """Files, reflection and string formatting tricks are not available to scripts."""
    error = _refused(bare_env, script=script)
    assert named in str(error)
    assert error.task_spec == "run"


@pytest.mark.parametrize(
    "script",
    ["x = __import__('os')", "x = ().__class__.__bases__", "x = text.__class__", "x = eval('1')"],
    ids=["dunder-import", "class-bases", "dunder-attribute", "eval"],
)
def test_forbidden_constructs_are_refused_before_running(script: str) -> None:
    """The sandbox refuses underscore names and attributes, and eval, before running anything."""
    environment = SandboxEnvironment({})
    context: dict[str, object] = {"text": "abc"}
    with pytest.raises(SyntaxError, match=r"starts with|not allowed"):
        environment.execute(script, context)
    assert context == {"text": "abc"}


@pytest.mark.parametrize(
    ("script", "named"),
    [("x = __import__('os')", "__import__"), ("x = ().__class__.__bases__", "__class__"), ("x = eval('1')", "Eval")],
    ids=["dunder-import", "class-bases", "eval"],
)
def test_a_construct_the_sandbox_refuses_is_named_at_deploy(bare_env: EngineEnv, script: str, named: str) -> None:
    """An administrator sees which construct the sandbox refuses and in which step, before anything is deployed."""
    with pytest.raises(DeploymentError) as refused:
        _deploy(bare_env, script=script)
    [problem] = refused.value.problems
    assert problem.startswith("run (Chạy): the script does not compile in the sandbox: line 1:") and named in problem
    assert bare_env.rows(ProcessDefinition) == []


def test_registered_functions_and_safe_builtins_work(bare_env: EngineEnv) -> None:
    """Scripts compute with the registered functions; the functions themselves are not stored as data."""
    script = "total = double(len(text))\nwords = sorted([w.upper() for w in ['b', 'a']])\nf = double"
    _deploy(bare_env, script=script, condition="total == 6")
    with bare_env.transaction() as engine:
        started = engine.start("sandboxed", "an", {"text": "abc"})
        data = engine.data(started.instance_id)
    assert (data["total"], data["words"]) == (6, ["A", "B"])
    assert "f" not in data and "double" not in data
    assert [t.spec_name for t in started.new_tasks] == ["yes"]


def test_conditions_see_registered_functions(bare_env: EngineEnv) -> None:
    """A gateway condition may call an allowed function to pick the way."""
    _deploy(bare_env, script="x = 3", condition="double(x) == 6")
    with bare_env.transaction() as engine:
        started = engine.start("sandboxed", "an", {"text": "abc"})
    assert [t.spec_name for t in started.new_tasks] == ["yes"]


@pytest.mark.parametrize("condition", ["secret_rule(x)", "open('/etc/passwd') is not None"])
def test_conditions_run_in_the_sandbox_too(bare_env: EngineEnv, condition: str) -> None:
    """A condition calling something not registered fails, naming the expression and the gateway."""
    error = _refused(bare_env, condition=condition)
    assert condition in str(error)
    assert error.task_spec == "choose"


def test_a_condition_the_sandbox_refuses_is_named_at_deploy(bare_env: EngineEnv) -> None:
    with pytest.raises(DeploymentError) as refused:
        _deploy(bare_env, condition="__import__('os') is None")
    [problem] = refused.value.problems
    assert problem.startswith("f3 (Có): the condition does not compile in the sandbox") and "__import__" in problem
