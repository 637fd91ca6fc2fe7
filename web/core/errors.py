"""Every error a person can meet, mapped to a page (or JSON for the API) in one place.

A handler never reads through a session a failed command left behind (SQLAlchemy refuses with
PendingRollbackError): the request's session is rolled back and dropped first, so that whatever
the page reads (the signed-in person, the navigation, who did a task) goes through a fresh one.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, PendingRollbackError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    ConcurrencyConflict,
    InstanceNotRunning,
    NoOneToDoTask,
    NotFound,
    PermissionDenied,
    TaskNotActive,
    WorkflowError,
)
from engine.models import TaskRow
from web.core.db import connection_lost, error_reason
from web.core.i18n import local_datetime
from web.core.labels import role_label, step_label
from web.core.requests import db
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import User

log = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again while the database cannot be reached.
RETRY_AFTER_SECONDS = 30


def _page(status: int, title: str, message: str, headers: dict[str, str] | None = None) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        return {"status": status, "title": title, "detail": message}, status, headers or {}
    return render_template("error.html", status=status, title=title, message=message), status, headers or {}


def discard_session() -> None:
    """Roll back and drop the request's session and the engine bound to it; the next read opens a fresh one."""
    g.pop("engine", None)
    session = g.pop("db", None)
    if session is None:
        return
    # The connection may be gone with the database: nothing is left to undo then.
    with suppress(SQLAlchemyError):
        session.rollback()
    with suppress(SQLAlchemyError):
        session.close()


def _task_id(exc: ConcurrencyConflict) -> str | None:
    if exc.task_id:
        return exc.task_id
    value = (request.view_args or {}).get("task_id")
    return str(value) if value else None


def _done_by(task_id: str | None) -> dict[str, Any] | None:
    """Which task, who completed it and when, read afresh; None unless it was completed."""
    if task_id is None:
        return None
    try:
        row = db().get(TaskRow, task_id)
        if row is None or row.state != "completed" or not row.completed_by:
            return None
        name = db().scalar(select(User.full_name).where(User.username == row.completed_by))
    except SQLAlchemyError:
        discard_session()
        return None
    return {"title": step_label(row.title), "name": name or row.completed_by, "time": local_datetime(row.completed_at)}


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(_exc: Exception) -> ResponseReturnValue:
        return _page(404, _("Không tìm thấy"), _("Trang hoặc hồ sơ này không tồn tại, hoặc bạn không có quyền xem."))

    @app.errorhandler(PermissionDenied)
    @app.errorhandler(403)
    def forbidden(_exc: Exception) -> ResponseReturnValue:
        return _page(403, _("Không có quyền"), _("Bạn không có quyền thực hiện thao tác này."))

    @app.errorhandler(TaskNotActive)
    def task_gone(exc: TaskNotActive) -> ResponseReturnValue:
        discard_session()
        done = _done_by(_task_id(exc))
        if done is not None:
            return _page(409, _("Việc đã được xử lý"), _already_done(done))
        return _page(409, _("Việc đã được xử lý"), _("Việc này đã được người khác xử lý hoặc không còn chờ xử lý."))

    @app.errorhandler(ConcurrencyConflict)
    def conflict(exc: ConcurrencyConflict) -> ResponseReturnValue:
        discard_session()
        # Two people sent the same task at the same moment: the one who lost is told who won.
        done = _done_by(_task_id(exc))
        if done is not None:
            return _page(409, _("Việc đã được xử lý"), _already_done(done))
        return _page(
            409,
            _("Xung đột dữ liệu"),
            _("Hồ sơ vừa được người khác thay đổi. Không có gì được lưu; vui lòng tải lại trang và thử lại."),
        )

    @app.errorhandler(InstanceNotRunning)
    def not_running(_exc: InstanceNotRunning) -> ResponseReturnValue:
        discard_session()
        return _page(409, _("Hồ sơ không hoạt động"), _("Hồ sơ đang tạm dừng, đã hủy hoặc đã hoàn thành."))

    @app.errorhandler(NoOneToDoTask)
    def no_one_to_do(exc: NoOneToDoTask) -> ResponseReturnValue:
        # The command ran up to a step nobody could do: none of it is kept.
        discard_session()
        unit = OrgDirectory(db()).unit(exc.unit) if exc.unit else None
        return _page(
            409,
            _("Không có người thực hiện bước tiếp theo"),
            _(
                "Bước “%(step)s” không có ai thực hiện: %(unit)s không có %(role)s nào đang làm việc. "
                "Không có gì được lưu; đề nghị quản trị viên bổ sung người vào sơ đồ tổ chức rồi thử lại.",
                step=step_label(exc.title),
                unit=unit.name if unit is not None else exc.unit or "",
                role=role_label(exc.role).lower(),
            ),
        )

    @app.errorhandler(WorkflowError)
    def process_failed(exc: WorkflowError) -> ResponseReturnValue:
        # A script or condition of the process failed (over a sandbox limit, a mistake in the BPMN):
        # nothing of the step was kept; the person learns which step and the administrator why.
        log.warning("process step %s failed on %s %s: %s", exc.task_spec, request.method, request.path, exc)
        discard_session()
        return _page(
            409,
            _("Quy trình không chạy tiếp được"),
            _(
                "Bước “%(step)s” của quy trình gặp lỗi nên thao tác của bạn chưa được lưu. "
                "Đề nghị quản trị viên kiểm tra quy trình. Chi tiết: %(reason)s",
                step=exc.task_spec or "—",
                reason=str(exc),
            ),
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc: CSRFError) -> ResponseReturnValue:
        return _page(400, _("Phiên làm việc hết hạn"), _("Biểu mẫu đã hết hạn. Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return _page(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PendingRollbackError)
    def database_error(exc: DBAPIError | PendingRollbackError) -> ResponseReturnValue:
        if not connection_lost(exc):
            return unexpected(exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error_reason(exc))
        discard_session()
        # Who is signed in cannot be looked up without the database: the page shows no account.
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
        return _page(
            503,
            _("Hệ thống tạm thời gián đoạn"),
            _("Không kết nối được tới cơ sở dữ liệu. Không có gì được lưu; vui lòng thử lại sau ít phút."),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        # Logged in full for the operators; the person sees no stack trace.
        log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        discard_session()
        return _page(500, _("Lỗi hệ thống"), _("Đã có lỗi ngoài ý muốn. Không có gì được lưu; vui lòng thử lại."))


def _already_done(done: dict[str, Any]) -> str:
    return str(
        _(
            "Việc “%(title)s” đã được %(name)s xử lý lúc %(time)s. Thông tin bạn gửi không được lưu.",
            title=done["title"],
            name=done["name"],
            time=done["time"],
        )
    )
