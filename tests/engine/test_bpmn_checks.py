"""Deploying refuses, before storing anything, what would otherwise break only when a case got there.

Each rule has a file that breaks it; each problem names the element (id and name) and a hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from engine.bpmn_checks import MAX_BYTES
from engine.errors import DeploymentError
from engine.models import ProcessDefinition

if TYPE_CHECKING:
    from tests.engine.conftest import EngineEnv

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="urn:test">
  <bpmn:process id="checked" name="Kiểm tra" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="specialist" name="Chuyên viên">{refs}</bpmn:lane></bpmn:laneSet>
    {body}
  </bpmn:process>
</bpmn:definitions>
"""
TASK = """<bpmn:userTask id="{id}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formKey" value="check"/>
      <spiffworkflow:property name="candidateUnit" value="'dept'"/>
      <spiffworkflow:property name="dueDate" value="{due}"/>
      </spiffworkflow:properties></bpmn:extensionElements>{flows}</bpmn:userTask>"""
START = '<bpmn:startEvent id="start" name="Bắt đầu"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
END = '<bpmn:endEvent id="end" name="Xong"><bpmn:incoming>{incoming}</bpmn:incoming></bpmn:endEvent>'


def _file(*nodes: str, flows: str = "", doctype: str = "") -> bytes:
    refs = "".join(
        f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>"
        for node_id in ("start", "work", "extra", "script", "end", "loop", "call", "wait")
        if f'id="{node_id}"' in "".join(nodes)
    )
    return HEAD.format(doctype=doctype, refs=refs, body="".join(nodes) + flows).encode("utf-8")


def _task(
    node_id: str = "work", name: str = "Làm việc", due: str = "deadline", incoming: str = "f1", outgoing: str = "f2"
) -> str:
    flows = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.split()) + "".join(
        f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.split()
    )
    return TASK.format(id=node_id, name=name, due=due, flows=flows)


def _end(incoming: str) -> str:
    return END.format(incoming="</bpmn:incoming><bpmn:incoming>".join(incoming.split()))


def _flow(flow_id: str, source: str, target: str, body: str = "") -> str:
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


SIMPLE_FLOWS = _flow("f1", "start", "work") + _flow("f2", "work", "end")


def _refused(env: EngineEnv, xml: bytes) -> list[str]:
    with pytest.raises(DeploymentError) as refused, env.transaction() as engine:
        engine.deploy(xml, "checked.bpmn", "quantri")
    assert env.rows(ProcessDefinition) == []
    return refused.value.problems


def test_a_sound_file_deploys(bare_env: EngineEnv) -> None:
    with bare_env.transaction() as engine:
        [definition] = engine.deploy(_file(START, _task(), _end("f2"), flows=SIMPLE_FLOWS), "ok.bpmn", "quantri")
    assert definition.key == "checked"


def test_an_external_entity_is_refused_and_never_read(bare_env: EngineEnv) -> None:
    doctype = '<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    documentation = "<bpmn:documentation>&secret;</bpmn:documentation>"
    xml = _file(START, _task(), _end("f2"), flows=SIMPLE_FLOWS + documentation, doctype=doctype)
    problems = _refused(bare_env, xml)
    assert problems == ["a DOCTYPE is not allowed (BPMN needs none; entities are never expanded)"]


def test_an_entity_bomb_is_refused_without_being_expanded(bare_env: EngineEnv) -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f"<!DOCTYPE d [{entities}]>\n"
    xml = _file(
        START, _task(), _end("f2"), flows=SIMPLE_FLOWS + "<bpmn:documentation>&a9;</bpmn:documentation>", doctype=bomb
    )
    assert _refused(bare_env, xml)[0].startswith("a DOCTYPE is not allowed")


def test_a_file_too_large_is_refused_before_it_is_parsed(bare_env: EngineEnv) -> None:
    padding = "<!-- " + "x" * MAX_BYTES + " -->"
    xml = _file(START, _task(), _end("f2"), flows=SIMPLE_FLOWS + padding)
    [problem] = _refused(bare_env, xml)
    assert problem.startswith(f"the file has {len(xml):,} bytes, more than {MAX_BYTES:,}")


