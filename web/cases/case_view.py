"""Everything the case page shows, gathered for one person according to what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from engine.runtime import Engine
from web.cases.attachment_store import for_case
from web.cases.case_access import CaseAccess
from web.cases.case_progress import graph_of
from web.cases.case_trail import TrailEntry, case_trail, full_names, visible_events
from web.cases.document_access import visible_documents
from web.core.labels import step_label
from web.core.models import Attachment
from workflows.calendar import LOCAL_TZ, WorkingCalendar
from workflows.directive.case_documents import CaseDocument
from workflows.directive.queries import arrival_of, issued_by
from workflows.directive.tracking import UnitTracking, of_case
from workflows.orgchart.calendar_days import StoredCalendar
from workflows.orgchart.models import Unit
from workflows.registers.models import IncomingDocument, OutgoingDocument

# What a person who sees only their unit's part may read of the case's data: the directive itself.
DIRECTIVE_KEYS = frozenset(
    {
        "draft_subject",
        "draft_basis",
        "draft_intro",
        "draft_tasks",
        "draft_closing",
        "recipient_groups",
        "report_deadline",
        "cc",
        "directive",
        "directive_number",
        "urgency",
        "lead_division",
        "signer",
    }
)


@dataclass(frozen=True)
class UnitProgress:
    """How far one recipient unit has come, from the task rows of its child instance."""

    instance_id: int
    unit_code: str
    unit_name: str
    status: str
    acknowledged_at: datetime | None
    reported_at: datetime | None
    on_time: bool | None
    rounds: int
    current: list[str]
    # Working days past the due day of what the unit still owes (its acknowledgement or its
    # report), from its row of theo dõi thực hiện; 0 when nothing owed is late.
    days_late: int = 0


def _unit_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return {row.code: row.name for row in rows}


def _days_late(
    tracked: UnitTracking | None, instance: ProcessInstance, now: datetime, calendar: WorkingCalendar
) -> int:
    if tracked is None or instance.status not in ("running", "suspended"):
        return 0
    today = now.astimezone(LOCAL_TZ).date()
    due = tracked.due_day()
    return calendar.working_days_between(due, today) if due is not None and due < today else 0


def _one_unit(
    instance: ProcessInstance,
    rows: list[TaskRow],
    names: dict[str, str],
    now: datetime,
    tracked: UnitTracking | None,
    calendar: WorkingCalendar,
) -> UnitProgress:
    code = next((r.candidate_unit for r in rows if r.role == "unit_officer" and r.candidate_unit), "")
    acknowledged = [r.completed_at for r in rows if r.form_key == "acknowledge" and r.state == "completed"]
    reports = [r for r in rows if r.form_key == "unit_report"]
    done = sorted((r for r in reports if r.state == "completed"), key=lambda r: r.completed_at or now)
    first_due = reports[0].due_at if reports else None
    on_time: bool | None = None
    if done:
        first = done[0]
        on_time = first.due_at is None or (first.completed_at is not None and first.completed_at < first.due_at)
    elif first_due is not None and first_due <= now:
        on_time = False
    days_late = _days_late(tracked, instance, now, calendar)
    if days_late and not done:
        on_time = False  # late before any report task exists: the acknowledgement is overdue
    code = code or (tracked.unit_code if tracked is not None else "")
    return UnitProgress(
        instance_id=instance.id,
        unit_code=code or "",
        unit_name=names.get(code or "", code or ""),
        status=instance.status,
        acknowledged_at=acknowledged[0] if acknowledged else None,
        reported_at=done[0].completed_at if done else None,
        on_time=on_time,
        rounds=len(done),
        current=[step_label(r.title) for r in rows if r.state == "ready"],
        days_late=days_late,
    )


def unit_progress(
    session: Session, case_id: int, now: datetime, only: frozenset[int] | None = None
) -> list[UnitProgress]:
    """The recipient units of the case and how far each has come (only the given child instances, if told)."""
    query = select(ProcessInstance).where(ProcessInstance.parent_id == case_id).order_by(ProcessInstance.id)
    if only is not None:
        query = query.where(ProcessInstance.id.in_(only))
    children = list(session.scalars(query))
    if not children:
        return []
    rows_query = (
        select(TaskRow)
        .where(TaskRow.case_id == case_id, TaskRow.instance_id.in_([c.id for c in children]))
        .order_by(TaskRow.created_at, TaskRow.id)
    )
    by_instance: dict[int, list[TaskRow]] = {}
    for row in session.scalars(rows_query):
        by_instance.setdefault(row.instance_id, []).append(row)
    codes = {
        r.candidate_unit for rows in by_instance.values() for r in rows if r.role == "unit_officer" and r.candidate_unit
    }
    tracked = {row.instance_id: row for row in of_case(session, case_id)}
    names = _unit_names(session, codes | {row.unit_code for row in tracked.values()})
    # Read from the database's calendar only when some unit is late.
    calendar = StoredCalendar(session)
    return [
        _one_unit(child, by_instance.get(child.id, []), names, now, tracked.get(child.id), calendar)
        for child in children
    ]


@dataclass
class CasePage:
    """The case page of one person."""

    access: CaseAccess
    data: dict[str, Any]
    arrival: IncomingDocument | None
    issued: list[OutgoingDocument]
    units: list[UnitProgress]
    unit_names: dict[str, str]
    people: dict[str, str]
    current: list[str]
    diagram_instance: int
    shown_unit: UnitProgress | None
    unit_data: dict[str, Any] = field(default_factory=dict)
    trail: list[TrailEntry] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    documents: dict[str, CaseDocument] = field(default_factory=dict)

    @property
    def full(self) -> bool:
        """Whether the person sees the whole case."""
        return self.access.full


def _current(session: Session, access: CaseAccess, units: list[UnitProgress]) -> list[str]:
    """The steps waiting now: the case's own, and how many units are still at work."""
    case = access.case
    if not access.full:
        own = [title for unit in units for title in unit.current]
        return own or ([_("Đơn vị đã hoàn thành")] if units and all(u.status == "completed" for u in units) else [])
    ready = select(TaskRow.title).where(TaskRow.instance_id == case.id, TaskRow.state == "ready").distinct()
    titles = [step_label(title) for title in session.scalars(ready)]
    if any(unit.status in ("running", "suspended") for unit in units):
        graph = graph_of(session.get_one(ProcessDefinition, case.definition_id))
        calls = ", ".join(step_label(graph.names[call]) for call in graph.called) or _("Thực hiện tại đơn vị")
        done = sum(unit.status == "completed" for unit in units)
        titles.append(_("%(step)s: %(done)d/%(total)d đơn vị đã xong", step=calls, done=done, total=len(units)))
    return titles


