"""Người dùng: the users, for administrators (auditors read them).

The list filters by unit, role and whether the account is active. An administrator creates a user,
edits their name, unit, position, e-mail and signing mark, deactivates them (never deletes: the trail
and the registers keep their names), grants and withdraws roles in units, and resets a password:
the old one stops working at once and the page gives a link, valid three days and once, through
which the user sets a new one (`web.accounts.password_reset`); no one ever sees a password or its
hash. Every change is checked on the server (administrators only, CSRF), each mistake named at its
field with nothing stored, and audited with the actor and the fields before and after
(`workflows.orgchart.user_admin`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.accounts.password_reset import reset_link
from web.admin.access import require_admin, require_reader
from web.core.requests import db, runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.models import Role, RoleAssignment, Unit, User
from workflows.orgchart.user_admin import (
    FIELDS,
    UserInvalid,
    create_user,
    grant_role,
    reset_password,
    set_active,
    update_user,
    withdraw_role,
)
from workflows.orgchart.validation import SIGNS_AS

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users", template_folder="templates")
PER_PAGE: Final = 100


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _errors(invalid: UserInvalid) -> dict[str, str]:
    english = str(get_locale() or "vi").startswith("en")
    return {p.field: p.message.en if english else p.message.vi for p in invalid.problems}


def _choices() -> dict[str, Any]:
    today = _today()
    units = list(db().scalars(select(Unit).order_by(Unit.position, Unit.code)))
    return {
        "units": units,
        "open_units": [u for u in units if u.is_valid_on(today)],
        "unit_names": {u.code: u.name for u in units},
        "roles": list(db().scalars(select(Role).order_by(Role.position, Role.code))),
        "marks": sorted(SIGNS_AS),
        "labels": {
            "username": _("Tên đăng nhập"),
            "full_name": _("Họ và tên"),
            "initials": _("Chữ viết tắt"),
            "position_title": _("Chức vụ"),
            "unit_code": _("Đơn vị"),
            "email": _("Thư điện tử"),
            "signs_as": _("Ký thay mặt (Q., TL., TUQ., TM.)"),
        },
    }


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The users, filtered by unit, role and activity."""
    require_reader()
    unit, role, active = request.args.get("unit", ""), request.args.get("role", ""), request.args.get("active", "yes")
    query = select(User).order_by(User.unit_code, User.username)
    if unit:
        query = query.where(User.unit_code == unit)
    if role:
        holders = select(RoleAssignment.username).where(RoleAssignment.role == role)
        query = query.where(User.username.in_(holders))
    if active in ("yes", "no"):
        query = query.where(User.active.is_(active == "yes"))
    users = list(db().scalars(query.limit(PER_PAGE + 1)))
    names = [u.username for u in users]
    roles: dict[str, list[tuple[str, str]]] = {}
    for row in db().scalars(select(RoleAssignment).where(RoleAssignment.username.in_(names))):
        roles.setdefault(row.username, []).append((row.role, row.unit_code))
    return render_template(
        "admin/users.html",
        users=users[:PER_PAGE],
        more=len(users) > PER_PAGE,
        held=roles,
        asked={"unit": unit, "role": role, "active": active},
        may_change=me().holds("admin"),
        **_choices(),
    )


@bp.get("/new")
@login_required  # type: ignore[untyped-decorator]
def new() -> str:
    """The form of a new user."""
    require_admin()
    return render_template("admin/user_new.html", form={}, errors={}, **_choices())


@bp.post("/new")
@login_required  # type: ignore[untyped-decorator]
def create() -> Response | tuple[str, int]:
    """Create the user: checked field by field, stored with its audit event, or the form again with every error."""
    require_admin()
    form = {name: request.form.get(name, "") for name in ("username", *FIELDS)}
    try:
        user = create_user(db(), form, actor=me().username, at=runtime().services.clock.now(), on=_today())
    except UserInvalid as invalid:
        return render_template("admin/user_new.html", form=form, errors=_errors(invalid), **_choices()), 400
    flash(
        _(
            "Đã tạo người dùng %(username)s. Hãy cấp vai trò và đặt lại mật khẩu để họ tự đặt mật khẩu.",
            username=user.username,
        )
    )
    return redirect(url_for(".show", username=user.username))


