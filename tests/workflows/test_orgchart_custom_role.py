"""A role the chart declares and no code knows: a BPMN lane names it, and only its holders do the step.

The invented district (tests/workflows/district_org.py) declares "inspector" (Thanh tra huyện); a
process written by its administrator puts a step in that lane. Nothing in the product was changed
or migrated for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.errors import PermissionDenied
from engine.runtime import Engine
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from web.core.composition import Runtime
from web.core.db import unit_of_work

INSPECTOR = "thanhtra.ubnd"

INSPECTION_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_inspection" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="p" name="Thanh tra" processRef="inspection"/>
  </bpmn:collaboration>
  <bpmn:process id="inspection" name="Kiểm tra việc chấp hành" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="inspector" name="Thanh tra huyện">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inspect</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Bắt đầu"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="inspect" name="Kiểm tra tại xã">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="acknowledge"/>
        <spiffworkflow:property name="candidateUnit" value="agency"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Xong"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inspect"/>
    <bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        yield runtime


def test_a_lane_named_after_a_declared_role_reaches_its_holders_only(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        engine = Engine(session, runtime.services)
        engine.deploy(INSPECTION_BPMN, "inspection.bpmn", district.ADMIN)
        started = engine.start("inspection", district.CHAIRMAN, {"agency": district.AGENCY})
        (task,) = [t for t in started.new_tasks if t.spec_name == "inspect"]
        task_id = task.id
        assert (task.role, task.candidate_unit) == ("inspector", district.AGENCY)
    with unit_of_work(runtime.sessions) as session:
        engine = Engine(session, runtime.services)
        row = engine.task(task_id)
        assert engine.may_do(INSPECTOR, row)
        assert not engine.may_do(district.CHAIRMAN, row) and not engine.may_do(district.SPECIALIST, row)
    with pytest.raises(PermissionDenied), unit_of_work(runtime.sessions) as session:
        Engine(session, runtime.services).complete(task_id, district.SPECIALIST, {"acknowledge_note": ""})
    with unit_of_work(runtime.sessions) as session:
        done = Engine(session, runtime.services).complete(task_id, INSPECTOR, {"acknowledge_note": "Đã kiểm tra."})
        assert done.status == "completed"