def test_scripts_conditions_timers_and_properties_must_compile(bare_env: EngineEnv) -> None:
    script = (
        '<bpmn:scriptTask id="script" name="Tính" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming>'
        "<bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>x = (1 +</bpmn:script></bpmn:scriptTask>"
    )
    wait = (
        '<bpmn:intermediateCatchEvent id="wait" name="Chờ"><bpmn:incoming>f3</bpmn:incoming>'
        "<bpmn:outgoing>f4</bpmn:outgoing>"
        '<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">2023-03-08 08:00</bpmn:timeDate>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )
    gateway = (
        '<bpmn:exclusiveGateway id="choose" name="Chọn" default="f6"><bpmn:incoming>f4</bpmn:incoming>'
        "<bpmn:outgoing>f5</bpmn:outgoing><bpmn:outgoing>f6</bpmn:outgoing></bpmn:exclusiveGateway>"
    )
    condition = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">x =! 1</bpmn:conditionExpression>'
    flows = (
        _flow("f1", "start", "work")
        + _flow("f2", "work", "script")
        + _flow("f3", "script", "wait")
        + _flow("f4", "wait", "choose")
        + _flow("f5", "choose", "end", condition)
        + _flow("f6", "choose", "end")
    )
    xml = _file(START, _task(due="next_working_day(today()"), script, wait, gateway, _end("f5 f6"), flows=flows)
    problems = _refused(bare_env, xml)
    assert [p.split(": ")[0] for p in problems] == ["script (Tính)", "f5", "wait (Chờ)", "work (Làm việc)"]
    assert "the script does not compile in the sandbox: line 1:" in problems[0]
    assert "the condition does not compile" in problems[1]
    assert "the timer's timeDate does not compile" in problems[2]
    assert "the property dueDate does not compile" in problems[3]


def test_unreachable_elements_and_dead_ends_are_named(bare_env: EngineEnv) -> None:
    fork = (
        '<bpmn:parallelGateway id="fork" name="Tách"><bpmn:incoming>f1</bpmn:incoming>'
        "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:parallelGateway>"
    )
    nodes = (
        START,
        fork,
        _task(incoming="f2", outgoing="f3"),
        _task("extra", "Việc thừa", incoming="", outgoing="f9"),  # nothing leads to it
        _task("loop", "Vòng lặp", incoming="f5 f4", outgoing="f4"),  # it only leads back to itself
        _end("f3 f9"),
    )
    flows = (
        _flow("f1", "start", "fork")
        + _flow("f2", "fork", "work")
        + _flow("f5", "fork", "loop")
        + _flow("f3", "work", "end")
        + _flow("f4", "loop", "loop")
        + _flow("f9", "extra", "end")
    )
    problems = _refused(bare_env, _file(*nodes, flows=flows))
    assert problems == [
        "extra (Việc thừa): cannot be reached from a start event (connect a flow into it or remove it)",
        "loop (Vòng lặp): never leads to an end event (give the loop a way out)",
    ]


def test_a_called_process_must_exist(bare_env: EngineEnv) -> None:
    call = (
        '<bpmn:callActivity id="call" name="Gọi quy trình con" calledElement="missing_child">'
        "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>"
    )
    xml = _file(START, call, _end("f2"), flows=_flow("f1", "start", "call") + _flow("f2", "call", "end"))
    problems = _refused(bare_env, xml)
    assert problems == [
        "call (Gọi quy trình con): calls the process 'missing_child', which is neither in this file nor deployed"
        " (deploy it first)"
    ]
    bare_env.deploy("fanout_child.bpmn")
    with bare_env.transaction() as engine:
        engine.deploy(xml.replace(b"missing_child", b"fanout_child"), "checked.bpmn", "quantri")