def _user_or_404(username: str) -> User:
    user = db().scalar(select(User).where(User.username == username))
    if user is None:
        abort(404)
    return user


def _user_page(
    user: User,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    role_errors: dict[str, str] | None = None,
    role_form: dict[str, str] | None = None,
    link: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    assignments = list(
        db().scalars(select(RoleAssignment).where(RoleAssignment.username == user.username).order_by(RoleAssignment.id))
    )
    page = render_template(
        "admin/user.html",
        user=user,
        form=form or {name: getattr(user, name) or "" for name in FIELDS},
        errors=errors or {},
        assignments=assignments,
        role_errors=role_errors or {},
        role_form=role_form or {"role": "", "unit_code": user.unit_code},
        reset_link=link,
        may_change=me().holds("admin"),
        **_choices(),
    )
    return page, status


@bp.get("/<username>")
@login_required  # type: ignore[untyped-decorator]
def show(username: str) -> tuple[str, int]:
    """One user: the fields, the roles, and (for administrators) the forms that change them."""
    require_reader()
    return _user_page(_user_or_404(username))


@bp.post("/<username>")
@login_required  # type: ignore[untyped-decorator]
def edit(username: str) -> Response | tuple[str, int]:
    """Save the user's fields; each mistake named at its field, nothing stored."""
    require_admin()
    user = _user_or_404(username)
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        changes = update_user(db(), username, form, actor=me().username, at=runtime().services.clock.now(), on=_today())
    except UserInvalid as invalid:
        return _user_page(user, form=form, errors=_errors(invalid), status=400)
    flash(_("Đã lưu thay đổi của %(name)s.", name=user.full_name) if changes else _("Không có gì thay đổi."))
    return redirect(url_for(".show", username=username))


@bp.post("/<username>/active")
@login_required  # type: ignore[untyped-decorator]
def activity(username: str) -> Response:
    """Deactivate or reactivate the account."""
    require_admin()
    user = _user_or_404(username)
    active = request.form.get("active") == "1"
    if not active and username == me().username:
        flash(_("Không thể tự khóa tài khoản của chính mình."), "error")
        return redirect(url_for(".show", username=username))
    set_active(db(), username, active, actor=me().username, at=runtime().services.clock.now())
    flash(
        _("Đã mở lại tài khoản %(name)s.", name=user.full_name)
        if active
        else _("Đã khóa tài khoản %(name)s.", name=user.full_name)
    )
    return redirect(url_for(".show", username=username))


@bp.post("/<username>/roles")
@login_required  # type: ignore[untyped-decorator]
def grant(username: str) -> Response | tuple[str, int]:
    """Grant a role in a unit."""
    require_admin()
    user = _user_or_404(username)
    role_form = {"role": request.form.get("role", ""), "unit_code": request.form.get("unit_code", "")}
    try:
        grant_role(
            db(),
            username,
            role_form["role"],
            role_form["unit_code"],
            actor=me().username,
            at=runtime().services.clock.now(),
            on=_today(),
        )
    except UserInvalid as invalid:
        return _user_page(user, role_errors=_errors(invalid), role_form=role_form, status=400)
    flash(_("Đã cấp vai trò cho %(name)s.", name=user.full_name))
    return redirect(url_for(".show", username=username))


@bp.post("/<username>/roles/<int:assignment_id>/withdraw")
@login_required  # type: ignore[untyped-decorator]
def withdraw(username: str, assignment_id: int) -> Response:
    """Withdraw one of the user's roles."""
    require_admin()
    user = _user_or_404(username)
    if not withdraw_role(db(), username, assignment_id, actor=me().username, at=runtime().services.clock.now()):
        abort(404)
    flash(_("Đã thu hồi vai trò của %(name)s.", name=user.full_name))
    return redirect(url_for(".show", username=username))


@bp.post("/<username>/password")
@login_required  # type: ignore[untyped-decorator]
def password(username: str) -> tuple[str, int]:
    """Reset the password: the old one stops working; the page shows the link the user sets a new one with."""
    require_admin()
    user = _user_or_404(username)
    reset_password(db(), username, actor=me().username, at=runtime().services.clock.now())
    return _user_page(user, link=reset_link(username))
