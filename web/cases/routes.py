"""The case page: the directive's data, its trail, its attachments and its diagram with progress."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from engine.models import ProcessDefinition, ProcessInstance
from web.accounts.auth import me
from web.cases.attachment_store import TYPES
from web.cases.attachments import KIND_OF_STEP, may_upload, my_open_tasks
from web.cases.case_access import CaseAccess, access_to
from web.cases.case_progress import progress_of
from web.cases.case_view import build_case_page
from web.core.labels import URGENCIES
from web.core.models import ATTACHMENT_KINDS
from web.core.requests import db, engine, runtime
from web.core.settings import PROJECT_ROOT

bp = Blueprint("cases", __name__, template_folder="templates")

# Only the viewer and its style sheets are served from the npm package; nothing else of node_modules.
VENDOR_DIST = PROJECT_ROOT / "node_modules" / "bpmn-js" / "dist"
VENDOR_FILES = ("bpmn-viewer.production.min.js",)
VENDOR_FOLDERS = ("assets/",)


def _access(case_id: int) -> CaseAccess:
    access = access_to(db(), me(), case_id)
    if access is None:
        abort(404)
    return access


def _instance(access: CaseAccess, instance_id: int | None) -> ProcessInstance:
    """The instance whose diagram is asked for: the case, or one unit's part the person may see."""
    if instance_id is None:
        instance_id = access.case.id if access.full else access.own_instance
    if instance_id == access.case.id and access.full:
        return access.case
    row = db().get(ProcessInstance, instance_id) if instance_id is not None else None
    if row is None or row.case_id != access.case.id or row.id == access.case.id:
        abort(404)
    if not access.full and row.id not in access.instances:
        abort(404)
    return row


def _instance_arg() -> int | None:
    return request.args.get("instance", type=int)


@bp.get("/cases/<int:case_id>")
@login_required  # type: ignore[untyped-decorator]
def show(case_id: int) -> str:
    """All of the case the signed-in person may see."""
    access = _access(case_id)
    shown = _instance(access, _instance_arg()) if _instance_arg() is not None else None
    now = runtime().services.clock.now()
    page = build_case_page(db(), engine(), access, instance_id=shown.id if shown else None, now=now)
    user = me()
    tasks = my_open_tasks(access, user)
    default_kind = next((KIND_OF_STEP[t.form_key] for t in tasks if t.form_key in KIND_OF_STEP), "other")
    return render_template(
        "cases/show.html",
        page=page,
        data=page.data,
        urgencies={code: str(label) for code, label in URGENCIES.items()},
        now=now,
        open_tasks=tasks,
        can_upload=may_upload(access, user, tasks),
        kinds=[k for k in ATTACHMENT_KINDS if access.full or k != "draft"],
        default_kind=default_kind,
        accept=",".join(f".{ext}" for ext in TYPES),
        may_release=bool(
            page.shown_unit
            and page.shown_unit.status in ("running", "suspended")
            and engine().may_cancel(user.username, page.shown_unit.instance_id)
        ),
    )


@bp.post("/cases/<int:case_id>/units/<int:instance_id>/release")
@login_required  # type: ignore[untyped-decorator]
def release_unit(case_id: int, instance_id: int) -> BaseResponse:
    """Stop one unit's part of the directive (a unit abolished, or released from reporting), with a reason.

    The engine decides who may; the directive goes on without the unit and the trail says why.
    """
    access = _access(case_id)
    if not access.full:
        abort(404)
    unit = _instance(access, instance_id)
    back = url_for("cases.show", case_id=case_id, instance=unit.id, _anchor="unit-report")
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("Lý do: hãy ghi lý do dừng thực hiện tại đơn vị. Không có gì được lưu."), "error")
        return redirect(back, code=303)
    if len(reason) > 1000:
        flash(_("Lý do: tối đa 1000 ký tự. Không có gì được lưu."), "error")
        return redirect(back, code=303)
    engine().cancel(unit.id, me().username, reason)
    flash(_("Đã dừng thực hiện tại đơn vị; công văn tiếp tục với các đơn vị còn lại."), "info")
    return redirect(back, code=303)


@bp.get("/cases/<int:case_id>/diagram.xml")
@login_required  # type: ignore[untyped-decorator]
def diagram(case_id: int) -> Response:
    """The BPMN of the exact process version the case (or the unit's part) runs on."""
    instance = _instance(_access(case_id), _instance_arg())
    definition = db().get_one(ProcessDefinition, instance.definition_id)
    response = Response(definition.bpmn_xml, mimetype="application/xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/cases/<int:case_id>/progress.json")
@login_required  # type: ignore[untyped-decorator]
def progress(case_id: int) -> Response:
    """Which diagram elements are finished and which are waiting now."""
    instance = _instance(_access(case_id), _instance_arg())
    response = jsonify(progress_of(db(), instance).as_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/vendor/bpmn-js/<path:filename>")
def vendor(filename: str) -> Response:
    """The bpmn-js viewer from the installed npm package (`make install`); never committed here."""
    if filename not in VENDOR_FILES and not filename.startswith(VENDOR_FOLDERS):
        abort(404)
    # send_from_directory refuses any path that would leave the folder (.., absolute paths).
    return send_from_directory(VENDOR_DIST, filename, max_age=86400)