def build_case_page(
    session: Session, engine: Engine, access: CaseAccess, *, instance_id: int | None, now: datetime
) -> CasePage:
    """Gather the case page; `instance_id` picks a unit's part to show (the person's own when they see only that)."""
    case = access.case
    events = audit.trail(session, case.id)
    data = engine.data(case.id)
    documents = {found.kind.slug: found for found in visible_documents(session, access, data)}
    if not access.full:
        data = {key: value for key, value in data.items() if key in DIRECTIVE_KEYS}
        instance_id = access.own_instance
    units = unit_progress(session, case.id, now, None if access.full else access.instances)
    shown = next((u for u in units if u.instance_id == instance_id), None)
    codes = {str(data.get("lead_division") or "")} | set(data.get("supporting_divisions") or [])
    names = _unit_names(session, {c for c in codes if c})
    attachments = for_case(case.id)
    people = full_names(session, {str(data.get("signer") or "")} | {a.uploaded_by for a in attachments})
    return CasePage(
        access=access,
        data=data,
        arrival=arrival_of(session, case.id) if access.full else None,
        issued=issued_by(session, case.id) if access.full else [],
        units=units,
        unit_names=names,
        people=people,
        current=_current(session, access, units),
        diagram_instance=shown.instance_id if shown else case.id,
        shown_unit=shown,
        unit_data=engine.data(shown.instance_id) if shown else {},
        trail=case_trail(session, access, visible_events(access, events), {u.instance_id: u.unit_name for u in units}),
        attachments=attachments,
        documents=documents,
    )
