"""Nhập người dùng: users imported from a spreadsheet, for administrators, in the units import's two steps.

The file is read and checked (`workflows.orgchart.user_import`) and its preview shown, nothing
stored; a file without problems comes back with a confirmation carrying its table in a signed token
(`web.admin.import_steps`); on confirmation the table is checked again and applied in the request's
one transaction with its one audit event. Administrators only, checked on the server.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from web.admin.import_pages import ImportPages
from web.core.requests import runtime
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.table_files import Table, read_table
from workflows.orgchart.table_import import NEW, SAME, UPDATE, ImportPreview
from workflows.orgchart.user_import import BY_FIELD, COLUMNS, FILE_EMPTY, apply_import, preview_import

bp = Blueprint("admin_users_import", __name__, url_prefix="/admin/users/import", template_folder="templates")
SALT: Final = "admin-users-import"


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _done(table: Table, preview: ImportPreview) -> str:
    return str(
        _(
            "Đã nhập tệp %(file)s: thêm %(new)d người dùng, cập nhật %(changed)d, %(same)d không đổi.",
            file=table.filename,
            new=preview.count(NEW),
            changed=preview.count(UPDATE),
            same=preview.count(SAME),
        )
    )


IMPORT = ImportPages(
    salt=SALT,
    form_template="admin/users_import.html",
    columns=tuple(COLUMNS),
    by_field=BY_FIELD,
    read=lambda filename, data: read_table(filename, data, empty=FILE_EMPTY),
    preview=lambda session, table: preview_import(session, table, _today()),
    apply=lambda session, table, actor: apply_import(
        session, table, actor=actor, at=runtime().services.clock.now(), on=_today()
    ),
    title=lambda: _("Xem trước tệp người dùng"),
    key_label=lambda: _("Tên đăng nhập"),
    name_label=lambda: _("Họ và tên"),
    value_names=lambda: {"active": {True: _("có"), False: _("không")}},
    changed_notice=lambda: _("Dữ liệu người dùng đã thay đổi từ lúc xem trước; hãy xem lại rồi xác nhận."),
    done=_done,
    done_url=lambda: url_for("admin_users.index", active="all"),
)
#: A column's header (or a user field's) in the page's language.
column_name = IMPORT.column_name


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def import_form() -> tuple[str, int]:
    """The upload form and which columns a file may have."""
    IMPORT.require_admin()
    return IMPORT.form_page()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> Any:
    """A request over the application's upload limit: the same words as a file over the import's own."""
    return IMPORT.too_large()


@bp.post("")
@login_required  # type: ignore[untyped-decorator]
def upload() -> tuple[str, int]:
    """Read and check the uploaded file; show its preview. Nothing is stored."""
    return IMPORT.upload()


@bp.post("/confirm")
@login_required  # type: ignore[untyped-decorator]
def confirm() -> tuple[str, int] | Response:
    """Apply the previewed file: checked again, stored in this request's transaction with its audit event."""
    return IMPORT.confirm()
