"""The notifications pages: a person's own messages, marked read one by one or all at once, the e-mail
choice, and for administrators the deliveries that failed, each with a button to send it again.

A person only ever reads or marks their own messages: every query is filtered by the signed-in
user, and an id that is not theirs answers as one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from web.accounts.auth import CurrentUser, me
from web.cases.case_access import agency_code
from web.core.requests import db, runtime
from workflows.delivery.failures import NotRetryable, send_again, troubled
from workflows.delivery.inbox import (
    choose_email,
    mark_all_read,
    mark_read,
    notifications_page,
    unread_count,
    wants_email,
)
from workflows.orgchart.models import User

bp = Blueprint("notifications", __name__, template_folder="templates")


def _now() -> datetime:
    return runtime().services.clock.now()


def may_see_failures(user: CurrentUser) -> bool:
    """Administrators of the agency see the deliveries that failed and send them again."""
    agency = agency_code(db())
    return agency is not None and user.holds("admin", agency)


@bp.app_context_processor
def _bell() -> dict[str, object]:
    def unread_notifications() -> int | None:
        """The signed-in person's unread count; None when it cannot be read (no user, no database)."""
        if not current_user.is_authenticated:
            return None
        try:
            return unread_count(db(), me().username)
        except SQLAlchemyError:
            # A page drawn while the database is away (an error page) goes without the count.
            return None

    return {"unread_notifications": unread_notifications}


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/notifications")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """My notifications, newest first, with my e-mail choice."""
    user = me()
    session = db()
    address = session.scalar(select(User.email).where(User.username == user.username))
    return render_template(
        "notifications/index.html",
        page=notifications_page(session, user.username, _page()),
        unread=unread_count(session, user.username),
        wants_email=wants_email(session, user.username),
        has_address=bool(address),
        sees_failures=may_see_failures(user),
    )


def _back() -> Response:
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int) or 1))


@bp.post("/notifications/<int:notification_id>/read")
@login_required  # type: ignore[untyped-decorator]
def read_one(notification_id: int) -> Response:
    """Mark one of my notifications read."""
    if not mark_read(db(), me().username, notification_id, _now()):
        abort(404)
    return _back()


@bp.post("/notifications/read-all")
@login_required  # type: ignore[untyped-decorator]
def read_all() -> Response:
    """Mark all my notifications read."""
    count = mark_all_read(db(), me().username, _now())
    flash(_("Đã đánh dấu %(count)d thông báo là đã đọc.", count=count), "info")
    return _back()


@bp.post("/notifications/email")
@login_required  # type: ignore[untyped-decorator]
def email_choice() -> Response:
    """Turn e-mail of my notifications on or off (they stay in the application either way)."""
    enabled = request.form.get("email") == "on"
    choose_email(db(), me().username, enabled, _now())
    if enabled:
        flash(_("Bạn sẽ nhận thông báo qua thư điện tử."), "info")
    else:
        flash(_("Bạn sẽ không nhận thư điện tử; thông báo vẫn hiện trong hệ thống."), "info")
    return redirect(url_for("notifications.index"))


def _administrator() -> CurrentUser:
    user = me()
    if not may_see_failures(user):
        abort(403)
    return user


@bp.get("/notifications/failures")
@login_required  # type: ignore[untyped-decorator]
def failures() -> str:
    """Deliveries that failed or wait to be tried again, with the server's last answer."""
    _administrator()
    return render_template("notifications/failures.html", rows=troubled(db()), now=_now())


@bp.post("/notifications/failures/<int:row_id>/retry")
@login_required  # type: ignore[untyped-decorator]
def retry(row_id: int) -> Response:
    """Send a failed notification again at the job worker's next pass."""
    user = _administrator()
    try:
        send_again(db(), row_id, user.username, _now())
    except NotRetryable:
        abort(404)
    flash(_("Thông báo sẽ được gửi lại trong lượt chạy tới của tiến trình nền."), "info")
    return redirect(url_for("notifications.failures"))
