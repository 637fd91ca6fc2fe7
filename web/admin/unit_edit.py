"""One unit, for administrators: its name, kind, parent and validity changed, or the unit merged into another.

An end of validity abolishes the unit (no directive is sent to it after that day); merging it into
another unit from a day ends it the day before and moves its child units under the other
(`workflows.orgchart.unit_admin`). Cases running on it keep working: its officers keep their tasks.
Administrators change it, auditors read it; each mistake is named at its field with nothing stored;
every change is one audit event with before and after.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.access import require_admin, require_reader
from web.core.requests import db, runtime
from workflows.orgchart.models import Unit, UnitKind, User
from workflows.orgchart.table_import import parse_date
from workflows.orgchart.unit_admin import FIELDS, UnitInvalid, merge_unit, update_unit

bp = Blueprint("admin_unit_edit", __name__, url_prefix="/admin/units", template_folder="templates")


def _errors(invalid: UnitInvalid) -> dict[str, str]:
    english = str(get_locale() or "vi").startswith("en")
    return {p.field: p.message.en if english else p.message.vi for p in invalid.problems}


def _unit_or_404(code: str) -> Unit:
    unit = db().scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        abort(404)
    return unit


def _form_of(unit: Unit) -> dict[str, str]:
    def shown(value: Any) -> str:
        return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value or "")

    return {name: shown(getattr(unit, name)) for name in FIELDS}


def _page(
    unit: Unit,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    merge_form: dict[str, str] | None = None,
    merge_errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    units = list(db().scalars(select(Unit).order_by(Unit.position, Unit.code)))
    page = render_template(
        "admin/unit.html",
        unit=unit,
        form=form or _form_of(unit),
        errors=errors or {},
        merge_form=merge_form or {"into": "", "on": ""},
        merge_errors=merge_errors or {},
        units=[u for u in units if u.code != unit.code],
        kinds=list(db().scalars(select(UnitKind).order_by(UnitKind.position, UnitKind.code))),
        names={u.code: u.name for u in units},
        children=[u for u in units if u.parent_code == unit.code],
        people=list(db().scalars(select(User).where(User.unit_code == unit.code).order_by(User.username))),
        may_change=me().holds("admin"),
    )
    return page, status


@bp.get("/<code>")
@login_required  # type: ignore[untyped-decorator]
def show(code: str) -> tuple[str, int]:
    """The unit with its child units and people, and (for administrators) the forms that change it."""
    require_reader()
    return _page(_unit_or_404(code))


@bp.post("/<code>")
@login_required  # type: ignore[untyped-decorator]
def save(code: str) -> Response | tuple[str, int]:
    """Save the unit's fields."""
    require_admin()
    unit = _unit_or_404(code)
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        changes = update_unit(db(), code, form, actor=me().username, at=runtime().services.clock.now())
    except UnitInvalid as invalid:
        return _page(unit, form=form, errors=_errors(invalid), status=400)
    flash(_("Đã lưu đơn vị %(name)s.", name=unit.name) if changes else _("Không có gì thay đổi."))
    return redirect(url_for(".show", code=code))


@bp.post("/<code>/merge")
@login_required  # type: ignore[untyped-decorator]
def merge(code: str) -> Response | tuple[str, int]:
    """Merge the unit into another from a day."""
    require_admin()
    unit = _unit_or_404(code)
    merge_form = {"into": request.form.get("into", "").strip(), "on": request.form.get("on", "").strip()}
    on = parse_date(merge_form["on"])
    if on is None:
        message = _("Hãy nhập ngày dạng dd/mm/yyyy.") if not merge_form["on"] else None
        errors = {"on": message or _("“%(value)s” không phải là ngày dạng dd/mm/yyyy.", value=merge_form["on"])}
        return _page(unit, merge_form=merge_form, merge_errors=errors, status=400)
    try:
        moved = merge_unit(db(), code, merge_form["into"], on, actor=me().username, at=runtime().services.clock.now())
    except UnitInvalid as invalid:
        return _page(unit, merge_form=merge_form, merge_errors=_errors(invalid), status=400)
    flash(
        _(
            "Đã sáp nhập %(name)s vào %(into)s từ ngày %(day)s; chuyển %(count)d đơn vị trực thuộc.",
            name=unit.name,
            into=merge_form["into"],
            day=on.strftime("%d/%m/%Y"),
            count=len(moved),
        )
    )
    return redirect(url_for(".show", code=code))
