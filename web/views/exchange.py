"""An incoming letter received as an edXML package: read, checked, and opened as a new case whose
registration form is already filled with the package's fields and whose files are attached."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from web.attachments import Upload, UploadRefused, check_upload, store
from web.auth import me
from web.requests import db, engine, runtime
from web.views.tasks import incoming_page
from workflows.directive.exchange import incoming_fields
from workflows.exchange import PackageInvalid
from workflows.exchange.edxml import read_package
from workflows.exchange.header import Attachment as PackedFile

bp = Blueprint("exchange", __name__)


def _file(packed: PackedFile) -> FileStorage:
    return FileStorage(stream=BytesIO(packed.data), filename=packed.name, content_type=packed.content_type)


def _refused(message: str) -> tuple[str, int]:
    # Nothing was started or stored: the page shows why, and the clerk can try another file.
    return incoming_page(package_error=message), 422


@bp.post("/incoming/edxml")
@login_required  # type: ignore[untyped-decorator]
def import_package() -> Response | tuple[str, int]:
    """Open a case for a letter that came as an edXML package (QCVN 102), its fields filled in."""
    user = me()
    if not user.holds("clerk"):
        abort(403)
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        return _refused(_("Vui lòng chọn tệp gói tin edXML."))
    try:
        package = read_package(upload.read())
    except PackageInvalid as invalid:
        reason = invalid.reason_en if str(get_locale()) == "en" else invalid.reason_vi
        return _refused(_("Gói tin không hợp lệ: %(reason)s", reason=reason))
    try:
        # Every file is checked before anything is kept: a refused one leaves no case behind.
        for packed in package.attachments:
            check_upload(_file(packed))
    except UploadRefused as refused:
        return _refused(_("Tệp trong gói tin không nhận được: %(reason)s", reason=refused.message))
    fields = incoming_fields(package)
    result = engine().start("directive_lifecycle", user.username, fields)
    first = next((t for t in result.new_tasks if engine().may_do(user.username, t)), None)
    now = runtime().services.clock.now()
    for packed in package.attachments:
        metadata = Upload(
            file=_file(packed),
            kind="incoming_letter",
            case_id=result.instance_id,
            instance_id=result.instance_id,
            task_id=first.id if first is not None else None,
            doc_number=fields["incoming_number"],
            doc_date=package.header.promulgation_info.promulgation_date,
            issuer=fields["incoming_issuer"],
        )
        store(db(), metadata, user.username, now)
    flash(_("Đã nhận gói tin edXML: thông tin văn bản đã được điền sẵn, hãy kiểm tra rồi vào sổ."), "info")
    if first is None:
        return redirect(url_for("inbox.index"))
    return redirect(url_for("tasks.show", task_id=first.id))
