"""A case's trail as people read it: who did what, when, with which decision and comment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, ProcessDefinition, ProcessInstance
from web.cases.case_access import CaseAccess
from web.cases.case_progress import graph_of
from web.core.labels import decision_label, step_label
from web.supervision.round_trail import round_labels, round_line
from workflows.orgchart.models import User


@dataclass(frozen=True)
class TrailEntry:
    """One line of the trail."""

    at: datetime
    actor: str
    action: str
    decision: str
    comment: str
    kind: str


def full_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Full names of the given users, by username."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(usernames)))
    return {row.username: row.full_name for row in rows}


def _timer_names(session: Session, case_id: int) -> dict[tuple[int, str], str]:
    """The readable names of the diagram elements, per instance of the case."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.definition_id).where(ProcessInstance.case_id == case_id)
    ).all()
    graphs = {d: graph_of(session.get_one(ProcessDefinition, d)) for d in {definition for _id, definition in rows}}
    return {(instance, node): name for instance, d in rows for node, name in graphs[d].names.items()}


def _describe(
    event: AuditEvent, unit_of: Callable[[int | None], str], names: Mapping[tuple[int, str], str], case_id: int
) -> tuple[str, str]:
    """(action, kind) of one event."""
    after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
    unit = unit_of(event.instance_id)
    step = step_label(str(after.get("title", ""))) + (f" · {unit}" if unit else "")
    source, subject, action = event.tag.split(":", 2)
    if subject == "task":
        if action == "claimed":
            return _("Nhận việc: %(step)s", step=step), "task"
        if action == "released":
            return _("Trả lại nhóm: %(step)s", step=step), "task"
        if action == "reassigned":
            return _("Chuyển giao: %(step)s", step=step), "task"
        return step, "task"
    if subject == "timer":
        timer = str(after.get("timer", ""))
        name = step_label(names.get((event.instance_id or 0, timer), timer))
        return _("Hẹn giờ: %(name)s", name=name) + (f" · {unit}" if unit else ""), "timer"
    if subject == "instance":
        whole = event.instance_id == case_id
        labels = {
            "started": _("Bắt đầu hồ sơ") if whole else _("Gửi đến đơn vị: %(unit)s", unit=unit),
            "completed": _("Hoàn thành hồ sơ") if whole else _("Đơn vị hoàn thành: %(unit)s", unit=unit),
            "cancelled": _("Hủy hồ sơ") if whole else _("Dừng thực hiện tại đơn vị: %(unit)s", unit=unit),
            "suspended": _("Tạm dừng hồ sơ"),
            "resumed": _("Tiếp tục hồ sơ"),
        }
        return labels.get(action, event.tag), "instance"
    if source == "web" and subject == "attachment":
        return _("Đính kèm tệp: %(name)s", name=after.get("filename", "")), "attachment"
    return event.tag, "other"


def visible_events(access: CaseAccess, events: list[AuditEvent]) -> list[AuditEvent]:
    """Those of the case's events the person may see: all of them, or those of their unit's part."""
    return [e for e in events if access.full or (e.instance_id is not None and e.instance_id in access.instances)]


def case_trail(
    session: Session, access: CaseAccess, events: list[AuditEvent], unit_names: Mapping[int, str]
) -> list[TrailEntry]:
    """The given events of the case (see visible_events), ready to show."""
    case_id = access.case.id
    handed_to = {str(e.after.get("assignee")) for e in events if e.tag == "engine:task:reassigned" and e.after}
    stood_in_for = {
        str(e.after["on_behalf_of"]) for e in events if isinstance(e.after, dict) and e.after.get("on_behalf_of")
    }
    people = full_names(session, {e.actor for e in events} | handed_to | stood_in_for)
    names = _timer_names(session, case_id)
    rounds = round_labels(session, case_id)

    def unit_of(instance_id: int | None) -> str:
        return unit_names.get(instance_id or 0, "") or rounds.get(instance_id or 0, "")

    entries = []
    for event in events:
        if event.instance_id in rounds and event.tag.startswith("engine:instance:"):
            continue  # a reminder round's own lines say when it started and when it was issued
        action, kind = _describe(event, unit_of, names, case_id)
        if (line := round_line(event)) is not None:
            action, kind = line, "instance"
        after = event.after if isinstance(event.after, dict) else {}
        decision = after.get("decision") if kind == "task" and event.tag.endswith(":completed") else None
        comment = event.comment or ""
        if event.tag == "engine:task:reassigned":
            target = str(after.get("assignee", ""))
            action += " → " + people.get(target, target)
        actor = _("Hệ thống") if event.actor == "system" else people.get(event.actor, event.actor)
        if after.get("on_behalf_of"):
            # A substitute's step (out of office) names whom it was done for.
            absent = str(after["on_behalf_of"])
            actor = _("%(actor)s (thay %(absent)s)", actor=actor, absent=people.get(absent, absent))
        entries.append(
            TrailEntry(event.at, actor, action, decision_label(str(decision) if decision else None), comment, kind)
        )
    return entries
