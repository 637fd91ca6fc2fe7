"""Health checks for whoever runs the application: is this process alive, can it serve requests.

`/healthz` is the liveness check: it answers 200 as long as the process does, and says whether
the database answers (restarting the web process would not bring a database back). `/readyz` is the
readiness check: 503 while the database cannot be reached, so that a load balancer sends people
elsewhere or shows its own page.
"""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.core.db import READ_ONLY, error_reason
from web.core.requests import runtime

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


def database_state() -> str:
    """ "ok" when a statement reaches the database, "unavailable" otherwise (logged with the reason)."""
    try:
        # Its own connection, outside the request's unit of work: nothing to commit or roll back.
        # Read-only: on SQLite a probe must not queue for (or hold) the write lock.
        with runtime().db.connect().execution_options(**{READ_ONLY: True}) as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("database unavailable: %s", error_reason(exc))
        return "unavailable"
    return "ok"


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers; the database's state is reported, not judged."""
    return {"status": "ok", "database": database_state()}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, str], int]:
    """Readiness: 200 when requests can be served, 503 while the database cannot be reached."""
    database = database_state()
    ready = database == "ok"
    return {"status": "ready" if ready else "unavailable", "database": database}, 200 if ready else 503
