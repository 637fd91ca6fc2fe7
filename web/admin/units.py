"""Đơn vị: the units of the organisation, and their import from a spreadsheet, for administrators.

The import is two steps. The uploaded file is read and checked (`workflows.orgchart.unit_import`)
and its preview shown: every row with what it would do and its problems; nothing is stored. A file
without problems comes back with a confirmation form carrying the file's table in a token signed with
the application's secret, so what is confirmed is what was previewed, never rows the browser made
up; on confirmation the table is checked again against the database as it is then and applied in
the request's one transaction with its audit event. Administrators only, checked on the server.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, RequestEntityTooLarge
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.import_steps import TOKEN_LIMIT, TOKEN_SECONDS, digest, header_of, say, serializer, shown
from web.core.requests import db, runtime
from workflows.orgchart.models import Unit, UnitKind
from workflows.orgchart.unit_import import (
    NEW,
    SAME,
    UPDATE,
    ImportPreview,
    apply_import,
    preview_import,
)
from workflows.orgchart.unit_import_files import (
    BY_FIELD,
    COLUMNS,
    TOO_LARGE,
    Column,
    Table,
    UnitFileRefused,
    read_table,
)

bp = Blueprint("admin_units", __name__, url_prefix="/admin/units", template_folder="templates")
SALT: Final = "admin-units-import"


def _require_admin() -> None:
    if not me().holds("admin"):
        abort(403)


def column_name(column: Column | str) -> str:
    """A column's header (or a unit field's) in the page's language."""
    return header_of(BY_FIELD[column] if isinstance(column, str) else column)


def _kind_names() -> dict[str, str]:
    return {kind.code: kind.name for kind in db().scalars(select(UnitKind))}


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The units, by their place in the chart."""
    _require_admin()
    units = list(db().scalars(select(Unit).order_by(Unit.position, Unit.code)))
    names = {unit.code: unit.name for unit in units}
    return render_template("admin/units.html", units=units, kinds=_kind_names(), names=names)


def _import_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    columns = [(c.vi, c.field) for c in COLUMNS]
    return render_template("admin/units_import.html", error=error, columns=columns), status


@bp.get("/import")
@login_required  # type: ignore[untyped-decorator]
def import_form() -> tuple[str, int]:
    """The upload form and which columns a file may have."""
    _require_admin()
    return _import_page()


def _preview_page(
    preview: ImportPreview, table: Table, status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    token = None
    if preview.ok:
        token = serializer(SALT).dumps({"table": table.to_plain(), "digest": digest(preview), "by": me().username})
        if len(token) > TOKEN_LIMIT:
            return _import_page(say(TOO_LARGE), 400)
    page = render_template(
        "admin/import_preview.html",
        title=_("Xem trước tệp đơn vị"),
        key_label=_("Mã đơn vị"),
        name_label=_("Tên đơn vị"),
        confirm_url=url_for(".confirm"),
        form_url=url_for(".import_form"),
        upload_url=url_for(".upload"),
        preview=preview,
        token=token,
        notice=notice,
        value_names={"kind": _kind_names()},
        actions={NEW: _("thêm mới"), UPDATE: _("cập nhật"), SAME: _("không đổi")},
        say=say,
        column_name=column_name,
        shown=shown,
    )
    return page, status if preview.ok else 422


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> Any:
    """A request over the application's upload limit: the same words as a file over the import's own."""
    if not (current_user.is_authenticated and me().holds("admin")):
        # The form was read before the view could check who sent it; refuse as the view would.
        return current_app.handle_user_exception(Forbidden())
    return _import_page(say(TOO_LARGE), 413)


@bp.post("/import")
@login_required  # type: ignore[untyped-decorator]
def upload() -> tuple[str, int]:
    """Read and check the uploaded file; show its preview. Nothing is stored."""
    _require_admin()
    uploaded = request.files.get("file")
    if uploaded is None or not uploaded.filename:
        return _import_page(_("Hãy chọn tệp CSV hoặc XLSX để nhập."), 400)
    try:
        data = uploaded.stream.read(2_000_000)  # enough to tell a file over the 1 MB limit
    finally:
        uploaded.close()
    try:
        table = read_table(uploaded.filename, data)
    except UnitFileRefused as refused:
        return _import_page(say(refused.message), 400)
    return _preview_page(preview_import(db(), table), table)


@bp.post("/import/confirm")
@login_required  # type: ignore[untyped-decorator]
def confirm() -> tuple[str, int] | Response:
    """Apply the previewed file: checked again, stored in this request's transaction with its audit event."""
    _require_admin()
    try:
        signed = serializer(SALT).loads(request.form.get("token", ""), max_age=TOKEN_SECONDS)
        table = Table.from_plain(signed["table"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return _import_page(_("Bản xem trước đã hết hạn hoặc không hợp lệ; hãy tải tệp lên lại."), 400)
    if signed.get("by") != me().username:
        abort(403)
    preview = preview_import(db(), table)
    if not preview.ok or digest(preview) != signed.get("digest"):
        notice = _("Dữ liệu đơn vị đã thay đổi từ lúc xem trước; hãy xem lại rồi xác nhận.")
        return _preview_page(preview, table, 409 if preview.ok else 422, notice)
    apply_import(db(), table, actor=me().username, at=runtime().services.clock.now())
    flash(
        _(
            "Đã nhập tệp %(file)s: thêm %(new)d đơn vị, cập nhật %(changed)d, %(same)d không đổi.",
            file=table.filename,
            new=preview.count(NEW),
            changed=preview.count(UPDATE),
            same=preview.count(SAME),
        )
    )
    return redirect(url_for(".index"))
