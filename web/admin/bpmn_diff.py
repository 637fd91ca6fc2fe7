"""What changed between two versions of a process, element by element, for the diff the deploy shows.

Elements are matched by their `id`, as bpmn-js-differ matches them: an id only in the new file was
added, one only in the old file was removed, one in both whose own content differs was changed.
An element's own content is its type, its attributes and everything inside it except the elements
that carry an id of their own (they are compared on their own); so a subprocess is "changed" when
its name changes, not when a task inside it does. Where the diagram alone moved (the shapes'
bounds, the edges' waypoints), the element is counted as moved, which changes no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from lxml import etree

BPMN_NS: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS: Final = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS: Final = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS: Final = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS: Final = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS: Final = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "spiffworkflow": SPIFF_NS}

#: Aspects of a change, each named in words by the page (web/admin/diffs.py).
NAME, TYPE, CONDITION, SCRIPT, PROPERTIES, LANE, FLOW, TIMER, CALLED, OTHER = (
    "name",
    "type",
    "condition",
    "script",
    "properties",
    "lane",
    "flow",
    "timer",
    "called",
    "other",
)


@dataclass(frozen=True)
class Element:
    """One element of a process: its id, BPMN type (local name) and name."""

    id: str
    type: str
    name: str


@dataclass(frozen=True)
class Change:
    """One changed element: what it was, what it is, and which aspects differ (before → after)."""

    before: Element
    after: Element
    aspects: dict[str, tuple[str, str]]


@dataclass
class ProcessDiff:
    """Added, removed, changed and moved elements of one process between two files."""

    key: str
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    moved: list[Element] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No element added, removed or changed (the layout may still have moved)."""
        return not (self.added or self.removed or self.changed)

    def marks(self) -> dict[str, dict[str, str]]:
        """The markers of each diagram: the old one shows removed and changed, the new one added and changed."""
        old = {e.id: "removed" for e in self.removed} | {c.before.id: "changed" for c in self.changed}
        new = {e.id: "added" for e in self.added} | {c.after.id: "changed" for c in self.changed}
        return {"old": old, "new": new}


def parse(xml: bytes | str) -> Any:
    """The root of a BPMN file, read without DTDs, entities or network (the file was checked before)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return etree.fromstring(data, parser=parser)


def _local(element: Any) -> str:
    return str(element.tag).rpartition("}")[2] if isinstance(element.tag, str) else ""


def _elements(process: Any) -> dict[str, Any]:
    """Every element with an id inside a process (the process itself included)."""
    found = {process.get("id"): process}
    for element in process.iter():
        if isinstance(element.tag, str) and element.get("id") and element is not process:
            found.setdefault(element.get("id"), element)
    return found


def _lanes(process: Any) -> dict[str, str]:
    """The lane each flow node sits in, by the lane's name (or id)."""
    lanes: dict[str, str] = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def _own_text(element: Any, tag: str) -> str:
    return " ".join((child.text or "").strip() for child in element.iterfind(tag, NS))


def _properties(element: Any) -> str:
    props = element.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    return ", ".join(f"{p.get('name')}={p.get('value')}" for p in props)


#: Attributes BPMN gives a default: a modeler that leaves out the default writes the same model.
DEFAULTS: Final = {
    "isSequential": "false",
    "isForCompensation": "false",
    "startQuantity": "1",
    "completionQuantity": "1",
    "isInterrupting": "true",
    "cancelActivity": "true",
    "parallelMultiple": "false",
    "gatewayDirection": "Unspecified",
    "instantiate": "false",
    "isClosed": "false",
    "processType": "None",
    "triggeredByEvent": "false",
    "isCollection": "false",
}


def _own(element: Any) -> Any:
    """A copy of the element's own content: without its id-bearing descendants, the lists of references,
    the attributes left at their default and the whitespace between elements (how a tool lays out its XML)."""
    copy = etree.fromstring(etree.tostring(element))
    for child in list(copy.iter()):
        if not isinstance(child.tag, str):
            continue
        # Flows are compared on their own, so a node's list of them (incoming, outgoing) is theirs.
        if child is not copy and (child.get("id") or _local(child) in ("flowNodeRef", "incoming", "outgoing")):
            parent = child.getparent()
            if parent is not None:
                parent.remove(child)
            continue
        for name, default in DEFAULTS.items():
            if child.get(name) == default:
                del child.attrib[name]
        if len(child) and not (child.text or "").strip():
            child.text = None
        if not (child.tail or "").strip():
            child.tail = None
    return copy


