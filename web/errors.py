"""Every error a person can meet, mapped to a page (or JSON for the API) in one place."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    ConcurrencyConflict,
    InstanceNotRunning,
    NoOneToDoTask,
    NotFound,
    PermissionDenied,
    TaskNotActive,
)
from web.labels import role_label
from workflows.orgchart.directory import OrgDirectory

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    if request.path.startswith("/api/"):
        return {"status": status, "title": title, "detail": message}, status  # type: ignore[return-value]
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(_exc: Exception) -> tuple[str, int]:
        return _page(404, _("Không tìm thấy"), _("Trang hoặc hồ sơ này không tồn tại, hoặc bạn không có quyền xem."))

    @app.errorhandler(PermissionDenied)
    @app.errorhandler(403)
    def forbidden(_exc: Exception) -> tuple[str, int]:
        return _page(403, _("Không có quyền"), _("Bạn không có quyền thực hiện thao tác này."))

    @app.errorhandler(TaskNotActive)
    def task_gone(_exc: TaskNotActive) -> tuple[str, int]:
        return _page(409, _("Việc đã được xử lý"), _("Việc này đã được người khác xử lý hoặc không còn chờ xử lý."))

    @app.errorhandler(ConcurrencyConflict)
    def conflict(_exc: ConcurrencyConflict) -> tuple[str, int]:
        return _page(
            409,
            _("Xung đột dữ liệu"),
            _("Hồ sơ vừa được người khác thay đổi. Không có gì được lưu; vui lòng tải lại trang và thử lại."),
        )

    @app.errorhandler(InstanceNotRunning)
    def not_running(_exc: InstanceNotRunning) -> tuple[str, int]:
        return _page(409, _("Hồ sơ không hoạt động"), _("Hồ sơ đang tạm dừng, đã hủy hoặc đã hoàn thành."))

    @app.errorhandler(NoOneToDoTask)
    def no_one_to_do(exc: NoOneToDoTask) -> tuple[str, int]:
        # The command ran up to the step nobody could do: drop all of it before reading the unit.
        session = g.get("db")
        if session is not None:
            session.rollback()
        unit = OrgDirectory(session).unit(exc.unit or "") if session is not None and exc.unit else None
        return _page(
            409,
            _("Không có người thực hiện bước tiếp theo"),
            _(
                "Bước “%(step)s” không có ai thực hiện: %(unit)s không có %(role)s nào đang làm việc. "
                "Không có gì được lưu; đề nghị quản trị viên bổ sung người vào sơ đồ tổ chức rồi thử lại.",
                step=exc.title,
                unit=unit.name if unit is not None else exc.unit or "",
                role=role_label(exc.role).lower(),
            ),
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc: CSRFError) -> tuple[str, int]:
        return _page(400, _("Phiên làm việc hết hạn"), _("Biểu mẫu đã hết hạn. Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        return _page(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        # Logged in full for the operators; the person sees no stack trace.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(500, _("Lỗi hệ thống"), _("Đã có lỗi ngoài ý muốn. Không có gì được lưu; vui lòng thử lại."))
