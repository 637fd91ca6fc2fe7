"""Uploading a file to a case and downloading it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from engine.inbox import open_to
from engine.models import TaskRow
from web.accounts.auth import CurrentUser, me
from web.cases.attachment_store import MAX_BYTES, Upload, UploadRefused, path_of, size_text, store, visible_attachment
from web.cases.case_access import CaseAccess, access_to, agency_code
from web.core.models import Attachment
from web.core.requests import db, directory, engine, runtime
from web.tasks.day_input import DayOutOfRange, out_of_range_message, parse_day

bp = Blueprint("attachments", __name__)

# The kind of file a step usually produces, offered first in the upload form.
KIND_OF_STEP = {
    "register_incoming": "incoming_letter",
    "draft": "draft",
    "issue": "draft",
    "unit_report": "unit_report",
}


def my_open_tasks(access: CaseAccess, user: CurrentUser) -> list[TaskRow]:
    """The user's pending tasks in this case (claimed by them or open to their group)."""
    query = select(TaskRow).where(TaskRow.case_id == access.case.id, open_to(user.username, user.roles))
    return [
        t for t in db().scalars(query.order_by(TaskRow.created_at, TaskRow.id)) if access.sees_instance(t.instance_id)
    ]


def may_upload(access: CaseAccess, user: CurrentUser, open_tasks: list[TaskRow]) -> bool:
    """Who may attach files: whoever has a step to do in the case, and the clerk of the agency."""
    if open_tasks:
        return True
    agency = agency_code(db())
    return access.full and agency is not None and user.holds("clerk", agency)


def _back(case_id: int, *, refused: bool = False) -> Response:
    # A refusal lands on the top of the page, where its message is; a success on the list of files.
    anchor = None if refused else "attachments"
    return redirect(url_for("cases.show", case_id=case_id, _anchor=anchor), code=303)


def _optional(name: str, label: str, limit: int) -> str | None:
    value = " ".join((request.form.get(name) or "").split())
    if len(value) > limit:
        raise UploadRefused(_("“%(field)s” quá dài: tối đa %(n)d ký tự.", field=label, n=limit))
    return value or None


@bp.post("/cases/<int:case_id>/attachments")
@login_required  # type: ignore[untyped-decorator]
def upload(case_id: int) -> Response:
    """Attach a file to the case (to the uploader's own step in it, when they have one)."""
    user = me()
    access = access_to(db(), user, case_id)
    if access is None:
        abort(404)
    tasks = my_open_tasks(access, user)
    if not may_upload(access, user, tasks):
        abort(403)
    chosen = request.form.get("task_id") or ""
    task = next((t for t in tasks if t.id == chosen), tasks[0] if len(tasks) == 1 else None)
    try:
        day_text = (request.form.get("doc_date") or "").strip()
        try:
            doc_date = parse_day(day_text) if day_text else None
        except DayOutOfRange:
            raise UploadRefused(_("Ngày văn bản: %(problem)s", problem=out_of_range_message())) from None
        except ValueError:
            raise UploadRefused(_("Ngày văn bản không hợp lệ: nhập theo dạng dd/mm/yyyy.")) from None
        file = request.files.get("file")
        if file is None:
            raise UploadRefused(_("Vui lòng chọn tệp cần đính kèm."))
        kind = request.form.get("kind") or "other"
        instance_id = task.instance_id if task else case_id
        known = _known_metadata(kind, case_id, instance_id)
        item = Upload(
            file=file,
            kind=kind,
            case_id=case_id,
            instance_id=instance_id,
            task_id=task.id if task else None,
            doc_number=_optional("doc_number", _("Số, ký hiệu văn bản"), 100) or known.number,
            doc_date=doc_date or known.day,
            issuer=_optional("issuer", _("Cơ quan ban hành"), 255) or known.issuer,
        )
        attachment = store(db(), item, user.username, runtime().services.clock.now(), _limit())
    except UploadRefused as refused:
        flash(refused.message, "error")
        return _back(case_id, refused=True)
    flash(_("Đã đính kèm tệp “%(name)s”.", name=attachment.filename), "info")
    return _back(case_id)


@dataclass(frozen=True)
class _Metadata:
    number: str | None = None
    day: date | None = None
    issuer: str | None = None


def _known_metadata(kind: str, case_id: int, instance_id: int) -> _Metadata:
    """What the case already knows of the document a file is: the registered incoming letter, or
    the unit's own report; the uploader's own entries win over these."""
    if kind == "incoming_letter":
        data = engine().data(case_id)
        number, day, issuer = data.get("incoming_number"), data.get("incoming_date"), data.get("incoming_issuer")
    elif kind == "unit_report" and instance_id != case_id:
        data = engine().data(instance_id)
        unit = directory().unit(str(data.get("unit") or ""))
        number, day, issuer = data.get("report_number"), data.get("report_date"), unit.name if unit else None
    else:
        return _Metadata()
    return _Metadata(
        number=str(number) if number else None,
        day=date.fromisoformat(str(day)) if day else None,
        issuer=str(issuer) if issuer else None,
    )


def _limit() -> int:
    configured = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(MAX_BYTES, int(configured)) if configured else MAX_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> Response:
    """The whole request was over the limit: say so in words, on the case page, with nothing stored."""
    flash(_("Tệp tải lên quá lớn: tối đa %(size)s. Không có gì được lưu.", size=size_text(_limit())), "error")
    case_id = (request.view_args or {}).get("case_id")
    return _back(int(case_id), refused=True) if case_id else redirect(url_for("inbox.index"), code=303)


@bp.get("/attachments/<int:attachment_id>")
@login_required  # type: ignore[untyped-decorator]
def download(attachment_id: int) -> Response:
    """The file, to whoever may see its case (and its part of the case); never shown inline."""
    attachment = db().get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    access = access_to(db(), me(), attachment.case_id)
    if access is None or not visible_attachment(db(), access, attachment):
        abort(404)
    path = path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
