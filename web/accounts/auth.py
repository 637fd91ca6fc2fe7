"""Signing in and out; who the current user is and what they hold."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web.accounts.passwords import hash_password, needs_rehash, verify_password
from web.accounts.sign_in_sessions import SESSION_LIFETIME, end_session, open_session, session_now, session_user
from web.accounts.sign_in_throttle import judge_attempt, record_success
from web.core.extensions import login_manager
from web.core.local_paths import local_or
from web.core.requests import db, runtime
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import User

bp = Blueprint("auth", __name__, template_folder="templates")


@dataclass(frozen=True)
class CurrentUser(UserMixin):  # type: ignore[misc]
    """The signed-in person: who they are and the (role, unit) pairs they hold."""

    username: str
    full_name: str
    position_title: str
    unit_code: str
    roles: frozenset[tuple[str, str]]
    # The server-side session this user is signed in with (see sign_in_sessions).
    session_token: str = field(default="", repr=False, compare=False)

    def get_id(self) -> str:
        # The session cookie names the session, not the person: a session ended on the server
        # leaves a copied cookie naming nothing.
        return self.session_token

    def holds(self, role: str, unit: str | None = None) -> bool:
        """Whether the user holds `role` (in `unit`, when given)."""
        return any(r == role and (unit is None or u == unit) for r, u in self.roles)


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(token: str) -> CurrentUser | None:
    """The user of a session cookie, while its session lasts and the user is active."""
    user = session_user(db(), token, session_now())
    return None if user is None else _current_user(user, token)


def _current_user(user: User, token: str) -> CurrentUser:
    roles = OrgDirectory(db()).roles_of(user.username)
    return CurrentUser(
        user.username, user.full_name, user.position_title, user.unit_code, frozenset(roles), session_token=token
    )


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


def _too_many_attempts(form: LoginForm, retry_at: datetime) -> Response:
    seconds = max(1, math.ceil((retry_at - _now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    flash(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.", minutes=minutes), "error")
    response = make_response(render_template("login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        settings = runtime().settings
        # Judged (and recorded) before the request's own transaction begins: see sign_in_throttle.
        verdict = judge_attempt(
            runtime().sessions,
            username,
            request.remote_addr or "unknown",
            _now(),
            allowed=settings.login_failures_allowed,
            window=timedelta(minutes=settings.login_window_minutes),
        )
        if verdict.retry_at is not None:
            return _too_many_attempts(form, verdict.retry_at)
        user = db().scalar(select(User).where(User.username == username, User.active.is_(True)))
        if not verify_password(user.password_hash if user else None, form.password.data):
            # The failed guess is already on record.
            flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
            return render_template("login.html", form=form), 401
        assert user is not None and user.password_hash is not None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(form.password.data)
        record_success(db(), verdict.attempt_id)
        login_user(_current_user(user, open_session(db(), user, session_now())))
        return redirect(local_or(request.args.get("next"), url_for("inbox.index")))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required  # type: ignore[untyped-decorator]
def logout() -> Response:
    """Sign out: the session ends on the server, so no copy of its cookie works any more."""
    end_session(db(), me().session_token, session_now())
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
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    app.register_blueprint(bp)


def runtime_settings(app: Any) -> Any:
    """The settings an application was built with."""
    return app.extensions["directive_flow"].settings
