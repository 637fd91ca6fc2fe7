"""Đặt mật khẩu: the page where a user whose password an administrator reset chooses a new one.

The administrator's reset (`web.admin.users`) clears the password and gives a link carrying a token
signed with the application's secret: the username and a digest of the stored password as it was
then (none). Setting a password changes that digest, so the link works once; it expires after three
days. Nobody else sees the password: it is hashed here (Argon2id) and the audit trail records only
that it was set. Every session of the user ended with the reset (their password stamp changed).
"""

from __future__ import annotations

from typing import Final

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.passwords import hash_password
from web.accounts.sign_in_sessions import password_stamp
from web.core.requests import db, runtime
from workflows.orgchart.models import User
from workflows.orgchart.user_admin import set_password_hash

bp = Blueprint("password_reset", __name__, url_prefix="/password", template_folder="templates")
SALT: Final = "password-reset"
LINK_SECONDS: Final = 3 * 24 * 3600
MIN_LENGTH: Final = 10


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def reset_link(username: str) -> str:
    """The link, on this site, through which `username` sets a new password (their password just reset)."""
    user = db().scalar(select(User).where(User.username == username))
    stamp = password_stamp(user.password_hash if user else None)
    token = _serializer().dumps({"u": username, "s": stamp})
    return url_for("password_reset.choose", token=token, _external=True)


def _user_of(token: str) -> User:
    """The user the token is for, while it is valid; 404 otherwise (a used, expired or forged link)."""
    try:
        signed = _serializer().loads(token, max_age=LINK_SECONDS)
    except BadSignature:
        abort(404)
    user = db().scalar(select(User).where(User.username == str(signed.get("u")), User.active.is_(True)))
    if user is None or user.password_hash is not None or signed.get("s") != password_stamp(None):
        abort(404)
    return user


@bp.get("/<token>")
def choose(token: str) -> str:
    """The form: the new password, twice."""
    return render_template("accounts/password_reset.html", user=_user_of(token), errors={})


@bp.post("/<token>")
def save(token: str) -> Response | tuple[str, int]:
    """Store the new password, hashed; the link is spent."""
    user = _user_of(token)
    password, again = request.form.get("password", ""), request.form.get("password_again", "")
    errors: dict[str, str] = {}
    if len(password) < MIN_LENGTH:
        errors["password"] = _("Mật khẩu cần ít nhất %(count)d ký tự.", count=MIN_LENGTH)
    elif password != again:
        errors["password_again"] = _("Hai lần nhập mật khẩu không giống nhau.")
    if errors:
        return render_template("accounts/password_reset.html", user=user, errors=errors), 400
    set_password_hash(
        db(), user.username, hash_password(password), actor=user.username, at=runtime().services.clock.now()
    )
    flash(_("Đã đặt mật khẩu mới. Hãy đăng nhập."))
    return redirect(url_for("auth.login"))
