"""Hồ sơ đang chạy: administrators list and filter every case, hold, release or cancel one with a
reason and hand one of its open tasks to someone else.

The list and a case's page are open to administrators and, to read, to auditors; every action is
for administrators only, checked here and again by the engine (engine/instance_commands.py), which
records each in the audit trail. Each form carries the version of the instance it was drawn from:
when someone else changed the case meanwhile, the action is refused as a conflict and nothing is
stored, so two administrators acting at once end with one winner and a clear message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from engine.errors import InstanceNotRunning, PermissionDenied, TaskNotActive
from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from web.accounts.auth import me
from web.admin import case_list
from web.admin.access import require_admin, require_reader
from web.core.errors import discard_session
from web.core.labels import role_label
from web.core.requests import db, engine, runtime
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import Unit, User

bp = Blueprint("admin_cases", __name__, url_prefix="/admin/cases", template_folder="templates")

REASON_LIMIT = 1000
STATUS_LABELS = {
    "running": _l("Đang chạy"),
    "suspended": _l("Tạm dừng"),
    "completed": _l("Hoàn thành"),
    "cancelled": _l("Đã hủy"),
}
SHOWN_TASKS = 200


def _units() -> list[tuple[str, str]]:
    return [(code, name) for code, name in db().execute(select(Unit.code, Unit.name).order_by(Unit.name))]


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> ResponseReturnValue:
    """The list, filtered and paged."""
    require_reader()
    processes, units = case_list.process_choices(db()), _units()
    filters = case_list.read_filters(request.args, {key for key, _ in processes}, {code for code, _ in units})
    found = None
    if not filters.errors:
        found = case_list.find(db(), filters, runtime().services.business_timezone)
    return render_template(
        "admin/cases.html",
        filters=filters,
        found=found,
        processes=processes,
        units=units,
        statuses=STATUS_LABELS,
        cap=case_list.COUNT_CAP,
    ), (400 if filters.errors else 200)


def _instance(instance_id: int) -> ProcessInstance:
    row = db().get(ProcessInstance, instance_id)
    if row is None:
        abort(404)
    return row


def _page(instance_id: int, errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    """One instance's page: its state, its open tasks with whom each may go to, and the actions' forms."""
    row = _instance(instance_id)
    definition = db().get(ProcessDefinition, row.definition_id)
    scope = TaskRow.case_id == row.id if row.case_id == row.id else TaskRow.instance_id == row.id
    tasks = list(
        db().scalars(
            select(TaskRow).where(scope, TaskRow.state == "ready").order_by(TaskRow.created_at).limit(SHOWN_TASKS)
        )
    )
    directory = OrgDirectory(db())
    receivers = {
        task.id: directory.holders(task.role, task.candidate_unit) if task.role and task.candidate_unit else []
        for task in tasks
    }
    people = {u for names in receivers.values() for u in names} | {t.assignee for t in tasks if t.assignee}
    query = select(User.username, User.full_name).where(User.username.in_(people))
    names = dict(db().execute(query).all()) if people else {}
    unit_names = dict(_units())
    return render_template(
        "admin/cases_manage.html",
        row=row,
        definition=definition,
        tasks=tasks,
        receivers=receivers,
        names=names,
        unit_names=unit_names,
        statuses=STATUS_LABELS,
        errors=errors or {},
        form=request.form,
        admin=me().holds("admin"),
        role_label=role_label,
    ), status


@bp.get("/<int:instance_id>")
@login_required  # type: ignore[untyped-decorator]
def manage(instance_id: int) -> ResponseReturnValue:
    """One instance with its open tasks and, for administrators, the forms of each action."""
    require_reader()
    return _page(instance_id)


def _reason(field: str, *, required: bool) -> tuple[str, dict[str, str]]:
    reason = (request.form.get(field) or "").strip()
    if required and not reason:
        return reason, {field: _("Nhập lý do (bắt buộc).")}
    if len(reason) > REASON_LIMIT:
        return reason, {field: _("Lý do dài quá %(limit)d ký tự.", limit=REASON_LIMIT)}
    return reason, {}


def _conflict(instance_id: int) -> ResponseReturnValue:
    discard_session()
    message = _("Hồ sơ vừa được người khác thay đổi. Không có gì được lưu; xem lại tình trạng dưới đây rồi thử lại.")
    return _page(instance_id, {"conflict": message}, 409)


def _unchanged(row: ProcessInstance) -> bool:
    return (request.form.get("version") or "") == str(row.version)


@bp.post("/<int:instance_id>/<any(suspend, resume, cancel):action>")
@login_required  # type: ignore[untyped-decorator]
def act(instance_id: int, action: str) -> ResponseReturnValue:
    """Suspend, resume or cancel the instance with the reason given (optional only for resuming)."""
    require_admin()
    row = _instance(instance_id)
    field = f"{action}_reason"
    reason, errors = _reason(field, required=action != "resume")
    if errors:
        return _page(instance_id, errors, 400)
    if not _unchanged(row):
        return _conflict(instance_id)
    try:
        if action == "suspend":
            engine().suspend(instance_id, me().username, reason)
        elif action == "resume":
            engine().resume(instance_id, me().username, reason)
        else:
            engine().cancel(instance_id, me().username, reason)
    except InstanceNotRunning:
        return _conflict(instance_id)
    done = {
        "suspend": _("Đã tạm dừng hồ sơ."),
        "resume": _("Đã cho hồ sơ tiếp tục."),
        "cancel": _("Đã hủy hồ sơ."),
    }
    flash(done[action])
    return redirect(url_for(".manage", instance_id=instance_id))


@bp.post("/<int:instance_id>/tasks/<task_id>/reassign")
@login_required  # type: ignore[untyped-decorator]
def reassign(instance_id: int, task_id: str) -> ResponseReturnValue:
    """Hand one open task of the instance to someone who holds its role in its unit."""
    require_admin()
    row = _instance(instance_id)
    task = db().get(TaskRow, task_id)
    if task is None or row.id not in (task.instance_id, task.case_id):
        abort(404)
    reason, errors = _reason(f"reason_{task_id}", required=True)
    to_user = (request.form.get(f"to_{task_id}") or "").strip()
    if not to_user:
        errors[f"to_{task_id}"] = _("Chọn người nhận việc.")
    if errors:
        return _page(instance_id, errors, 400)
    if (request.form.get("task_version") or "") != str(task.version):
        return _conflict(instance_id)
    try:
        engine().reassign_as_admin(task_id, me().username, to_user, reason)
    except TaskNotActive:
        return _conflict(instance_id)
    except PermissionDenied as refused:
        if refused.actor != to_user:
            raise
        discard_session()
        return _page(instance_id, {f"to_{task_id}": _("Người này không giữ vai trò của bước tại đơn vị đó.")}, 400)
    flash(_("Đã chuyển việc “%(title)s”.", title=task.title))
    return redirect(url_for(".manage", instance_id=instance_id))
