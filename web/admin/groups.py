"""Nhóm nơi nhận: the recipient groups a directive's "Kính gửi" names, and the units each holds today.

Administrators create and edit a group: its name, its "Kính gửi" line, and which units it holds — the
units of a kind, under one parent unit or under units of a kind (`workflows.orgchart.group_admin`);
the page shows the members as a directive sent today would reach them. Auditors read. Each mistake is
named at its field with nothing stored; each change is audited with before and after.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.access import require_admin, require_reader
from web.core.requests import db, runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.group_admin import FIELDS, GroupInvalid, form_of, save_group
from workflows.orgchart.groups import resolve_recipients
from workflows.orgchart.models import RecipientGroup, Unit, UnitKind

bp = Blueprint("admin_groups", __name__, url_prefix="/admin/groups", template_folder="templates")


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _errors(invalid: GroupInvalid) -> dict[str, str]:
    english = str(get_locale() or "vi").startswith("en")
    return {p.field: p.message.en if english else p.message.vi for p in invalid.problems}


def _members(code: str) -> list[Unit]:
    codes = resolve_recipients(db(), [code], _today())
    by_code = {u.code: u for u in db().scalars(select(Unit).where(Unit.code.in_(codes)))}
    return [by_code[c] for c in codes]


def _choices() -> dict[str, object]:
    return {
        "kinds": list(db().scalars(select(UnitKind).order_by(UnitKind.position, UnitKind.code))),
        "units": list(db().scalars(select(Unit).order_by(Unit.position, Unit.code))),
    }


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """Every group with its "Kính gửi" line and its members today."""
    require_reader()
    groups = list(db().scalars(select(RecipientGroup).order_by(RecipientGroup.position, RecipientGroup.code)))
    members = {group.code: _members(group.code) for group in groups}
    kinds = {kind.code: kind.name for kind in db().scalars(select(UnitKind))}
    return render_template(
        "admin/groups.html", groups=groups, members=members, kinds=kinds, may_change=me().holds("admin")
    )


def _page(code: str, form: dict[str, str], errors: dict[str, str], *, new: bool, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "admin/group.html",
        code=code,
        form=form,
        errors=errors,
        new=new,
        members=[] if new else _members(code),
        may_change=me().holds("admin"),
        **_choices(),
    )
    return page, status


@bp.get("/new")
@login_required  # type: ignore[untyped-decorator]
def new() -> tuple[str, int]:
    """The form of a new group."""
    require_admin()
    return _page("", dict.fromkeys(FIELDS, ""), {}, new=True)


@bp.post("/new")
@login_required  # type: ignore[untyped-decorator]
def create() -> Response | tuple[str, int]:
    """Create the group."""
    require_admin()
    code = request.form.get("code", "").strip()
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        save_group(db(), code, form, actor=me().username, at=runtime().services.clock.now(), new=True)
    except GroupInvalid as invalid:
        return _page(code, form, _errors(invalid), new=True, status=400)
    flash(_("Đã tạo nhóm %(name)s.", name=form["name"].strip()))
    return redirect(url_for(".show", code=code))


@bp.get("/<code>")
@login_required  # type: ignore[untyped-decorator]
def show(code: str) -> tuple[str, int]:
    """One group: its fields and its members today."""
    require_reader()
    group = db().scalar(select(RecipientGroup).where(RecipientGroup.code == code))
    if group is None:
        abort(404)
    return _page(code, form_of(group), {}, new=False)


@bp.post("/<code>")
@login_required  # type: ignore[untyped-decorator]
def save(code: str) -> Response | tuple[str, int]:
    """Save the group's fields."""
    require_admin()
    if db().scalar(select(RecipientGroup.id).where(RecipientGroup.code == code)) is None:
        abort(404)
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        save_group(db(), code, form, actor=me().username, at=runtime().services.clock.now(), new=False)
    except GroupInvalid as invalid:
        return _page(code, form, _errors(invalid), new=False, status=400)
    flash(_("Đã lưu nhóm %(name)s.", name=form["name"].strip()))
    return redirect(url_for(".show", code=code))
