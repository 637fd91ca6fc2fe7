"""Deploying a process from the browser: upload (or the modeler's XML), preview, confirm.

The preview (`POST /admin/processes/deploy/preview`) rehearses the engine's deploy on the file
(web/admin/deploy_preview.py): a file with problems is shown with each problem named by element,
in the page's words, and nothing is stored; a clean file is shown as the versions it would make and,
for each process, what changed against the version new cases start on now (web/admin/diffs.py),
with a confirmation form. The form carries the file itself (compressed, base64, so that no browser
rewrites its line ends) and a token signed with the application's secret over the file's checksum,
its name, the note, the administrator and the versions promised: the confirmation deploys exactly
the file previewed, or nothing. It deploys in the request's one transaction, audited by the engine
(`engine:definition:deployed`, with the note); when the processes moved since the preview, it
shows the new preview instead. Administrators only, checked on the server; CSRF on every form.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from pathlib import PurePath
from typing import Any, Final

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import Forbidden, RequestEntityTooLarge
from werkzeug.wrappers import Response

from engine.bpmn_checks import MAX_BYTES
from engine.definitions import checksum
from web.accounts.auth import me
from web.admin.access import require_admin
from web.admin.deploy_preview import Preview, deploy_or_rehearse
from web.admin.diffs import diff_sections, words
from web.core.requests import db, engine

bp = Blueprint("admin_deploys", __name__, url_prefix="/admin/processes/deploy", template_folder="templates")
SALT: Final = "admin-process-deploy"
#: How long a preview may wait for its confirmation.
TOKEN_SECONDS: Final = 3600
NOTE_LIMIT: Final = 1000
FILENAME_LIMIT: Final = 200
#: The file travels back in a form field: allow it the engine's largest file, base64-encoded, and the rest.
FORM_LIMIT: Final = MAX_BYTES * 4 // 3 + 100_000


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


@bp.url_value_preprocessor
def _room_for_the_file(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the CSRF check reads the form: the modeler's XML and the confirmation's copy of
    # the file are form fields, which Flask otherwise caps at 500 kB.
    request.max_form_memory_size = FORM_LIMIT


def _too_large_message() -> str:
    return str(_("Tệp lớn quá %(mb)d MB, giới hạn của một tệp BPMN.", mb=MAX_BYTES // (1024 * 1024)))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> Any:
    """A request over the application's upload limit: the deploy's own words, not the generic error page."""
    if not (current_user.is_authenticated and me().holds("admin")):
        # The form was read before the view could check who sent it; refuse as the view would.
        return current_app.handle_user_exception(Forbidden())
    return _upload_page(errors={"bpmn": _too_large_message()}, status=413)


def _upload_page(errors: dict[str, str] | None = None, note: str = "", status: int = 200) -> tuple[str, int]:
    return render_template("admin/deploy.html", errors=errors or {}, note=note, max_mb=MAX_BYTES // 2**20), status


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def upload_form() -> tuple[str, int]:
    """The form: a BPMN file and a note."""
    require_admin()
    return _upload_page()


def _clean_filename(raw: str | None) -> str:
    name = PurePath((raw or "").replace("\\", "/")).name.strip()
    return name[:FILENAME_LIMIT] or "process.bpmn"


def _read_input() -> tuple[bytes | None, str, str, dict[str, str]]:
    """The file (uploaded, or the modeler's `xml` field), its name, the note, and what is wrong with them."""
    errors: dict[str, str] = {}
    note = (request.form.get("note") or "").strip()
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("Ghi chú dài quá %(limit)d ký tự.", limit=NOTE_LIMIT)
    uploaded = request.files.get("bpmn")
    xml: bytes | None = None
    if uploaded is not None and uploaded.filename:
        filename = _clean_filename(uploaded.filename)
        try:
            xml = uploaded.stream.read(MAX_BYTES + 1)
        finally:
            uploaded.close()
    elif request.form.get("xml"):
        filename = _clean_filename(request.form.get("filename"))
        # A browser sends a form field's line ends as CRLF (HTML's form submission); the modeler's XML had LF.
        xml = request.form["xml"].replace("\r\n", "\n").encode("utf-8")
    else:
        filename = ""
        errors["bpmn"] = _("Hãy chọn tệp BPMN để triển khai.")
    if xml is not None and len(xml) > MAX_BYTES:
        errors["bpmn"] = _too_large_message()
    elif xml is not None and not xml.strip():
        errors["bpmn"] = _("Tệp trống.")
    return xml, filename, note, errors


def _carried(xml: bytes) -> str:
    return base64.b64encode(zlib.compress(xml, 6)).decode("ascii")


def _uncarried(text: str) -> bytes | None:
    try:
        packed = base64.b64decode(text.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        xml = inflater.decompress(packed, MAX_BYTES + 1)  # a bomb stops at the largest file allowed
    except (binascii.Error, zlib.error, UnicodeEncodeError, ValueError):
        return None
    return None if len(xml) > MAX_BYTES or inflater.unconsumed_tail else xml


def _preview_page(preview: Preview, status: int | None = None, notice: str | None = None) -> tuple[str, int]:
    token = carried = None
    if preview.ok and preview.changes_anything:
        token = _serializer().dumps(
            {
                "checksum": preview.checksum,
                "filename": preview.filename,
                "note": preview.note,
                "by": me().username,
                "promise": preview.promise(),
            }
        )
        carried = _carried(preview.xml)
    page = render_template(
        "admin/deploy_preview.html",
        preview=preview,
        sections=diff_sections(preview),
        token=token,
        carried=carried,
        notice=notice,
        new_xml=preview.xml.decode("utf-8", "replace"),
        **words(),
    )
    return page, status or (200 if preview.ok else 422)


@bp.post("/preview")
@login_required  # type: ignore[untyped-decorator]
def preview() -> tuple[str, int]:
    """Check the file as the deploy would, and show its problems or what it would change. Nothing is stored."""
    require_admin()
    xml, filename, note, errors = _read_input()
    if errors or xml is None:
        return _upload_page(errors, note, 400)
    return _preview_page(deploy_or_rehearse(db(), engine(), xml, filename, me().username, note or None, keep=_never))


def _never(_preview: Preview) -> bool:
    return False


def _refused(message: str) -> tuple[str, int]:
    return _upload_page({"bpmn": message}, status=400)


@bp.post("/confirm")
@login_required  # type: ignore[untyped-decorator]
def confirm() -> tuple[str, int] | Response:
    """Deploy the previewed file, as previewed, in this request's transaction; or show why not."""
    require_admin()
    try:
        signed = _serializer().loads(request.form.get("token", ""), max_age=TOKEN_SECONDS)
        promised, digest, filename, note = signed["promise"], signed["checksum"], signed["filename"], signed["note"]
    except (BadSignature, KeyError, TypeError):
        return _refused(_("Bản xem trước đã hết hạn hoặc không hợp lệ; hãy tải tệp lên lại."))
    if signed.get("by") != me().username:
        abort(403)
    xml = _uncarried(request.form.get("file", ""))
    if xml is None or checksum(xml) != digest:
        return _refused(_("Tệp gửi lên khác tệp đã xem trước; không triển khai gì. Hãy tải tệp lên lại."))
    result = deploy_or_rehearse(
        db(), engine(), xml, filename, me().username, note, keep=lambda p: p.promise() == promised
    )
    if not result.ok or result.promise() != promised:
        notice = _("Quy trình đã thay đổi từ lúc xem trước; chưa triển khai gì. Hãy xem lại rồi xác nhận.")
        return _preview_page(result, 409, notice)
    made = [plan for plan in result.plans if plan.new]
    versions = ", ".join(_("%(key)s phiên bản %(version)d", key=p.key, version=p.version) for p in made)
    flash(_("Đã triển khai %(file)s: %(versions)s.", file=filename, versions=versions))
    return redirect(url_for("admin_processes.index"))
