"""Đôn đốc: start a reminder round of one directive (/supervision/cases/<id>/rounds/new).

The page lists the units still owing something, the late ones ticked; sets the new deadline in
working days (shown as the day it gives); and shows the reminder letter the product drafts for
the choice. Posting it starts the round (workflows/directive/round_start.py): its letter then
waits in the lead division's inbox to be checked, approved, signed and issued. Who may start one
is checked here on every request (workflows/directive/reminder_rounds.py, `may_start`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from engine.models import ProcessInstance, TaskRow
from web.accounts.auth import me
from web.cases.case_access import agency_code
from web.core.requests import db, engine, runtime
from web.supervision.access import today
from workflows.directive import reminder_rounds as rounds
from workflows.directive.document import Document
from workflows.directive.queries import case_reference
from workflows.directive.round_letter import round_document
from workflows.directive.round_start import round_data, start_round
from workflows.directive.tracking import UnitTracking
from workflows.orgchart.calendar_days import working_calendar
from workflows.orgchart.directory import OrgDirectory
from workflows.registers.models import OutgoingDocument

bp = Blueprint(
    "reminder_rounds", __name__, url_prefix="/supervision/cases/<int:case_id>/rounds", template_folder="templates"
)


@dataclass(frozen=True)
class Candidate:
    """A unit the round may chase, as the form lists it."""

    code: str
    name: str
    owes: str  # "acknowledge" or "report"
    due: date | None
    days_late: int
    chosen: bool


@dataclass
class Asked:
    """The form as posted (or as it opens), and what is wrong with it, by field."""

    units: list[str]
    working_days: str
    errors: dict[str, str]

    def days(self) -> int | None:
        """The number of working days, when it is one."""
        text = self.working_days.strip()
        return int(text) if text.isdigit() else None


@bp.app_template_global()
def round_letter(data: dict[str, Any]) -> Document:
    """A round's letter from its process data: numbered once the clerk issued it (for its task pages)."""
    row = db().get(rounds.ReminderRound, int(data["round_id"]))
    issued = None
    if row is not None and row.notation:
        issued = db().scalar(
            select(OutgoingDocument).where(
                OutgoingDocument.notation == row.notation, OutgoingDocument.reference == case_reference(row.case_id)
            )
        )
    # "Lưu: VT, <division>(<initials>)": the initials of the specialist who last checked the draft, once one did.
    drafter = db().scalar(
        select(TaskRow.completed_by)
        .where(TaskRow.instance_id == (row.instance_id if row else None), TaskRow.spec_name == "draft_round")
        .where(TaskRow.state == "completed")
        .order_by(TaskRow.completed_at.desc())
        .limit(1)
    )
    return round_document(db(), {**data, "drafter": drafter or data["drafter"]}, issued, drafted_on=today())


def _case(case_id: int) -> tuple[ProcessInstance, dict[str, object]]:
    """The directive, when it exists, was issued and the person may chase its units (else 404 / 403)."""
    case = db().get(ProcessInstance, case_id)
    if case is None or case.case_id != case.id or case.parent_id is not None:
        abort(404)
    data = engine().data(case_id)
    directive = data.get("directive")
    if not isinstance(directive, dict) or not directive.get("notation"):
        abort(404)
    lead = data.get("lead_division")
    if not rounds.may_start(me().roles, agency_code(db()) or "", str(lead) if lead else None):
        abort(403)
    return case, data


def _candidates(case_id: int, chosen: Sequence[str] | None) -> list[Candidate]:
    day = today()
    found = rounds.open_units(db(), case_id)
    directory = OrgDirectory(db())
    late = {code for code, row in found.items() if row.late_on(day)}
    picked = late if chosen is None else set(chosen)

    calendar = working_calendar(db())

    def candidate(code: str, row: UnitTracking) -> Candidate:
        due = row.due_day()
        unit = directory.unit(code)
        late_by = calendar.working_days_between(due, day) if due is not None and due < day else 0
        return Candidate(code, unit.name if unit else code, row.owes() or "", due, late_by, code in picked)

    return [candidate(code, row) for code, row in found.items()]


