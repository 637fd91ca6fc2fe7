"""Who may open the supervision pages: anyone with a supervision scope, checked on the server."""

from __future__ import annotations

from datetime import date

from flask import abort

from web.accounts.auth import me
from web.cases.case_access import agency_code
from web.core.requests import db, runtime
from workflows.calendar import LOCAL_TZ
from workflows.supervision.scope import Scope, scope_of


def my_scope() -> Scope:
    """The signed-in person's supervision scope; 403 when they supervise nothing."""
    scope = scope_of(me().roles, agency_code(db()) or "")
    if scope.empty:
        abort(403)
    return scope


def supervises() -> bool:
    """Whether the signed-in person has a supervision scope (for the navigation)."""
    return not scope_of(me().roles, agency_code(db()) or "").empty


def today() -> date:
    """Today in Vietnam, by the application's clock (tests and rehearsals move it)."""
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()
