"""What the deploy's diff calls added, removed, changed and moved, element by element (web/admin/bpmn_diff.py)."""

from __future__ import annotations

from web.admin import bpmn_diff
from web.admin.bpmn_diff import ProcessDiff, parse, process_diff

HEAD = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'id="d" targetNamespace="x"><process id="p" isExecutable="true">'
)
LANES = (
    '<laneSet id="ls"><lane id="clerk" name="Văn thư"><flowNodeRef>start</flowNodeRef><flowNodeRef>a</flowNodeRef>'
    '</lane><lane id="head" name="Trưởng phòng"><flowNodeRef>b</flowNodeRef><flowNodeRef>end</flowNodeRef></lane>'
    "</laneSet>"
)
NODES = (
    '<startEvent id="start"/><task id="a" name="Soạn"/><exclusiveGateway id="g" default="f3"/>'
    '<task id="b" name="Duyệt"/><endEvent id="end"/>'
    '<sequenceFlow id="f1" sourceRef="start" targetRef="a"/><sequenceFlow id="f2" sourceRef="a" targetRef="g"/>'
    '<sequenceFlow id="f3" sourceRef="g" targetRef="b"/>'
    '<sequenceFlow id="f4" sourceRef="g" targetRef="end"><conditionExpression>urgent</conditionExpression>'
    '</sequenceFlow><sequenceFlow id="f5" sourceRef="b" targetRef="end"/>'
)
DIAGRAM = (
    '</process><bpmndi:BPMNDiagram id="dg"><bpmndi:BPMNPlane id="pl" bpmnElement="p">'
    '<bpmndi:BPMNShape id="a_di" bpmnElement="a"><dc:Bounds x="{x}" y="0" width="100" height="80"/>'
    "</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>"
)


def _file(lanes: str = LANES, nodes: str = NODES, x: int = 10) -> str:
    return HEAD + lanes + nodes + DIAGRAM.format(x=x)


def _diff(old: str, new: str) -> ProcessDiff:
    return process_diff(parse(old), parse(new), "p")


def test_a_file_written_differently_is_no_change() -> None:
    """Whitespace, and attributes left at their BPMN default, are how a tool writes, not what the model says."""
    rewritten = _file().replace("><", ">\n  <").replace('<task id="b"', '<task id="b" startQuantity="1"')
    diff = _diff(_file(), rewritten)
    assert diff.empty and not diff.moved


def test_each_aspect_of_a_change_is_named() -> None:
    new = (
        _file()
        .replace('name="Duyệt"', 'name="Phê duyệt"')
        .replace("<conditionExpression>urgent<", "<conditionExpression>not urgent<")
        .replace("<flowNodeRef>a</flowNodeRef></lane>", "</lane>")
        .replace("<flowNodeRef>b</flowNodeRef>", "<flowNodeRef>a</flowNodeRef><flowNodeRef>b</flowNodeRef>")
        .replace('<exclusiveGateway id="g" default="f3"/>', '<exclusiveGateway id="g"/>')
    )
    diff = _diff(_file(), new)
    aspects = {change.after.id: change.aspects for change in diff.changed}
    assert aspects == {
        "b": {bpmn_diff.NAME: ("Duyệt", "Phê duyệt")},
        "f4": {bpmn_diff.CONDITION: ("urgent", "not urgent")},
        "a": {bpmn_diff.LANE: ("Văn thư", "Trưởng phòng")},
        "g": {bpmn_diff.OTHER: ("default", "")},
    }
    assert diff.marks() == {"old": dict.fromkeys(aspects, "changed"), "new": dict.fromkeys(aspects, "changed")}


def test_an_added_step_marks_itself_and_its_flows_not_its_neighbours() -> None:
    new = _file(
        nodes=NODES.replace(
            'targetRef="end"/>',
            'targetRef="c"/><task id="c" name="Lưu"/><sequenceFlow id="f6" sourceRef="c" targetRef="end"/>',
        )
    )
    diff = _diff(_file(), new)
    assert sorted(e.id for e in diff.added) == ["c", "f6"]
    assert [c.after.id for c in diff.changed] == ["f5"]  # it now leads to the new step
    assert diff.changed[0].aspects == {bpmn_diff.FLOW: ("b → end", "b → c")}
    removed = _diff(new, _file())
    assert sorted(e.id for e in removed.removed) == ["c", "f6"]


def test_a_shape_moved_on_the_diagram_changes_nothing_but_is_counted() -> None:
    diff = _diff(_file(), _file(x=300))
    assert diff.empty and [e.id for e in diff.moved] == ["a"]


def test_a_new_process_is_all_added() -> None:
    diff = process_diff(None, parse(_file()), "p")
    assert {e.id for e in diff.added} >= {"p", "start", "a", "g", "b", "end", "f1", "f5", "clerk"}
    assert not diff.removed and not diff.changed
