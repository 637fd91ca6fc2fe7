"""One case's timeline for auditors, read from its audit trail and its task rows.

Every event of the case (its chain of the trail) becomes a moment: who did it, when, in which step
with the step's lane role and unit (kept on the task row the event names, so they are those of that
moment), for whom when standing in, the decision, the comment, the form data as submitted and what
changed from the previous submission of the same step. Each task row adds the moment its step
started. Events of no case that concern it (the deployment of a process version it ran on) join in.
Submissions are read from the events' `after` payloads, which the trail never rewrites: they are
the earlier versions of the draft and of the report (workflows/directive/case_documents.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, ProcessDefinition, ProcessInstance, TaskRow
from workflows.audit.timeline_diff import Change, field_changes
from workflows.directive.case_documents import KINDS, DocumentKind
from workflows.directive.tracking import UnitTracking
from workflows.orgchart.models import Unit, User

COMPLETED = "engine:task:completed"
DEPLOYED = "engine:definition:deployed"
#: Events of no case that change how the agency numbers its documents, shown on the cases of their time.
NUMBERING = ("workflows:register:starting_number_set",)
#: Substitutions named (or cancelled): shown on a case where someone stood in under them.
SUBSTITUTIONS = ("workflows:substitution:named", "workflows:substitution:cancelled")
#: Keys the engine adds to a completion's payload beside the form's own fields.
ENGINE_KEYS = frozenset({"task", "title", "on_behalf_of"})


@dataclass(frozen=True)
class Person:
    """Who someone is, for a reader: full name, position and unit code."""

    username: str
    full_name: str
    position_title: str = ""
    unit_code: str = ""


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: an audit event, or the start of a step (`event_id` None)."""

    at: datetime
    tag: str
    actor: str
    event_id: int | None = None
    instance_id: int | None = None
    task_id: str | None = None
    step: str | None = None
    title: str | None = None
    role: str | None = None
    unit: str | None = None
    on_behalf_of: str | None = None
    decision: str | None = None
    comment: str | None = None
    submitted: Mapping[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    previous_event_id: int | None = None
    before: Any = None
    after: Any = None
    version: DocumentVersion | None = None

    @property
    def action(self) -> str:
        """The last part of the tag ("completed", "reassigned", "started"…)."""
        return self.tag.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class DocumentVersion:
    """One submission of the step that writes a document: the n-th version of the draft or the report."""

    kind: DocumentKind
    number: int
    event_id: int


@dataclass(frozen=True)
class ProcessVersion:
    """A process version one instance of the case ran on."""

    instance_id: int
    key: str
    version: int
    checksum: str


@dataclass
class Timeline:
    """Everything the timeline page shows of one case."""

    case_id: int
    moments: list[Moment]
    processes: list[ProcessVersion]
    people: dict[str, Person]
    units: dict[str, str]
    versions: list[DocumentVersion]
    # The recipient unit each unit part (child instance) of the case runs for, by instance id.
    instance_units: dict[int, str] = field(default_factory=dict)

    def person(self, username: str | None) -> Person | None:
        """The person with this username, when known."""
        return self.people.get(username or "")


def form_fields(after: Any) -> dict[str, Any]:
    """A completion's form data as submitted: its payload without what the engine adds."""
    if not isinstance(after, dict):
        return {}
    return {key: value for key, value in after.items() if key not in ENGINE_KEYS}


#: What the timeline reads of an event: every column but the hashes, as plain rows (no ORM objects to build).
EVENT_COLUMNS = (
    AuditEvent.id,
    AuditEvent.tag,
    AuditEvent.actor,
    AuditEvent.at,
    AuditEvent.case_id,
    AuditEvent.instance_id,
    AuditEvent.task_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.comment,
)
TASK_COLUMNS = (
    TaskRow.id,
    TaskRow.instance_id,
    TaskRow.spec_name,
    TaskRow.title,
    TaskRow.role,
    TaskRow.candidate_unit,
    TaskRow.created_at,
)


def case_events(session: Session, case_id: int, *, upto: int | None = None) -> list[Row[Any]]:
    """The events of one case in the order they were written (up to event `upto`, when given)."""
    query = select(*EVENT_COLUMNS).where(AuditEvent.case_id == case_id)
    if upto is not None:
        query = query.where(AuditEvent.id <= upto)
    return list(session.execute(query.order_by(AuditEvent.id)))


def _processes(session: Session, case_id: int) -> list[ProcessVersion]:
    rows = session.execute(
        select(ProcessInstance.id, ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.checksum)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.case_id == case_id)
        .order_by(ProcessInstance.id)
    )
    return [ProcessVersion(*row) for row in rows]


def _deployments(session: Session, processes: Iterable[ProcessVersion]) -> list[Row[Any]]:
    """The deployment events of the process versions the case ran on."""
    wanted = {(p.key, p.version) for p in processes}
    found = session.execute(select(*EVENT_COLUMNS).where(AuditEvent.case_id.is_(None), AuditEvent.tag == DEPLOYED))
    return [e for e in found if isinstance(e.after, dict) and (e.after.get("key"), e.after.get("version")) in wanted]


def _people(session: Session, usernames: set[str]) -> dict[str, Person]:
    if not usernames:
        return {}
    rows = session.execute(
        select(User.username, User.full_name, User.position_title, User.unit_code).where(
            User.username.in_(sorted(usernames))
        )
    )
    return {row.username: Person(*row) for row in rows}


