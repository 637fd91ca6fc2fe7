"""Which elements of an instance's diagram are finished and which are current, for the case page.

Read from the task rows (user tasks done and waiting), the audit trail (timers that fired) and the
child instances (call activities), then carried along the diagram's sequence flows to the steps
that run on their own in between (scripts, gateways, end events): those cannot have stopped
half-way, since the engine runs them in the same transaction as the step before.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, TaskRow

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# Elements the engine runs by itself, straight after the element before them.
AUTOMATIC = {"scriptTask", "serviceTask", "intermediateThrowEvent", "endEvent", "task", "sendTask"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
LIVE = ("running", "suspended")


@dataclass
class Graph:
    """The flow nodes of one process and the sequence flows between them."""

    kinds: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    outgoing: dict[str, list[str]] = field(default_factory=dict)
    incoming: dict[str, list[str]] = field(default_factory=dict)
    called: dict[str, str] = field(default_factory=dict)  # call activity id -> called process

    def of_kind(self, *kinds: str) -> list[str]:
        """Ids of the nodes of these kinds."""
        return [node for node, kind in self.kinds.items() if kind in kinds]


@functools.lru_cache(maxsize=32)
def _graph(checksum: str, process_id: str, xml: str) -> Graph:
    del checksum  # part of the cache key only: a new version of a file is a new graph
    # The XML was validated at deployment; never resolve entities or fetch anything while reading it.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml.encode("utf-8"), parser=parser)
    graph = Graph()
    for process in root.iter(f"{BPMN}process"):
        if process.get("id") != process_id:
            continue
        for element in process:
            kind = etree.QName(element).localname
            node = element.get("id")
            if not node or kind in ("laneSet", "ioSpecification", "extensionElements", "documentation"):
                continue
            if kind == "sequenceFlow":
                source, target = element.get("sourceRef", ""), element.get("targetRef", "")
                graph.outgoing.setdefault(source, []).append(target)
                graph.incoming.setdefault(target, []).append(source)
                continue
            graph.kinds[node] = kind
            graph.names[node] = element.get("name") or node
            if kind == "callActivity":
                graph.called[node] = element.get("calledElement", "")
    return graph


def graph_of(definition: ProcessDefinition) -> Graph:
    """The diagram of a deployed process version."""
    return _graph(definition.checksum, definition.key, definition.bpmn_xml)


@dataclass(frozen=True)
class Progress:
    """Element ids that are finished and that are waiting now."""

    completed: list[str]
    current: list[str]

    def as_json(self) -> dict[str, Any]:
        """The shape GET /cases/<id>/progress.json answers with."""
        return {"completed": self.completed, "current": self.current}


def _forward(graph: Graph, done: set[str], node: str) -> set[str]:
    """What must have run after `node` finished, up to the next step that waits."""
    found: set[str] = set()
    kind = graph.kinds.get(node, "")
    if kind in GATEWAYS and len(graph.outgoing.get(node, [])) > 1 and kind != "parallelGateway":
        return found  # which branch was taken is not known from here
    for target in graph.outgoing.get(node, []):
        target_kind = graph.kinds.get(target, "")
        # A parallel join is passed once every branch into it has arrived.
        joined = all(source in done or source == node for source in graph.incoming.get(target, []))
        passes = target_kind in AUTOMATIC or target_kind == "exclusiveGateway"
        if passes or (target_kind == "parallelGateway" and joined):
            found.add(target)
    return found


def _backward(graph: Graph, node: str) -> set[str]:
    """What must have run for `node` to be reached, when it has only one way in."""
    sources = graph.incoming.get(node, [])
    if len(sources) != 1:
        return set()
    kind = graph.kinds.get(sources[0], "")
    return {sources[0]} if kind in AUTOMATIC or kind in GATEWAYS or kind == "startEvent" else set()


def _spread(graph: Graph, done: set[str], current: set[str]) -> set[str]:
    """Carry `done` along the flows until nothing more follows."""
    changed = True
    while changed:
        before = len(done)
        for node in list(done):
            done |= _forward(graph, done, node)
            done |= _backward(graph, node)
        for node in current:
            done |= _backward(graph, node)
        changed = len(done) != before
    return done


def _reachable_from(graph: Graph, starts: list[str]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for target in graph.outgoing.get(todo.pop(), []):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def progress_of(session: Session, instance: ProcessInstance) -> Progress:
    """The finished and current elements of one instance's diagram."""
    definition = session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None  # a foreign key guarantees it
    graph = graph_of(definition)
    rows = session.execute(select(TaskRow.spec_name, TaskRow.state).where(TaskRow.instance_id == instance.id)).all()
    done = {name for name, state in rows if state == "completed"}
    current = {name for name, state in rows if state == "ready"} if instance.status in LIVE else set()
    fired = session.scalars(
        select(AuditEvent.after).where(AuditEvent.instance_id == instance.id, AuditEvent.tag == "engine:timer:fired")
    )
    done |= {str(after.get("timer")) for after in fired if isinstance(after, dict) and after.get("timer")}
    children = session.execute(
        select(ProcessInstance.process_key, ProcessInstance.status).where(ProcessInstance.parent_id == instance.id)
    ).all()
    for call, called in graph.called.items():
        states = [status for key, status in children if key == called or len(graph.called) == 1]
        if any(status in LIVE for status in states):
            current.add(call)
        elif states:
            done.add(call)
    done |= set(graph.of_kind("startEvent"))
    if instance.status == "completed":
        # The normal end: the end events not reached only from a timer or other boundary event.
        aside = _reachable_from(graph, graph.of_kind("boundaryEvent"))
        done |= {end for end in graph.of_kind("endEvent") if end not in aside}
    done = _spread(graph, done, current)
    return Progress(sorted((done - current) & graph.kinds.keys()), sorted(current))