def _asked(form: MultiDict[str, str] | None, candidates: list[Candidate]) -> Asked:
    if form is None:
        return Asked([c.code for c in candidates if c.chosen], str(rounds.DEFAULT_DAYS), {})
    units = [code.strip() for code in form.getlist("units") if code.strip()]
    asked = Asked(units, str(form.get("working_days", "")).strip(), {})
    days = asked.days()
    if days is None or not rounds.MIN_DAYS <= days <= rounds.MAX_DAYS:
        asked.errors["working_days"] = _days_message()
    if not units:
        asked.errors["units"] = str(_("Đơn vị được đôn đốc: chọn ít nhất một đơn vị."))
    return asked


def _preview(case_id: int, asked: Asked, candidates: list[Candidate]) -> tuple[Document | None, date | None]:
    """The letter the choice gives, and its deadline (None while the choice cannot stand)."""
    days = asked.days()
    known = {c.code for c in candidates}
    units = [c.code for c in candidates if c.code in set(asked.units)]
    if asked.errors or days is None or not units or not set(asked.units) <= known:
        return None, None
    now = runtime().services.clock.now()
    request_ = rounds.RoundRequest(case_id, units, days, me().username, today(), now)
    data = round_data(engine(), request_, working_calendar(db()), units, rounds.next_number(db(), case_id))
    return round_document(db(), data, None, drafted_on=today()), date.fromisoformat(str(data["new_deadline"]))


def _page(case: ProcessInstance, asked: Asked, candidates: list[Candidate]) -> str:
    letter, deadline = _preview(case.id, asked, candidates)
    return render_template(
        "supervision/rounds_new.html",
        case=case,
        asked=asked,
        candidates=candidates,
        letter=letter,
        deadline=deadline,
        number=rounds.next_number(db(), case.id),
        min_days=rounds.MIN_DAYS,
        max_days=rounds.MAX_DAYS,
    )


@bp.get("/new")
@login_required  # type: ignore[untyped-decorator]
def new(case_id: int) -> str:
    """The round's form: the late units ticked, five working days, the letter as it will read.

    "Xem trước" sends the changed choice back here to redraw the letter; nothing is stored.
    """
    case, _data = _case(case_id)
    previewing = "working_days" in request.args
    chosen = request.args.getlist("units") if previewing else None
    candidates = _candidates(case_id, chosen)
    return _page(case, _asked(request.args if previewing else None, candidates), candidates)


@bp.post("/new")
@login_required  # type: ignore[untyped-decorator]
def create(case_id: int) -> Response | tuple[str, int]:
    """Start the round as chosen; a bad choice comes back with its message and nothing is stored."""
    case, _data = _case(case_id)
    candidates = _candidates(case_id, request.form.getlist("units"))
    asked = _asked(request.form, candidates)
    if not asked.errors:
        now = runtime().services.clock.now()
        try:
            started = start_round(
                engine(),
                rounds.RoundRequest(case_id, asked.units, asked.days() or 0, me().username, today(), now),
                working_calendar(db()),
            )
        except rounds.RoundRefused as refused:
            asked.errors[refused.field] = _refusal(refused, candidates)
        else:
            flash(
                _(
                    "Đã bắt đầu đôn đốc lần %(number)d: %(count)d đơn vị, hạn mới %(day)s. "
                    "Dự thảo công văn đôn đốc đang chờ chuyên viên phòng chủ trì kiểm tra.",
                    number=started.number,
                    count=len(started.units),
                    day=started.deadline.strftime("%d/%m/%Y"),
                ),
                "info",
            )
            return redirect(url_for("cases.show", case_id=case_id))
    return _page(case, asked, candidates), 422


def _refusal(refused: rounds.RoundRefused, candidates: list[Candidate]) -> str:
    if refused.field == "working_days":
        return _days_message()
    if refused.reason == "none":
        return str(_("Đơn vị được đôn đốc: chọn ít nhất một đơn vị."))
    names = {c.code: c.name for c in candidates}
    return str(
        _(
            "Đơn vị được đôn đốc: %(units)s không nhận văn bản này hoặc đã hoàn thành, không thể đôn đốc.",
            units=", ".join(names.get(code, code) for code in refused.units),
        )
    )


def _days_message() -> str:
    return str(
        _(
            "Hạn mới (số ngày làm việc): nhập một số nguyên từ %(min)d đến %(max)d.",
            min=rounds.MIN_DAYS,
            max=rounds.MAX_DAYS,
        )
    )