def _versions_of(steps: Mapping[str, DocumentKind], events: list[Row[Any]], case_id: int) -> dict[int, DocumentVersion]:
    """The document versions, by the event that submitted each."""
    found: dict[int, DocumentVersion] = {}
    counts: dict[str, int] = {}
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        kind = steps.get(str(after.get("task")))
        if event.tag == COMPLETED and kind is not None and event.instance_id == case_id:
            counts[kind.slug] = counts.get(kind.slug, 0) + 1
            found[event.id] = DocumentVersion(kind, counts[kind.slug], event.id)
    return found


def timeline(session: Session, case_id: int, *, instances: set[int] | None = None) -> Timeline:
    """The timeline of one case; with `instances`, only the moments of those instances (a unit's part)."""
    events = case_events(session, case_id)
    processes = _processes(session, case_id)
    tasks: dict[str, Any] = {
        row.id: row for row in session.execute(select(*TASK_COLUMNS).where(TaskRow.case_id == case_id))
    }
    versions = _versions_of({kind.step: kind for kind in KINDS.values()}, events, case_id)
    last_submission: dict[tuple[int | None, str], tuple[int, dict[str, Any]]] = {}
    agency_events = [*_deployments(session, processes), *_numbering(session, events), *_substitutions(session, events)]
    moments: list[Moment] = [_agency(event) for event in agency_events]
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        task = tasks.get(event.task_id or "")
        common: dict[str, Any] = {
            "at": event.at,
            "tag": event.tag,
            "actor": event.actor,
            "event_id": event.id,
            "instance_id": event.instance_id,
            "task_id": event.task_id,
            "comment": event.comment,
            "before": event.before,
            "after": event.after,
        }
        if task is None and not event.tag.startswith("engine:task:"):
            moments.append(Moment(**common))
            continue
        step = str(after.get("task") or (task.spec_name if task else ""))
        submitted = form_fields(after) if event.tag == COMPLETED else {}
        previous = last_submission.get((event.instance_id, step)) if submitted else None
        if submitted:
            last_submission[(event.instance_id, step)] = (event.id, submitted)
        moments.append(
            Moment(
                **common,
                step=step,
                title=str(after.get("title") or (task.title if task else "")),
                role=task.role if task else None,
                unit=task.candidate_unit if task else None,
                on_behalf_of=after.get("on_behalf_of"),
                decision=submitted.get("decision") or None,
                submitted=submitted,
                changes=field_changes(previous[1], submitted) if previous else [],
                previous_event_id=previous[0] if previous else None,
                version=versions.get(event.id),
            )
        )
    moments += [_step_started(row) for row in tasks.values()]
    if instances is not None:
        moments = [m for m in moments if m.instance_id is None or m.instance_id in instances]
    # A step starts in the same instant as the event that reached it, and is read after it.
    moments.sort(key=lambda m: (m.at, m.event_id is None, m.event_id or 0))
    usernames = {m.actor for m in moments} | {str(m.on_behalf_of) for m in moments if m.on_behalf_of}
    # The people an event names beside its actor: a task's new assignee, a substitution's two people.
    usernames |= {
        str(m.after[key])
        for m in moments
        if isinstance(m.after, dict)
        for key in ("assignee", "absent", "substitute")
        if m.after.get(key)
    }
    units = {str(code): str(name) for code, name in session.execute(select(Unit.code, Unit.name))}
    parts = session.execute(
        select(UnitTracking.instance_id, UnitTracking.unit_code).where(UnitTracking.case_id == case_id)
    )
    return Timeline(
        case_id,
        moments,
        processes,
        _people(session, usernames),
        units,
        list(versions.values()),
        instance_units={int(instance): str(unit) for instance, unit in parts},
    )


def _numbering(session: Session, events: list[Row[Any]]) -> list[Row[Any]]:
    """The numbering changes made while the case ran (from its first event to its last)."""
    if not events:
        return []
    query = select(*EVENT_COLUMNS).where(
        AuditEvent.case_id.is_(None),
        AuditEvent.tag.in_(NUMBERING),
        AuditEvent.at >= events[0].at,
        AuditEvent.at <= events[-1].at,
    )
    return list(session.execute(query))


def _substitutions(session: Session, events: list[Row[Any]]) -> list[Row[Any]]:
    """The substitutions under which someone stood in for someone else in the case."""
    pairs = {
        (event.actor, event.after["on_behalf_of"])
        for event in events
        if isinstance(event.after, dict) and event.after.get("on_behalf_of")
    }
    if not pairs:
        return []
    found = session.execute(
        select(*EVENT_COLUMNS).where(AuditEvent.case_id.is_(None), AuditEvent.tag.in_(SUBSTITUTIONS))
    )
    return [
        e for e in found if isinstance(e.after, dict) and (e.after.get("substitute"), e.after.get("absent")) in pairs
    ]


def _agency(event: Row[Any]) -> Moment:
    return Moment(
        at=event.at, tag=event.tag, actor=event.actor, event_id=event.id, after=event.after, comment=event.comment
    )


def _step_started(row: Row[Any]) -> Moment:
    return Moment(
        at=row.created_at,
        tag="engine:task:started",
        actor="system",
        instance_id=row.instance_id,
        task_id=row.id,
        step=row.spec_name,
        title=row.title,
        role=row.role,
        unit=row.candidate_unit,
    )


def data_as_of(events: Iterable[Row[Any]], current: Mapping[str, Any], case_id: int) -> dict[str, Any]:
    """The case's data as it stood after the given events: what is known now, overlaid in order with
    each submission of the case's own steps up to then (so later edits of a field are undone)."""
    data = dict(current)
    for event in events:
        if event.tag == COMPLETED and event.instance_id == case_id:
            data.update(form_fields(event.after))
    return data


def events_by_id(session: Session, ids: Iterable[int]) -> dict[int, AuditEvent]:
    """Audit events by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(AuditEvent).where(AuditEvent.id.in_(wanted)))
    return {row.id: row for row in rows}
