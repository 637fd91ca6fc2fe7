"""Người thay thế (quản trị): every substitution of the agency, and one named or cancelled for anyone.

Officers name their own substitutes, and leaders those of the officers they lead
(`web.accounts.substitutes`); the administrator sees them all — running, to come, and, when asked,
past and cancelled — and may name or cancel one for any officer, under the same rules
(`workflows.orgchart.out_of_office`: the substitute related to the absent officer, active, not away
then; days from today, in order, at most a year, no overlap). Each is in the audit trail with the
administrator as actor. Auditors read the list.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.accounts.substitutes import FIELDS, MESSAGES, day_field
from web.admin.access import require_admin, require_reader
from web.core.requests import db, runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.models import RoleAssignment, Unit, User
from workflows.orgchart.out_of_office import (
    REASON_MAX,
    Problem,
    SubstitutionNotFound,
    SubstitutionRefused,
    cancel_substitution,
    name_substitute,
)
from workflows.orgchart.substitutes import Substitution

bp = Blueprint("admin_substitutes", __name__, url_prefix="/admin/substitutes", template_folder="templates")


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _people() -> dict[str, str]:
    """Active users who hold a role, 'Full name — title (unit)', by name."""
    holders = select(RoleAssignment.username)
    query = (
        select(User.username, User.full_name, User.position_title, Unit.short_name)
        .join(Unit, Unit.code == User.unit_code)
        .where(User.active.is_(True), User.username.in_(holders))
        .order_by(User.full_name, User.username)
    )
    return {row.username: f"{row.full_name} — {row.position_title} ({row.short_name})" for row in db().execute(query)}


def _message(problem: Problem, names: dict[str, str]) -> str:
    params = {k: v.strftime("%d/%m/%Y") if isinstance(v, date) else v for k, v in problem.params.items()}
    if problem.code == "overlap":
        params["substitute"] = names.get(str(params["substitute"]), params["substitute"])
    template = MESSAGES.get((problem.field, problem.code))
    return str(template % params) if template is not None else problem.code


def _render(values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> str:
    today, every = _today(), request.args.get("all") == "1"
    query = select(Substitution).order_by(Substitution.from_date.desc(), Substitution.id.desc())
    if not every:
        query = query.where(Substitution.cancelled_at.is_(None), Substitution.to_date >= today)
    rows = list(db().scalars(query.limit(500)))
    wanted = {n for r in rows for n in (r.absent_username, r.substitute_username, r.created_by)}
    found = db().execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    names = {row.username: row.full_name for row in found}
    return render_template(
        "admin/substitutes.html",
        rows=rows,
        names=names,
        today=today,
        every=every,
        values=values or {},
        errors=errors or {},
        labels=FIELDS,
        people=_people(),
        reason_max=REASON_MAX,
        may_change=me().holds("admin"),
    )


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """Every running and coming substitution (and past and cancelled ones with ?all=1)."""
    require_reader()
    return _render()


@bp.post("")
@login_required  # type: ignore[untyped-decorator]
def create() -> Response | tuple[str, int]:
    """Name a substitute for any officer; each mistake at its field, nothing stored."""
    require_admin()
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    from_date, to_date = day_field(values, "from_date", errors), day_field(values, "to_date", errors)
    if from_date is not None and to_date is not None:
        try:
            name_substitute(
                db(),
                by=me().username,
                absent=values["absent"],
                substitute=values["substitute"],
                from_date=from_date,
                to_date=to_date,
                reason=values["reason"],
                at=runtime().services.clock.now(),
                today=_today(),
            )
        except SubstitutionRefused as refused:
            names = _people()
            for problem in refused.problems:
                errors.setdefault(problem.field, _message(problem, names))
        else:
            flash(_("Đã cử người thay thế."), "info")
            return redirect(url_for(".index"))
    return _render(values, errors), 422


@bp.post("/<int:substitution_id>/cancel")
@login_required  # type: ignore[untyped-decorator]
def cancel(substitution_id: int) -> Response:
    """Cancel a running or coming substitution."""
    require_admin()
    try:
        cancel_substitution(db(), substitution_id, by=me().username, at=runtime().services.clock.now(), today=_today())
    except SubstitutionNotFound:
        abort(404)
    flash(_("Đã hủy việc cử người thay thế."), "info")
    return redirect(url_for(".index"))
