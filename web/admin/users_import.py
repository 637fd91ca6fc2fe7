"""Nhập người dùng: users imported from a spreadsheet, for administrators, in the units import's two steps.

The file is read and checked (`workflows.orgchart.user_import`) and its preview shown, nothing
stored; a file without problems comes back with a confirmation carrying its table in a signed token
(`web.admin.import_steps`); on confirmation the table is checked again and applied in the request's
one transaction with its one audit event. Administrators only, checked on the server.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature
from werkzeug.exceptions import Forbidden, RequestEntityTooLarge
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.import_steps import TOKEN_LIMIT, TOKEN_SECONDS, digest, header_of, say, serializer, shown
from web.core.requests import db, runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.table_files import TOO_LARGE, Column, FileRefused, Table, read_table
from workflows.orgchart.table_import import NEW, SAME, UPDATE, ImportPreview
from workflows.orgchart.user_import import BY_FIELD, COLUMNS, FILE_EMPTY, apply_import, preview_import

bp = Blueprint("admin_users_import", __name__, url_prefix="/admin/users/import", template_folder="templates")
SALT: Final = "admin-users-import"


def _require_admin() -> None:
    if not me().holds("admin"):
        abort(403)


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def column_name(column: Column | str) -> str:
    """A column's header (or a user field's) in the page's language."""
    return header_of(BY_FIELD[column] if isinstance(column, str) else column)


def _import_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    columns = [(c.vi, c.field) for c in COLUMNS]
    return render_template("admin/users_import.html", error=error, columns=columns), status


@bp.get("")
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
        title=_("Xem trước tệp người dùng"),
        key_label=_("Tên đăng nhập"),
        name_label=_("Họ và tên"),
        confirm_url=url_for(".confirm"),
        form_url=url_for(".import_form"),
        upload_url=url_for(".upload"),
        preview=preview,
        token=token,
        notice=notice,
        value_names={"active": {True: _("có"), False: _("không")}},
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
        return current_app.handle_user_exception(Forbidden())
    return _import_page(say(TOO_LARGE), 413)


@bp.post("")
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
        table = read_table(uploaded.filename, data, empty=FILE_EMPTY)
    except FileRefused as refused:
        return _import_page(say(refused.message), 400)
    return _preview_page(preview_import(db(), table, _today()), table)


@bp.post("/confirm")
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
    preview = preview_import(db(), table, _today())
    if not preview.ok or digest(preview) != signed.get("digest"):
        notice = _("Dữ liệu người dùng đã thay đổi từ lúc xem trước; hãy xem lại rồi xác nhận.")
        return _preview_page(preview, table, 409 if preview.ok else 422, notice)
    apply_import(db(), table, actor=me().username, at=runtime().services.clock.now(), on=_today())
    flash(
        _(
            "Đã nhập tệp %(file)s: thêm %(new)d người dùng, cập nhật %(changed)d, %(same)d không đổi.",
            file=table.filename,
            new=preview.count(NEW),
            changed=preview.count(UPDATE),
            same=preview.count(SAME),
        )
    )
    return redirect(url_for("admin_users.index", active="all"))
