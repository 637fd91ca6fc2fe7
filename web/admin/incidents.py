"""Sự cố: jobs (timers, resumptions) that failed until the worker gave up, for administrators.

A job that keeps failing stops being retried and becomes an incident (engine/worker.py); the case
it belongs to waits meanwhile. Here an administrator sees each one with its error and puts it back
in the queue once the cause is fixed. Both the list and the retry are for administrators only,
checked on the server; the retry is recorded in the audit trail by the engine.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine import jobs
from engine.errors import EngineError
from engine.models import Job, ProcessInstance
from web.accounts.auth import me
from web.admin.access import require_admin
from web.core.requests import db, engine

bp = Blueprint("admin_incidents", __name__, url_prefix="/admin/incidents", template_folder="templates")
SHOWN = 200


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """Incidents first, then jobs still being retried after a failure."""
    require_admin()
    failing = (Job.status == jobs.INCIDENT) | ((Job.status == jobs.PENDING) & (Job.attempts > 0))
    rows = db().execute(
        select(Job, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == Job.instance_id)
        .where(failing)
        .order_by((Job.status == jobs.INCIDENT).desc(), Job.due_at, Job.id)
        .limit(SHOWN)
    )
    return render_template("admin/incidents.html", rows=list(rows), incident=jobs.INCIDENT)


@bp.post("/<int:job_id>/retry")
@login_required  # type: ignore[untyped-decorator]
def retry(job_id: int) -> Response:
    """Put one incident back in the queue, due now."""
    require_admin()
    try:
        engine().retry_incident(job_id, me().username)
    except EngineError:
        flash(_("Việc nền số %(job)d không phải là sự cố (có thể đã được chạy lại).", job=job_id), "error")
        return redirect(url_for(".index"))
    flash(_("Đã đưa việc nền số %(job)d vào hàng đợi để chạy lại.", job=job_id))
    return redirect(url_for(".index"))
