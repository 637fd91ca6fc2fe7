"""Signing in and out; who the current user is and what they hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import User

from .extensions import login_manager
from .i18n import _is_local
from .models import LoginAttempt
from .passwords import hash_password, needs_rehash, verify_password
from .requests import db, keep_changes_on_error, runtime

bp = Blueprint("auth", __name__)


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in person: who they are and the (role, unit) pairs they hold."""

    username: str
    full_name: str
    position_title: str
    unit_code: str
    roles: frozenset[tuple[str, str]]

    def get_id(self) -> str:
        return self.username

    def holds(self, role: str, unit: str | None = None) -> bool:
        """Whether the user holds `role` (in `unit`, when given)."""
        return any(r == role and (unit is None or u == unit) for r, u in self.roles)


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(username: str) -> CurrentUser | None:
    """The user of a session cookie, if still active."""
    user = db().scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        return None
    roles = OrgDirectory(db()).roles_of(username)
    return CurrentUser(user.username, user.full_name, user.position_title, user.unit_code, frozenset(roles))


def me() -> CurrentUser:
    """The signed-in user (views behind login_required only)."""
    user: CurrentUser = current_user._get_current_object()
    return user


class LoginForm(FlaskForm):  # type: ignore[misc]
    """The sign-in form."""

    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Cần nhập tên đăng nhập.")), Length(max=64, message=_l("Tối đa %(max)d ký tự."))],
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(_l("Cần nhập mật khẩu.")), Length(max=256, message=_l("Tối đa %(max)d ký tự."))],
    )


def _now() -> datetime:
    return runtime().services.clock.now()


def _recent_failures(username: str, address: str) -> tuple[int, int]:
    since = _now() - timedelta(minutes=runtime().settings.login_window_minutes)

    def count(*where: Any) -> int:
        failed = LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        return int(db().scalar(select(func.count()).select_from(LoginAttempt).where(*failed, *where)) or 0)

    return count(LoginAttempt.username == username), count(LoginAttempt.address == address)


def _record(username: str, address: str, succeeded: bool) -> None:
    db().add(LoginAttempt(username=username[:100], address=address[:64], at=_now(), succeeded=succeeded))
    # A refused sign-in answers with an error status, but must still be remembered.
    keep_changes_on_error()


def _throttled(username: str, address: str) -> bool:
    allowed = runtime().settings.login_failures_allowed
    by_user, by_address = _recent_failures(username, address)
    # One address may try a few accounts (a shared office connection), but not endlessly.
    return by_user >= allowed or by_address >= allowed * 4


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = request.remote_addr or "unknown"
        if _throttled(username, address):
            minutes = runtime().settings.login_window_minutes
            flash(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.", minutes=minutes), "error")
            return render_template("login.html", form=form), 429
        user = db().scalar(select(User).where(User.username == username, User.active.is_(True)))
        if not verify_password(user.password_hash if user else None, form.password.data):
            _record(username, address, succeeded=False)
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
            return render_template("login.html", form=form), 401
        assert user is not None and user.password_hash is not None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(form.password.data)
        _record(username, address, succeeded=True)
        loaded = load_user(user.username)
        assert loaded is not None
        login_user(loaded)
        target = request.args.get("next", "")
        return redirect(target if _is_local(target) else url_for("inbox.index"))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required  # type: ignore[untyped-decorator]
def logout() -> Response:
    """Sign out."""
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def init_app_login(app: Any) -> None:
    """Configure the login manager and the session cookie's flags."""
    settings = runtime_settings(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
    )
    app.register_blueprint(bp)


def runtime_settings(app: Any) -> Any:
    """The settings an application was built with."""
    return app.extensions["directive_flow"].settings