def _signature(element: Any) -> bytes:
    """The element's own content as canonical XML."""
    return bytes(etree.tostring(_own(element), method="c14n"))


def _other(old: Any, new: Any) -> tuple[str, str]:
    """What else differs in an element's own content: its attributes by name, or the tags inside it."""
    before, after = _own(old), _own(new)
    names = sorted(
        {etree.QName(k).localname for k in set(before.attrib) ^ set(after.attrib)}
        | {etree.QName(k).localname for k in set(before.attrib) & set(after.attrib) if before.get(k) != after.get(k)}
    )
    if names:
        return ", ".join(names), ""
    inside = sorted(
        {_local(c) for c in before.iter() if c is not before} | {_local(c) for c in after.iter() if c is not after}
    )
    return ", ".join(name for name in inside if name), ""


def _element(element: Any) -> Element:
    return Element(element.get("id"), _local(element), (element.get("name") or "").strip())


def _aspects(old: Any, new: Any, lanes: tuple[dict[str, str], dict[str, str]]) -> dict[str, tuple[str, str]]:
    aspects: dict[str, tuple[str, str]] = {}
    pairs = {
        NAME: ((old.get("name") or "").strip(), (new.get("name") or "").strip()),
        TYPE: (_local(old), _local(new)),
        CONDITION: (_own_text(old, "bpmn:conditionExpression"), _own_text(new, "bpmn:conditionExpression")),
        SCRIPT: (_own_text(old, "bpmn:script"), _own_text(new, "bpmn:script")),
        PROPERTIES: (_properties(old), _properties(new)),
        LANE: (lanes[0].get(old.get("id"), ""), lanes[1].get(new.get("id"), "")),
        FLOW: (
            f"{old.get('sourceRef') or ''} → {old.get('targetRef') or ''}",
            f"{new.get('sourceRef') or ''} → {new.get('targetRef') or ''}",
        ),
        TIMER: (_timer(old), _timer(new)),
        CALLED: (old.get("calledElement") or "", new.get("calledElement") or ""),
    }
    for aspect, (before, after) in pairs.items():
        if before != after:
            aspects[aspect] = (before, after)
    if not aspects and _signature(old) != _signature(new):
        aspects[OTHER] = _other(old, new)
    return aspects


def _timer(element: Any) -> str:
    texts = []
    for timer in element.iterfind("bpmn:timerEventDefinition", NS):
        for child in timer:
            if isinstance(child.tag, str):
                texts.append(f"{_local(child)}: {(child.text or '').strip()}")
    return "; ".join(texts)


def _layout(root: Any) -> dict[str, bytes]:
    """Each diagram element's geometry by the id of the BPMN element it draws."""
    shapes: dict[str, bytes] = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        shapes[shape.get("bpmnElement")] = etree.tostring(shape.find("dc:Bounds", NS), method="c14n")
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        shapes[edge.get("bpmnElement")] = b"".join(
            etree.tostring(point, method="c14n") for point in edge.iterfind("di:waypoint", NS)
        )
    return shapes


def find_process(root: Any, key: str) -> Any | None:
    """The process element of a file with this id (compared as text, never put into an XPath)."""
    return next((p for p in root.iterfind("bpmn:process", NS) if p.get("id") == key), None)


def process_diff(old_root: Any | None, new_root: Any, key: str) -> ProcessDiff:
    """The changes to process `key` from `old_root` (None: a process deployed for the first time) to `new_root`."""
    diff = ProcessDiff(key)
    new_process = find_process(new_root, key)
    old_process = find_process(old_root, key) if old_root is not None else None
    new = _elements(new_process) if new_process is not None else {}
    old = _elements(old_process) if old_process is not None else {}
    lanes = (
        _lanes(old_process) if old_process is not None else {},
        _lanes(new_process) if new_process is not None else {},
    )
    old_layout = _layout(old_root) if old_root is not None else {}
    new_layout = _layout(new_root)
    for element_id, element in new.items():
        if element_id not in old:
            diff.added.append(_element(element))
            continue
        aspects = _aspects(old[element_id], element, lanes)
        if aspects:
            diff.changed.append(Change(_element(old[element_id]), _element(element), aspects))
        elif old_layout.get(element_id) != new_layout.get(element_id):
            diff.moved.append(_element(element))
    diff.removed = [_element(element) for element_id, element in old.items() if element_id not in new]
    return diff
