"""Deploying BPMN: validate, version by checksum, read the facts commands need, cache parsed specs."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import CallActivityParser
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import bpmn_checks
from .errors import DeploymentError, NotFound
from .models import ProcessDefinition
from .ports import DeployCheck
from .specs import CLOCKED_TIMERS, ExternalCallActivity, OrderedParallelMultiInstance

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
REQUIRED_TASK_PROPERTIES = ("formKey", "candidateUnit")


class ChildInstanceCallParser(CallActivityParser):  # type: ignore[misc]
    """Call activities whose multi-instance outputs keep the order of the items."""

    PARALLEL_MI_CLASS = OrderedParallelMultiInstance


class EngineBpmnParser(SpiffBpmnParser):  # type: ignore[misc]
    """SpiffWorkflow's parser with call activities as child instances."""

    # Spiff's own task parsers stay (their pre- and post-scripts among them); only call activities change.
    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, tuple[type, type]]] = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("callActivity"): (ChildInstanceCallParser, ExternalCallActivity),
    }


@dataclass(frozen=True)
class ParsedProcess:
    """A process spec ready to instantiate, with the facts read from its XML."""

    spec: Any
    subprocess_specs: dict[str, Any]
    metadata: dict[str, Any]


def checksum(xml: bytes) -> str:
    """SHA-256 of the file as deployed: the identity of a definition version."""
    return hashlib.sha256(xml).hexdigest()


def _parse_tree(xml: bytes, filename: str) -> Any:
    # No DTD is loaded, no entity expanded, nothing fetched: a DOCTYPE is then refused by bpmn_checks.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    problems = bpmn_checks.raw_problems(xml)
    if problems:
        raise DeploymentError(filename, problems)
    try:
        tree = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DeploymentError(filename, [f"not well-formed XML: {exc}"]) from exc
    problems = bpmn_checks.tree_problems(tree)
    if problems:
        raise DeploymentError(filename, problems)
    return tree


def read_metadata(tree: Any, process_id: str) -> dict[str, Any]:
    """Lanes as roles and the properties of each user task of one process."""
    process = tree.find(f"bpmn:process[@id='{process_id}']", NS)
    roles: dict[str, str] = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            roles[(ref.text or "").strip()] = lane.get("id")
    user_tasks: dict[str, dict[str, Any]] = {}
    for node in process.iterfind(".//bpmn:userTask", NS):
        props = {
            p.get("name"): p.get("value")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
        }
        user_tasks[node.get("id")] = {
            "title": node.get("name") or node.get("id"),
            "role": roles.get(node.get("id")),
            "properties": props,
        }
    return {
        "name": process.get("name") or process_id,
        "cancel_roles": _cancel_roles(process),
        "roles": roles,
        "user_tasks": user_tasks,
        "called_elements": sorted(
            {n.get("calledElement") for n in process.iterfind(".//bpmn:callActivity", NS) if n.get("calledElement")}
        ),
    }


def _cancel_roles(process: Any) -> list[tuple[str, str]]:
    """Who may cancel an instance: the process property `cancelRoles`, "role@unit-expression, …"."""
    found = process.find(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='cancelRoles']", NS
    )
    if found is None:
        return []
    rules = []
    for item in (found.get("value") or "").split(","):
        role, _, expression = item.strip().partition("@")
        if role.strip() and expression.strip():
            rules.append((role.strip(), expression.strip()))
    return rules


def _problems(metadata: dict[str, Any], spec: Any) -> list[object]:
    problems: list[object] = []
    for task_id, task in metadata["user_tasks"].items():
        if task["role"] is None:
            problems.append(f"user task {task_id!r} is in no lane (lanes are roles)")
        for name in REQUIRED_TASK_PROPERTIES:
            if not task["properties"].get(name):
                problems.append(f"user task {task_id!r} lacks the property {name!r}")
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, CycleTimerEventDefinition):
            problems.append(f"timer {task_spec.bpmn_id!r}: cycle timers are not supported")
    return problems


def _use_clocked_timers(spec: Any) -> None:
    # The parser builds SpiffWorkflow's wall-clock timers; swap in the ones that read our clock.
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        replacement = CLOCKED_TIMERS.get(type(definition))
        if replacement is not None and definition is not None:
            task_spec.event_definition = replacement(
                definition.name, definition.expression, description=definition.description
            )


def _wire_loop_merges(spec: Any) -> None:
    """Connect each loop or multi-instance task to the completion of the task it repeats.

    SpiffWorkflow makes this connection in two places only: when a loop task creates its first
    child in this process, and when it deserialises a spec stored with the workflow. The engine
    stores no spec (it parses the definition's XML), so a process that loads an instance whose
    children already exist would never merge a finished child's output into the collection, and
    the loop would never complete. Wiring at parse time makes every parsed spec whole.
    """
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, LoopTask):
            repeated = spec.task_specs[task_spec.task_spec]
            if not repeated.completed_event.is_connected(task_spec.merge_child):
                repeated.completed_event.connect(task_spec.merge_child)


def parse_process(xml: bytes, filename: str, process_id: str) -> ParsedProcess:
    """Parse one process of a BPMN file into a spec with clocked timers."""
    tree = _parse_tree(xml, filename)
    parser = EngineBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename)
        spec = parser.get_spec(process_id)
        # Embedded subprocesses live in the state; called processes are separate instances.
        subprocess_specs = parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
    except ValidationException as exc:
        raise DeploymentError(filename, [str(exc)]) from exc
    subprocess_specs = {k: v for k, v in subprocess_specs.items() if v is not None}
    for item in [spec, *subprocess_specs.values()]:
        _use_clocked_timers(item)
        _wire_loop_merges(item)
    return ParsedProcess(spec, subprocess_specs, read_metadata(tree, process_id))


