"""An auditor changes nothing: every request that could change state is refused to a read-only person.

The rule sits before every view, so a route added later cannot forget it; the engine refuses the
same people again in each command (engine/read_only.py). Signing in and out and choosing the
language only touch the person's own session and stay open.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from engine.errors import ReadOnlyActor
from workflows.orgchart.directory import READ_ONLY_ROLES

#: Safe methods change nothing; every other method is refused to a read-only person.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Endpoints that touch only the person's own session.
OWN_SESSION_ENDPOINTS = frozenset({"auth.login", "auth.logout", "i18n.choose_language"})


def reads_only(roles: Iterable[tuple[str, str]]) -> bool:
    """Whether these (role, unit) pairs are all read-only (an auditor who holds nothing else)."""
    held = {role for role, _unit in roles}
    return bool(held) and held <= READ_ONLY_ROLES


def _refusal() -> ResponseReturnValue:
    title = _("Chỉ được xem")
    message = _("Vai trò kiểm tra chỉ được xem hồ sơ, không được thay đổi gì. Không có gì được lưu.")
    if request.path.startswith("/api/"):
        return {"status": 403, "title": title, "detail": message}, 403
    return render_template("error.html", status=403, title=title, message=message), 403


def init_app(app: Flask) -> None:
    """Refuse state-changing requests of read-only people, and map the engine's refusal to the same page."""

    @app.before_request
    def _refuse_changes() -> ResponseReturnValue | None:
        if request.method in SAFE_METHODS or request.endpoint in OWN_SESSION_ENDPOINTS:
            return None
        if current_user.is_authenticated and reads_only(current_user.roles):
            return _refusal()
        return None

    @app.errorhandler(ReadOnlyActor)
    def _engine_refused(_exc: ReadOnlyActor) -> ResponseReturnValue:
        return _refusal()
