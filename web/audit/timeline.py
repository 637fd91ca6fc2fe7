"""One case's timeline for those who see the whole case (auditors, administrators, supervisors,
the agency's leaders): every step, who did it and why, each submission and what it changed, the
versions of the draft and the report, and the diagram as it was after any chosen event."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import login_required

from engine.models import ProcessInstance
from web.accounts.auth import me
from web.audit.timeline_diagram import progress_upto
from web.audit.timeline_moments import render_moments
from web.audit.timeline_page import page_labels, version_name
from web.cases.case_access import access_to
from web.core.requests import db, engine
from web.core.security_headers import policy_for_standalone_page
from workflows.audit.timeline import DocumentVersion, case_events, data_as_of, events_by_id, form_fields, timeline
from workflows.audit.timeline_diff import as_text, field_changes
from workflows.calendar import LOCAL_TZ
from workflows.directive.rendering import render_html

bp = Blueprint("audit_timeline", __name__, template_folder="templates")


def _case(case_id: int) -> ProcessInstance:
    """The case, when the signed-in person sees all of it (404 otherwise)."""
    access = access_to(db(), me(), case_id)
    if access is None or not access.full:
        abort(404)
    return access.case


def _upto() -> int | None:
    value = request.args.get("upto", "")
    return int(value) if value.isdigit() else None


@bp.get("/cases/<int:case_id>/timeline")
@login_required  # type: ignore[untyped-decorator]
def show(case_id: int) -> str:
    """The timeline page."""
    case = _case(case_id)
    found = timeline(db(), case_id)
    events = [m for m in found.moments if m.event_id is not None and m.instance_id is not None]
    upto = _upto() or (events[-1].event_id if events else None)
    chosen = next((m for m in events if m.event_id == upto), None)
    labels = page_labels(found)
    return render_template(
        "audit/timeline.html",
        case=case,
        timeline=found,
        upto=upto,
        chosen=chosen,
        compared=_compared(found.versions),
        labels=labels,
        moments_html=render_moments(found, labels, upto, version_name),
        version_name=version_name,
        as_text=as_text,
    )


def _compared(versions: list[DocumentVersion]) -> dict[str, object] | None:
    """The two versions the person asked to compare (`a` and `b`), field by field."""
    first, second = request.args.get("a", ""), request.args.get("b", "")
    if not (first.isdigit() and second.isdigit()):
        return None
    known = {v.event_id: v for v in versions}
    a, b = known.get(int(first)), known.get(int(second))
    if a is None or b is None:
        return None
    events = events_by_id(db(), [a.event_id, b.event_id])
    changes = field_changes(form_fields(events[a.event_id].after), form_fields(events[b.event_id].after))
    return {"a": a, "b": b, "changes": changes}


@bp.get("/cases/<int:case_id>/timeline/versions/<int:event_id>")
@login_required  # type: ignore[untyped-decorator]
def version(case_id: int, event_id: int) -> Response:
    """One earlier version of the draft or the report, composed as it read when it was submitted."""
    case = _case(case_id)
    found = {v.event_id: v for v in timeline(db(), case_id).versions}.get(event_id)
    if found is None:
        abort(404)
    events = case_events(db(), case_id, upto=event_id)
    submitted = events[-1]
    data = data_as_of(events, engine().data(case_id), case.id)
    drafted_on = submitted.at.astimezone(LOCAL_TZ).date()
    document = found.kind.compose(db(), data, submitted.actor, None, drafted_on=drafted_on)
    page = render_html(document)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = policy_for_standalone_page(page)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<int:case_id>/timeline/progress.json")
@login_required  # type: ignore[untyped-decorator]
def progress(case_id: int) -> Response:
    """The diagram's finished and waiting elements right after event `upto` (now, without it)."""
    case = _case(case_id)
    upto = _upto()
    last = case_events(db(), case_id)
    chosen = upto if upto is not None else (last[-1].id if last else 0)
    response = jsonify(progress_upto(db(), case, chosen).as_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response