def executable_process_ids(xml: bytes, filename: str) -> list[str]:
    """The ids of the executable processes a file declares."""
    tree = _parse_tree(xml, filename)
    return [p.get("id") for p in tree.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"]


def deploy(
    session: Session, xml: bytes, filename: str, deployed_by: str, now: datetime, note: str | None = None
) -> list[ProcessDefinition]:
    """Store a new version of each executable process in the file, unless it is unchanged; `note` says why."""
    process_ids = executable_process_ids(xml, filename)
    if not process_ids:
        raise DeploymentError(filename, ['no executable process (isExecutable="true")'])
    digest = checksum(xml)
    _check_processes(xml, filename, process_ids, lambda key: key in process_ids or _deployed(session, key))
    deployed = []
    for process_id in process_ids:
        parsed = parse_process(xml, filename, process_id)
        existing = session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.key == process_id, ProcessDefinition.checksum == digest)
        )
        if existing is not None:
            deployed.append(existing)
            continue
        latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == process_id))
        definition = ProcessDefinition(
            key=process_id,
            name=parsed.metadata["name"],
            version=(latest or 0) + 1,
            checksum=digest,
            filename=filename,
            bpmn_xml=xml.decode("utf-8"),
            metadata_json=parsed.metadata,
            deployed_by=deployed_by,
            deployed_at=now,
            note=note,
        )
        session.add(definition)
        session.flush()
        deployed.append(definition)
    return deployed


def validate_file(xml: bytes, filename: str, called_exists: Callable[[str], bool] | None = None) -> None:
    """Check a BPMN file against the XSD and the engine's conventions without storing it.

    Called processes are checked only when `called_exists` says which exist besides the file's own.
    """
    tree = _parse_tree(xml, filename)
    try:
        VALIDATOR.validate(tree, filename)
    except ValidationException as exc:
        raise DeploymentError(filename, [str(exc)]) from exc
    process_ids = executable_process_ids(xml, filename)
    _check_processes(
        xml, filename, process_ids, lambda key: key in process_ids or called_exists is None or called_exists(key)
    )


def _check_processes(xml: bytes, filename: str, process_ids: list[str], called_exists: Callable[[str], bool]) -> None:
    """Every problem of every process of the file at once; nothing is deployed when there is one."""
    tree = _parse_tree(xml, filename)
    problems: list[object] = []
    for process_id in process_ids:
        parsed = parse_process(xml, filename, process_id)
        problems += _problems(parsed.metadata, parsed.spec)
        problems += bpmn_checks.process_problems(tree, process_id, called_exists)
    if problems:
        raise DeploymentError(filename, problems)


def check_domain(session: Session, check: DeployCheck | None, xml: bytes, filename: str) -> None:
    """Run the domain's checks on every executable process of the file; refuse it with every problem."""
    if check is None:
        return
    tree = _parse_tree(xml, filename)
    problems: list[object] = []
    for process_id in executable_process_ids(xml, filename):
        problems += check(session, process_id, read_metadata(tree, process_id))
    if problems:
        raise DeploymentError(filename, problems)


def call_order(paths: Iterable[Path]) -> list[Path]:
    """BPMN files in an order that deploys every called process before the files that call it.

    A file's calls to processes that no file of the set declares are left to the deploy to judge.
    Files that do not parse keep their place by name, so that deploying them reports why.
    """
    declared: dict[Path, set[str]] = {}
    calls: dict[Path, set[str]] = {}
    for path in sorted(paths):
        try:
            tree = _parse_tree(path.read_bytes(), path.name)
        except DeploymentError:
            declared[path], calls[path] = set(), set()
            continue
        declared[path] = {p.get("id") for p in tree.iterfind("bpmn:process", NS)}
        calls[path] = {n.get("calledElement") for n in tree.iterfind(".//bpmn:callActivity", NS)} - declared[path]
    ordered: list[Path] = []
    placed: set[str] = set()
    waiting = list(declared)
    while waiting:
        known = set().union(*declared.values())
        ready = [p for p in waiting if not (calls[p] & known) - placed] or waiting[:1]  # a cycle: by name
        for path in ready:
            ordered.append(path)
            placed |= declared[path]
            waiting.remove(path)
    return ordered


def _deployed(session: Session, key: str) -> bool:
    return session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key).limit(1)) is not None


def latest_definition(session: Session, key: str) -> ProcessDefinition:
    """The newest deployed version of a process."""
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound("process definition", key)
    return definition


@dataclass
class SpecCache:
    """Parsed specs by definition id; a definition version never changes, so entries never go stale."""

    _entries: dict[int, ParsedProcess] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, definition: ProcessDefinition) -> ParsedProcess:
        """The parsed spec of a stored definition, parsing it on first use."""
        entry = self._entries.get(definition.id)
        if entry is None:
            entry = parse_process(definition.bpmn_xml.encode("utf-8"), definition.filename, definition.key)
            with self._lock:
                self._entries[definition.id] = entry
        return entry

    def get_by_id(self, session: Session, definition_id: int) -> ParsedProcess:
        """The parsed spec of a definition by id, reading the stored definition (and its XML) only on first use."""
        entry = self._entries.get(definition_id)
        if entry is not None:
            return entry
        definition = session.get(ProcessDefinition, definition_id)
        assert definition is not None  # a foreign key guarantees it
        return self.get(definition)
