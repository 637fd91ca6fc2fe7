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

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from web.admin.access import require_admin
from web.admin.import_pages import ImportPages
from web.core.requests import db, runtime
from workflows.orgchart.models import Unit, UnitKind
from workflows.orgchart.table_files import Table
from workflows.orgchart.table_import import NEW, SAME, UPDATE, ImportPreview
from workflows.orgchart.unit_import import apply_import, preview_import
from workflows.orgchart.unit_import_files import BY_FIELD, COLUMNS, read_table

bp = Blueprint("admin_units", __name__, url_prefix="/admin/units", template_folder="templates")
SALT: Final = "admin-units-import"


def _kind_names() -> dict[str, str]:
    return {kind.code: kind.name for kind in db().scalars(select(UnitKind))}


def _done(table: Table, preview: ImportPreview) -> str:
    return str(
        _(
            "Đã nhập tệp %(file)s: thêm %(new)d đơn vị, cập nhật %(changed)d, %(same)d không đổi.",
            file=table.filename,
            new=preview.count(NEW),
            changed=preview.count(UPDATE),
            same=preview.count(SAME),
        )
    )


IMPORT = ImportPages(
    salt=SALT,
    form_template="admin/units_import.html",
    columns=tuple(COLUMNS),
    by_field=BY_FIELD,
    read=read_table,
    preview=preview_import,
    apply=lambda session, table, actor: apply_import(session, table, actor=actor, at=runtime().services.clock.now()),
    title=lambda: _("Xem trước tệp đơn vị"),
    key_label=lambda: _("Mã đơn vị"),
    name_label=lambda: _("Tên đơn vị"),
    value_names=lambda: {"kind": _kind_names()},
    changed_notice=lambda: _("Dữ liệu đơn vị đã thay đổi từ lúc xem trước; hãy xem lại rồi xác nhận."),
    done=_done,
    done_url=lambda: url_for(".index"),
)
#: A column's header (or a unit field's) in the page's language.
column_name = IMPORT.column_name


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The units, by their place in the chart."""
    require_admin()
    units = list(db().scalars(select(Unit).order_by(Unit.position, Unit.code)))
    names = {unit.code: unit.name for unit in units}
    return render_template("admin/units.html", units=units, kinds=_kind_names(), names=names)


@bp.get("/import")
@login_required  # type: ignore[untyped-decorator]
def import_form() -> tuple[str, int]:
    """The upload form and which columns a file may have."""
    IMPORT.require_admin()
    return IMPORT.form_page()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge) -> Any:
    """A request over the application's upload limit: the same words as a file over the import's own."""
    return IMPORT.too_large()


@bp.post("/import")
@login_required  # type: ignore[untyped-decorator]
def upload() -> tuple[str, int]:
    """Read and check the uploaded file; show its preview. Nothing is stored."""
    return IMPORT.upload()


@bp.post("/import/confirm")
@login_required  # type: ignore[untyped-decorator]
def confirm() -> tuple[str, int] | Response:
    """Apply the previewed file: checked again, stored in this request's transaction with its audit event."""
    return IMPORT.confirm()
