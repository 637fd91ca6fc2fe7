"""Checks a BPMN file must pass before it is deployed, each problem named by element with a hint.

`engine/definitions.py` runs them on every deploy, before anything is stored: a file that fails
is never deployed and nothing running is touched. They come on top of the XSD and SpiffWorkflow's
own parsing, and catch what would otherwise surface only when a case reaches the element:

- **size**: at most `MAX_BYTES` and `MAX_ELEMENTS`, so one upload cannot take a worker's memory;
- **no DTD**: a DOCTYPE (the carrier of entity expansion and external entities) is refused;
- **expressions**: every script, condition, timer and expression-valued property compiles in the
  sandbox (engine/scripting.py), so a typo is found now rather than in a running case;
- **called processes** exist, in this file or already deployed;
- **structure**: every element is reachable from a start event, and every element can still reach
  an end (no dead ends, no loops without a way out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from .scripting import compile_problem

BPMN_NS: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS: Final = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS: Final = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ELEMENTS: Final = 20_000
#: Task properties whose values are expressions evaluated against the task data.
EXPRESSION_PROPERTIES: Final = ("candidateUnit", "dueDate", "priority", "assignee", "detail")

#: The BPMN elements that sequence flows connect (the nodes of a process's graph).
FLOW_NODES: Final = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be deployed, tied to the element it is about (None: the whole file)."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = ""
        if self.element_id:
            where = f"{self.element_id} ({self.element_name}): " if self.element_name else f"{self.element_id}: "
        return f"{where}{self.message}" + (f" ({self.hint})" if self.hint else "")


def raw_problems(xml: bytes) -> list[Problem]:
    """What is refused before parsing: a file too large to take in, or a DOCTYPE in its prologue."""
    if len(xml) > MAX_BYTES:
        return [Problem(f"the file has {len(xml):,} bytes, more than {MAX_BYTES:,}", hint="split it or remove images")]
    if _has_doctype(xml):
        return [_NO_DOCTYPE]
    return []


_NO_DOCTYPE: Final = Problem("a DOCTYPE is not allowed", hint="BPMN needs none; entities are never expanded")
# The prologue ends where the root element starts: "<" and a name, not "<?" or "<!".
_PROLOGUE: Final = re.compile(r"\A(.*?)<[A-Za-z_]", re.DOTALL)


def _has_doctype(xml: bytes) -> bool:
    # Read as UTF-16 when it starts with that byte-order mark, else as the ASCII-compatible encodings.
    text = xml.decode("utf-16", "replace") if xml[:2] in (b"\xff\xfe", b"\xfe\xff") else xml.decode("latin-1")
    prologue = _PROLOGUE.match(text)
    return "<!DOCTYPE" in (prologue.group(1) if prologue else text)


def tree_problems(tree: Any) -> list[Problem]:
    """A DTD, or more elements than a process needs."""
    problems = []
    info = tree.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        problems.append(_NO_DOCTYPE)
    count = sum(1 for _ in tree.iter())
    if count > MAX_ELEMENTS:
        problems.append(Problem(f"the file has {count:,} XML elements, more than {MAX_ELEMENTS:,}"))
    return problems


def process_problems(tree: Any, process_id: str, called_exists: Callable[[str], bool]) -> list[Problem]:
    """Expressions, called processes and structure of one executable process."""
    process = tree.find(f"bpmn:process[@id='{process_id}']", NS)
    if process is None:
        return [Problem(f"no process {process_id!r}")]
    return [
        *_expression_problems(process),
        *_call_problems(process, called_exists),
        *_structure_problems(process),
    ]


# -- expressions -----------------------------------------------------------------------------------


def _expression_problems(process: Any) -> list[Problem]:
    problems = []
    for element, source, mode, what in _expressions(process):
        reason = compile_problem(source, mode)
        if reason is not None:
            problems.append(
                _about(element, f"{what} does not compile in the sandbox: {reason}", "scripts see task data only")
            )
    return problems


def _expressions(process: Any) -> Iterable[tuple[Any, str, Literal["exec", "eval"], str]]:
    for node in process.iterfind(".//bpmn:scriptTask", NS):
        script = node.findtext("bpmn:script", default="", namespaces=NS)
        if script.strip():
            yield node, script, "exec", "the script"
    for tag, what in (("preScript", "the pre-script"), ("postScript", "the post-script")):
        for holder in process.iterfind(f".//bpmn:extensionElements/spiffworkflow:{tag}", NS):
            if (holder.text or "").strip():
                yield holder.getparent().getparent(), holder.text, "exec", what
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        condition = flow.findtext("bpmn:conditionExpression", default="", namespaces=NS)
        if condition.strip():
            yield flow, condition, "eval", "the condition"
    for timer in process.iterfind(".//bpmn:timerEventDefinition", NS):
        for tag in ("timeDate", "timeDuration", "timeCycle"):
            text = timer.findtext(f"bpmn:{tag}", default="", namespaces=NS)
            if text.strip():
                yield timer.getparent(), text, "eval", f"the timer's {tag}"
    for prop in process.iterfind(".//spiffworkflow:property", NS):
        if prop.get("name") in EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
            owner = prop.getparent().getparent().getparent()
            yield owner, prop.get("value"), "eval", f"the property {prop.get('name')}"
    for loop in process.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
        for tag in ("loopCardinality", "completionCondition"):
            text = loop.findtext(f"bpmn:{tag}", default="", namespaces=NS)
            if text.strip():
                yield loop.getparent(), text, "eval", f"the {tag}"


# -- called processes ------------------------------------------------------------------------------


def _call_problems(process: Any, called_exists: Callable[[str], bool]) -> list[Problem]:
    problems = []
    for call in process.iterfind(".//bpmn:callActivity", NS):
        called = (call.get("calledElement") or "").strip()
        if not called:
            problems.append(_about(call, "names no called process", "set calledElement to a process id"))
        elif not called_exists(called):
            problems.append(
                _about(
                    call, f"calls the process {called!r}, which is neither in this file nor deployed", "deploy it first"
                )
            )
    return problems


# -- structure -------------------------------------------------------------------------------------


def _structure_problems(process: Any) -> list[Problem]:
    problems = []
    for container in [
        process,
        *process.iterfind(".//bpmn:subProcess", NS),
        *process.iterfind(".//bpmn:transaction", NS),
    ]:
        problems.extend(_container_problems(container))
    return problems


def _local(element: Any) -> str:
    return str(element.tag).rpartition("}")[2]


def _container_problems(container: Any) -> list[Problem]:
    nodes = {child.get("id"): child for child in container if _local(child) in FLOW_NODES}
    if not nodes or container.get("triggeredByEvent") == "true":
        # An event subprocess starts by its event, not by a flow: its inside is checked, not its reachability.
        return [] if not nodes else _dead_ends(nodes, _edges(container, nodes))
    edges = _edges(container, nodes)
    incoming = {target for targets in edges.values() for target in targets}
    # With start events the process begins there; without, BPMN starts every element no flow leads to.
    starts = [node_id for node_id, node in nodes.items() if _local(node) == "startEvent"] or [
        node_id
        for node_id, node in nodes.items()
        if node_id not in incoming and _local(node) != "boundaryEvent" and not _is_event_subprocess(node)
    ]
    reached = _walk(starts, edges)
    problems = [
        _about(node, "cannot be reached from a start event", "connect a flow into it or remove it")
        for node_id, node in nodes.items()
        if node_id not in reached and not _is_event_subprocess(node)
    ]
    return problems + _dead_ends({k: v for k, v in nodes.items() if k in reached}, edges)


def _dead_ends(nodes: dict[str, Any], edges: dict[str, set[str]]) -> list[Problem]:
    ends = [node_id for node_id, node in nodes.items() if not edges.get(node_id) and _local(node) == "endEvent"]
    backwards: dict[str, set[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            backwards.setdefault(target, set()).add(source)
    finishing = _walk(ends, backwards)
    problems = []
    for node_id, node in nodes.items():
        if _is_event_subprocess(node) or node_id in finishing:
            continue
        if not edges.get(node_id):
            if _local(node) == "boundaryEvent" or _local(node) not in ("endEvent",):
                problems.append(
                    _about(node, "has no outgoing flow and is not an end event", "end the path with an end event")
                )
        else:
            problems.append(_about(node, "never leads to an end event", "give the loop a way out"))
    return problems


def _edges(container: Any, nodes: dict[str, Any]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for flow in container:
        if _local(flow) == "sequenceFlow":
            edges.setdefault(flow.get("sourceRef"), set()).add(flow.get("targetRef"))
    for node_id, node in nodes.items():
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            # A boundary event is reached with the activity it is attached to.
            edges.setdefault(node.get("attachedToRef"), set()).add(node_id)
    return edges


def _walk(starts: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        stack.extend(edges.get(node_id, ()))
    return seen


def _is_event_subprocess(node: Any) -> bool:
    return _local(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _about(element: Any, message: str, hint: str = "") -> Problem:
    return Problem(message, element.get("id"), element.get("name"), hint)
