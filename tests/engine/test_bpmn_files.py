"""The BPMN files in bpmn/: valid BPMN 2.0, buildable by SpiffWorkflow, and within bpmn/README.md."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn_checks import FLOW_NODES

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
MIWG_DIR = Path(__file__).resolve().parents[3] / "shared" / "bpmn-miwg"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

# bpmn/README.md, "Lanes are roles": lane id -> lane name.
ROLES = {
    "clerk": "Văn thư",
    "director": "Giám đốc Sở",
    "leader": "Lãnh đạo Sở (ký duyệt)",
    "division_head": "Trưởng phòng",
    "specialist": "Chuyên viên",
    "office": "Văn phòng (thể thức)",
    "unit_officer": "Cán bộ đơn vị",
}

PROCESSES: dict[str, dict[str, Any]] = {
    "directive_lifecycle": {
        "lanes": ["clerk", "director", "leader", "division_head", "specialist", "office"],
        "ids": {
            "load_settings",
            "register_incoming",
            "record_arrival",
            "instruct",
            "draft",
            "review_content",
            "check_format",
            "sign",
            "issue",
            "number_directive",
            "distribute",
            "publish",
            "aggregate_reports",
            "consolidate",
            "sign_report",
            "issue_report",
            "number_report",
            "close_tracking",
        },
    },
    "unit_execution": {
        "lanes": ["unit_officer", "specialist"],
        "ids": {
            "prepare",
            "acknowledge",
            "arm_deadline",
            "report",
            "remind",
            "escalate",
            "send_reminder",
            "escalate_overdue",
            "record_submission",
            "review_report",
            "extend_deadline",
            "build_output",
            "acknowledge_merge",
            "round_unacknowledged",
            "move_deadline_unacknowledged",
            "round_report",
            "move_deadline",
        },
    },
    "reminder_round": {
        "lanes": ["specialist", "division_head", "leader", "clerk"],
        "ids": {
            "draft_round",
            "review_round",
            "round_content_ok",
            "sign_round",
            "round_signed",
            "issue_round",
            "number_round",
        },
    },
}


process_ids = pytest.mark.parametrize("process_id", sorted(PROCESSES))


def _path(process_id: str) -> Path:
    return BPMN_DIR / f"{process_id}.bpmn"


def _tree(process_id: str) -> etree._ElementTree:
    return etree.parse(str(_path(process_id)))


def _process(tree: etree._ElementTree, process_id: str) -> etree._Element:
    (process,) = tree.xpath("//bpmn:process[@id=$pid]", namespaces=NS, pid=process_id)
    return process


def _flow_nodes(process: etree._Element) -> list[etree._Element]:
    return [el for el in process if etree.QName(el).localname in FLOW_NODES]


def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    (b,) = shape.xpath("dc:Bounds", namespaces=NS)
    return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))


def _properties(task: etree._Element) -> dict[str, str]:
    props = task.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {p.get("name"): p.get("value") for p in props}


@process_ids
def test_file_passes_the_bpmn_xsd(process_id: str) -> None:
    BpmnValidator().validate(_tree(process_id))


def test_xsd_validator_rejects_elements_out_of_schema_order() -> None:
    """Control for the test above: ioSpecification must precede laneSet inside a process."""
    tree = copy.deepcopy(_tree("unit_execution"))
    process = _process(tree, "unit_execution")
    (io_spec,) = process.xpath("bpmn:ioSpecification", namespaces=NS)
    process.remove(io_spec)
    process.xpath("bpmn:laneSet", namespaces=NS)[0].addnext(io_spec)
    with pytest.raises(ValidationException):
        BpmnValidator().validate(tree)


@process_ids
def test_spiffworkflow_builds_the_process(process_id: str) -> None:
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(_path(process_id)))
    spec = parser.get_spec(process_id)
    bpmn_ids = {ts.bpmn_id for ts in spec.task_specs.values()}
    assert PROCESSES[process_id]["ids"] <= bpmn_ids


def test_lifecycle_calls_unit_execution_once_per_recipient() -> None:
    parser = SpiffBpmnParser(validator=BpmnValidator())
    parser.add_bpmn_files([str(_path(pid)) for pid in PROCESSES])
    assert set(parser.get_subprocess_specs("directive_lifecycle")) == {"unit_execution"}
    distribute = parser.get_spec("directive_lifecycle").task_specs["distribute"]
    assert distribute.data_input.bpmn_id == "recipients"
    assert distribute.input_item.bpmn_id == "unit"
    assert distribute.data_output.bpmn_id == "unit_reports"
    assert distribute.output_item.bpmn_id == "unit_report"

    child = parser.get_spec("unit_execution").io_specification
    assert [d.bpmn_id for d in child.data_inputs] == [
        "unit",
        "agency",
        "lead_division",
        "directive_number",
        "directive_subject",
        "report_deadline",
        "urgency",
        "report_required",
        "report_figures",
        "report_questions",
        "close_by",
    ]
    assert [d.bpmn_id for d in child.data_outputs] == ["unit_report"]


@process_ids
def test_every_flow_node_sits_in_exactly_one_role_lane(process_id: str) -> None:
    tree = _tree(process_id)
    process = _process(tree, process_id)
    lanes = process.xpath("bpmn:laneSet/bpmn:lane", namespaces=NS)
    assert [lane.get("id") for lane in lanes] == PROCESSES[process_id]["lanes"]
    assert {lane.get("id"): lane.get("name") for lane in lanes} == {
        code: ROLES[code] for code in PROCESSES[process_id]["lanes"]
    }

    refs = [ref.text for ref in process.xpath("bpmn:laneSet/bpmn:lane/bpmn:flowNodeRef", namespaces=NS)]
    node_ids = [node.get("id") for node in _flow_nodes(process)]
    assert sorted(refs) == sorted(node_ids)  # each node once, and nothing else


@process_ids
def test_diagram_draws_every_element(process_id: str) -> None:
    tree = _tree(process_id)
    process = _process(tree, process_id)
    (collaboration,) = tree.xpath("//bpmn:collaboration", namespaces=NS)
    (participant,) = collaboration.xpath("bpmn:participant", namespaces=NS)
    assert participant.get("processRef") == process_id
    (plane,) = tree.xpath("//bpmndi:BPMNDiagram/bpmndi:BPMNPlane", namespaces=NS)
    assert plane.get("bpmnElement") == collaboration.get("id")

    shapes = {s.get("bpmnElement"): s for s in plane.xpath("bpmndi:BPMNShape", namespaces=NS)}
    edges = {e.get("bpmnElement"): e for e in plane.xpath("bpmndi:BPMNEdge", namespaces=NS)}
    lanes = process.xpath("bpmn:laneSet/bpmn:lane", namespaces=NS)
    for el in [participant, *lanes]:
        assert shapes[el.get("id")].get("isHorizontal") == "true"
    for node in _flow_nodes(process):
        assert node.get("id") in shapes, node.get("id")
    for flow in process.xpath("bpmn:sequenceFlow", namespaces=NS):
        assert flow.get("id") in edges, flow.get("id")
        assert len(edges[flow.get("id")].xpath("di:waypoint", namespaces=NS)) >= 2, flow.get("id")


@process_ids
def test_diagram_shapes_do_not_overlap(process_id: str) -> None:
    tree = _tree(process_id)
    process = _process(tree, process_id)
    shapes = {s.get("bpmnElement"): s for s in tree.xpath("//bpmndi:BPMNShape", namespaces=NS)}
    nodes = _flow_nodes(process)
    boxes = {n.get("id"): _bounds(shapes[n.get("id")]) for n in nodes}
    hosts = {n.get("id"): n.get("attachedToRef") for n in nodes if n.get("attachedToRef")}

    for event_id, host_id in hosts.items():  # a boundary event's centre lies on its host's border
        ex, ey, ew, eh = boxes[event_id]
        hx, hy, hw, hh = boxes[host_id]
        cx, cy = ex + ew / 2, ey + eh / 2
        on_x_edge = cx in (hx, hx + hw) and hy <= cy <= hy + hh
        on_y_edge = cy in (hy, hy + hh) and hx <= cx <= hx + hw
        assert on_x_edge or on_y_edge, event_id

    ids = sorted(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if hosts.get(a) == b or hosts.get(b) == a:
                continue
            ax, ay, aw, ah = boxes[a]
            bx, by, bw, bh = boxes[b]
            overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
            assert not overlap, (a, b)


@process_ids
def test_elements_carry_vietnamese_names(process_id: str) -> None:
    tree = _tree(process_id)
    process = _process(tree, process_id)
    for el in tree.xpath("//bpmn:*[@name]", namespaces=NS):
        assert el.get("name").strip(), el.get("id")
    for node in _flow_nodes(process):
        assert (node.get("name") or "").strip(), node.get("id")
    for gateway in process.xpath("bpmn:exclusiveGateway", namespaces=NS):
        outgoing = process.xpath("bpmn:sequenceFlow[@sourceRef=$g]", namespaces=NS, g=gateway.get("id"))
        if len(outgoing) > 1:  # a decision: each way out says what it means ("Trả lại", "Đồng ý")
            assert all((f.get("name") or "").strip() for f in outgoing), gateway.get("id")
            assert gateway.get("default") in {f.get("id") for f in outgoing}, gateway.get("id")


@process_ids
def test_user_tasks_carry_the_engine_properties(process_id: str) -> None:
    process = _process(_tree(process_id), process_id)
    tasks = process.xpath("bpmn:userTask", namespaces=NS)
    assert tasks
    for task in tasks:
        props = _properties(task)
        assert re.fullmatch(r"[a-z_]+", props.get("formKey", "")), task.get("id")
        assert props.get("candidateUnit", "").strip(), task.get("id")
        # register_incoming is the form that writes urgency, so it cannot be prioritised by it
        if task.get("id") != "register_incoming":
            assert props.get("priority") == "urgency", task.get("id")
    signing = [t for t in tasks if t.get("id") in {"sign", "sign_report"}]
    assert all(_properties(t)["assignee"] == "signer" for t in signing)


def _miwg_files() -> list[Path]:
    if not MIWG_DIR.is_dir():
        message = f"BPMN MIWG reference models not found at {MIWG_DIR}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must provide them")
        pytest.skip(f"{message} (the OMG test suite's models are kept beside the repository, not in it)")
    files = sorted(MIWG_DIR.glob("*.bpmn"))
    assert files, f"no .bpmn files in {MIWG_DIR}"
    return files


def test_miwg_reference_models_pass_the_xsd_validator() -> None:
    failures = {}
    for path in _miwg_files():
        try:
            BpmnValidator().validate(etree.parse(str(path)))
        except ValidationException as exc:
            failures[path.name] = str(exc)
    assert failures == {}
