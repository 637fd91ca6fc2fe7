"""The pages of a spreadsheet import (units, users): upload form, preview, confirmation, too large.

Each import's module keeps its blueprint and routes and hands them to one `ImportPages`, which
holds what differs between imports (its words, its columns, how its rows are checked and applied)
and does the two steps of `web.admin.import_steps` the same way for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.access import require_admin
from web.admin.import_steps import TOKEN_LIMIT, TOKEN_SECONDS, digest, header_of, say, serializer, shown
from web.core.requests import db
from workflows.orgchart.table_files import TOO_LARGE, Column, FileRefused, Table
from workflows.orgchart.table_import import NEW, SAME, UPDATE, ImportPreview


@dataclass(frozen=True)
class ImportPages:
    """One import's pages. Words are callables so that they are translated per request."""

    salt: str
    form_template: str
    columns: tuple[Column, ...]
    by_field: Mapping[str, Column]
    read: Callable[[str, bytes], Table]
    preview: Callable[[Session, Table], ImportPreview]
    apply: Callable[[Session, Table, str], object]
    title: Callable[[], str]
    key_label: Callable[[], str]
    name_label: Callable[[], str]
    value_names: Callable[[], dict[str, dict[Any, str]]]
    changed_notice: Callable[[], str]
    done: Callable[[Table, ImportPreview], str]
    done_url: Callable[[], str]

    def require_admin(self) -> None:
        """Imports change the organisation: administrators only."""
        require_admin()

    def column_name(self, column: Column | str) -> str:
        """A column's header (or a field's) in the page's language."""
        return header_of(self.by_field[column] if isinstance(column, str) else column)

    def form_page(self, error: str | None = None, status: int = 200) -> tuple[str, int]:
        """The upload form with the columns a file may have, and what was wrong with the last file."""
        columns = [(c.vi, c.field) for c in self.columns]
        return render_template(self.form_template, error=error, columns=columns), status

    def preview_page(
        self, preview: ImportPreview, table: Table, status: int = 200, notice: str | None = None
    ) -> tuple[str, int]:
        """Every row with what it would do and its problems; a file without problems gets its signed token."""
        token = None
        if preview.ok:
            token = serializer(self.salt).dumps(
                {"table": table.to_plain(), "digest": digest(preview), "by": me().username}
            )
            if len(token) > TOKEN_LIMIT:
                return self.form_page(say(TOO_LARGE), 400)
        page = render_template(
            "admin/import_preview.html",
            title=self.title(),
            key_label=self.key_label(),
            name_label=self.name_label(),
            confirm_url=url_for(".confirm"),
            form_url=url_for(".import_form"),
            upload_url=url_for(".upload"),
            preview=preview,
            token=token,
            notice=notice,
            value_names=self.value_names(),
            actions={NEW: _("thêm mới"), UPDATE: _("cập nhật"), SAME: _("không đổi")},
            say=say,
            column_name=self.column_name,
            shown=shown,
        )
        return page, status if preview.ok else 422

    def too_large(self) -> Any:
        """A request over the application's upload limit: the same words as a file over the import's own."""
        if not (current_user.is_authenticated and me().holds("admin")):
            # The form was read before the view could check who sent it; refuse as the view would.
            return current_app.handle_user_exception(Forbidden())
        return self.form_page(say(TOO_LARGE), 413)

    def upload(self) -> tuple[str, int]:
        """Read and check the uploaded file; show its preview. Nothing is stored."""
        self.require_admin()
        uploaded = request.files.get("file")
        if uploaded is None or not uploaded.filename:
            return self.form_page(_("Hãy chọn tệp CSV hoặc XLSX để nhập."), 400)
        try:
            data = uploaded.stream.read(2_000_000)  # enough to tell a file over the 1 MB limit
        finally:
            uploaded.close()
        try:
            table = self.read(uploaded.filename, data)
        except FileRefused as refused:
            return self.form_page(say(refused.message), 400)
        return self.preview_page(self.preview(db(), table), table)

    def confirm(self) -> tuple[str, int] | Response:
        """Apply the previewed file: checked again, stored in this request's transaction with its audit event."""
        self.require_admin()
        try:
            signed = serializer(self.salt).loads(request.form.get("token", ""), max_age=TOKEN_SECONDS)
            table = Table.from_plain(signed["table"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return self.form_page(_("Bản xem trước đã hết hạn hoặc không hợp lệ; hãy tải tệp lên lại."), 400)
        if signed.get("by") != me().username:
            abort(403)
        preview = self.preview(db(), table)
        if not preview.ok or digest(preview) != signed.get("digest"):
            return self.preview_page(preview, table, 409 if preview.ok else 422, self.changed_notice())
        self.apply(db(), table, me().username)
        flash(self.done(table, preview))
        return redirect(self.done_url())
