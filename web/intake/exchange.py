"""An incoming letter received as an edXML package: read, checked, and shown as the registration
form filled with the package's fields; the case opens when the clerk registers it."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from web.accounts.auth import me
from web.cases.attachment_store import UploadRefused, check_upload
from web.core.requests import db
from web.intake.pending_packages import as_upload, keep
from web.tasks.routes import incoming_page, incoming_values
from workflows.directive.exchange import incoming_fields, sent_by_agency
from workflows.exchange import PackageInvalid
from workflows.exchange.edxml import read_package

bp = Blueprint("exchange", __name__)


def _refused(message: str) -> tuple[str, int]:
    # Nothing was started or stored: the page shows why, and the clerk can try another file.
    return incoming_page(package_error=message), 422


@bp.post("/incoming/edxml")
@login_required  # type: ignore[untyped-decorator]
def import_package() -> str | tuple[str, int]:
    """Read a letter that came as an edXML package (QCVN 102) into the registration form."""
    if not me().holds("clerk"):
        abort(403)
    upload = request.files.get("package")
    if upload is None or not upload.filename:
        return _refused(_("Vui lòng chọn tệp gói tin edXML."))
    data = upload.read()
    try:
        package = read_package(data)
    except PackageInvalid as invalid:
        reason = invalid.reason_en if str(get_locale()) == "en" else invalid.reason_vi
        return _refused(_("Gói tin không hợp lệ: %(reason)s", reason=reason))
    if sent_by_agency(db(), package):
        return _refused(
            _(
                "Gói tin này do chính cơ quan mình gửi đi (%(sender)s), không phải văn bản đến: không vào sổ.",
                sender=package.header.from_organ.organ_name,
            )
        )
    try:
        # Every file is checked now, so that the registration cannot fail on one of them later.
        for packed in package.attachments:
            check_upload(as_upload(packed))
    except UploadRefused as refused:
        return _refused(_("Tệp trong gói tin không nhận được: %(reason)s", reason=refused.message))
    kept = keep(data, package)
    return incoming_page(values={**incoming_values(), **incoming_fields(package)}, kept=kept)
