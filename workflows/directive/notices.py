"""The words of a unit's reminder and escalation: the case, the step, the unit by its name, the deadline, a link.

People read these in the application and in their e-mail, often without the case at hand, so
each says what it is about in full. The subject line leaves the step out: the same reminder
fired at the acknowledgement and again at the report is one fact, said once (scripts.py `_queue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from workflows.delivery.recipients import UNIT_OFFICER
from workflows.directive.queries import case_reference
from workflows.orgchart.directory import OrgDirectory
from workflows.registers.models import OutgoingDocument


@dataclass(frozen=True)
class Notice:
    """What an outbox row says: a subject line, the text, and the path of the case."""

    subject: str
    body: str
    link: str


@dataclass(frozen=True)
class _Facts:
    directive: str  # "Công văn số <number> V/v <subject>"
    unit_name: str
    step: str | None
    deadline: str  # dd/mm/yyyy
    link: str


def case_link(case_id: int) -> str:
    """The path of the case page."""
    return f"/cases/{case_id}"


def _facts(session: Session, case_id: int, instance_id: int, unit: str, notation: str, deadline: str) -> _Facts:
    subject = session.scalar(
        select(OutgoingDocument.subject).where(
            OutgoingDocument.reference == case_reference(case_id), OutgoingDocument.notation == notation
        )
    ) or session.scalar(select(ProcessInstance.title).where(ProcessInstance.id == case_id))
    directive = f"Công văn số {notation}" + (f" V/v {subject}" if subject else "")
    found = OrgDirectory(session).unit(unit)
    # People read the unit's name; its code means nothing to them.
    unit_name = found.name if found is not None else unit
    step = _unit_step(session, instance_id)
    when = date.fromisoformat(deadline).strftime("%d/%m/%Y")
    return _Facts(directive, unit_name, step, when, case_link(case_id))


def _unit_step(session: Session, instance_id: int) -> str | None:
    """The step the unit's own instance waits on it for (the timer hangs on it)."""
    mine = (TaskRow.instance_id == instance_id) & (TaskRow.role == UNIT_OFFICER)
    rows = session.execute(select(TaskRow.state, TaskRow.title).where(mine).order_by(TaskRow.created_at.desc())).all()
    for state, title in rows:
        if state == "ready":
            return str(title)
    # A timer already due fires in the very command that opens the step, before the step's row is
    # written: a unit that has done nothing yet is at its acknowledgement, one that has, at its report.
    metadata = session.scalar(
        select(ProcessDefinition.metadata_json)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == instance_id)
    )
    wanted = "unit_report" if rows else "acknowledge"
    for task in (metadata or {}).get("user_tasks", {}).values():
        if task.get("properties", {}).get("formKey") == wanted:
            return str(task["title"])
    return None


def reminder(session: Session, case_id: int, instance_id: int, unit: str, notation: str, deadline: str) -> Notice:
    """A reminder of a unit's report deadline."""
    f = _facts(session, case_id, instance_id, unit, notation, deadline)
    lines = [f"Nhắc hạn báo cáo thực hiện {f.directive}: {f.unit_name}, hạn {f.deadline}."]
    if f.step:
        lines.append(f"Bước đang chờ: {f.step}.")
    return Notice(f"Nhắc hạn báo cáo Công văn số {notation}: {f.unit_name}, hạn {f.deadline}", "\n".join(lines), f.link)


def escalation(session: Session, case_id: int, instance_id: int, unit: str, notation: str, deadline: str) -> Notice:
    """An escalation: the unit has not reported by its deadline."""
    f = _facts(session, case_id, instance_id, unit, notation, deadline)
    lines = [f"{f.unit_name} chưa báo cáo thực hiện {f.directive} (hạn {f.deadline})."]
    if f.step:
        lines.append(f"Bước đang chờ: {f.step}.")
    return Notice(f"Quá hạn báo cáo Công văn số {notation}: {f.unit_name} (hạn {f.deadline})", "\n".join(lines), f.link)
