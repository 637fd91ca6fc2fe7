"""Người thay thế khi vắng mặt: naming a substitute for one's days away (or for an officer one leads).

The rules live in workflows.orgchart.out_of_office; this page turns their refusals into words at
each field, keeps what was typed, and stores nothing when anything is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.errors import NotFound
from web.accounts.auth import me
from web.core.requests import db, runtime
from web.tasks.day_input import DayOutOfRange, out_of_range_message, parse_day
from workflows.calendar import LOCAL_TZ
from workflows.orgchart.models import RoleAssignment, Unit, User
from workflows.orgchart.out_of_office import (
    REASON_MAX,
    Problem,
    SubstitutionNotFound,
    SubstitutionRefused,
    cancel_substitution,
    may_cancel,
    name_substitute,
)
from workflows.orgchart.substitutes import Substitution, current_and_future, people_led_by

bp = Blueprint("substitutes", __name__, template_folder="templates")

FIELDS = {
    "absent": _l("Người vắng mặt"),
    "substitute": _l("Người thay thế"),
    "from_date": _l("Từ ngày"),
    "to_date": _l("Đến ngày"),
    "reason": _l("Lý do"),
}
MESSAGES = {
    ("absent", "unknown"): _l("Không có cán bộ đang làm việc với tên đăng nhập này."),
    ("absent", "not_allowed"): _l("Bạn chỉ cử được người thay cho chính mình hoặc cho cán bộ đơn vị mình lãnh đạo."),
    ("substitute", "unknown"): _l("Hãy chọn một cán bộ đang làm việc."),
    ("substitute", "same_person"): _l("Người thay thế không thể là chính người vắng mặt."),
    ("substitute", "unrelated"): _l(
        "Người thay thế phải cùng đơn vị với người vắng mặt hoặc là lãnh đạo của đơn vị đó."
    ),
    ("substitute", "away"): _l("Người này cũng vắng mặt từ %(from)s đến %(to)s."),
    ("from_date", "past"): _l("Không được trước hôm nay (%(today)s)."),
    ("from_date", "overlap"): _l("Người vắng mặt đã có người thay (%(substitute)s) từ %(from)s đến %(to)s."),
    ("to_date", "before_start"): _l("Không được trước “Từ ngày”."),
    ("to_date", "too_long"): _l("Thời gian thay thế tối đa %(days)d ngày."),
    ("reason", "too_long"): _l("Tối đa %(max)d ký tự."),
}


@dataclass(frozen=True)
class Listed:
    """One substitution as the page lists it."""

    row: Substitution
    absent: str
    substitute: str
    created_by: str
    running: bool
    cancellable: bool


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def _names(usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = db().execute(select(User.username, User.full_name).where(User.username.in_(usernames)))
    return {row.username: row.full_name for row in rows}


def _absent_choices() -> dict[str, str]:
    """Myself first, then the officers of the units I lead."""
    user = me()
    led = {person.username: person.full_name for person in people_led_by(db(), user.username)}
    led.pop(user.username, None)
    return {user.username: user.full_name, **led}


def _substitute_choices() -> dict[str, str]:
    """Active users who hold a role, 'Full name — title (unit)', by name; the rules are checked on saving."""
    holders = select(RoleAssignment.username)
    query = (
        select(User.username, User.full_name, User.position_title, Unit.short_name)
        .join(Unit, Unit.code == User.unit_code)
        .where(User.active.is_(True), User.username.in_(holders))
        .order_by(User.full_name, User.username)
    )
    return {row.username: f"{row.full_name} — {row.position_title} ({row.short_name})" for row in db().execute(query)}


def _listed() -> list[Listed]:
    user, today = me(), _today()
    rows = current_and_future(db(), today, _absent_choices(), user.username)
    names = _names({name for r in rows for name in (r.absent_username, r.substitute_username, r.created_by)})
    return [
        Listed(
            row,
            names.get(row.absent_username, row.absent_username),
            names.get(row.substitute_username, row.substitute_username),
            names.get(row.created_by, row.created_by),
            row.runs_on(today),
            may_cancel(db(), user.username, row),
        )
        for row in rows
    ]


def _render(values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> str:
    return render_template(
        "accounts/substitutes.html",
        values=values or {"absent": me().username},
        errors=errors or {},
        labels=FIELDS,
        absent_choices=_absent_choices(),
        substitute_choices=_substitute_choices(),
        listed=_listed(),
        reason_max=REASON_MAX,
    )


@bp.get("/substitutes")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """My substitutes (and those of the officers I lead), running and to come, and the form to name one."""
    return _render()


def day_field(values: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    """The day typed in field `name` (dd/mm/yyyy), or None with the field's error in `errors`."""
    text = values.get(name, "")
    if not text:
        errors[name] = _("Cần nhập ngày (dd/mm/yyyy).")
        return None
    try:
        return parse_day(text)
    except DayOutOfRange:
        errors[name] = out_of_range_message()
    except ValueError:
        errors[name] = _("Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy.")
    return None


def _message(problem: Problem) -> str:
    params = {
        key: value.strftime("%d/%m/%Y") if isinstance(value, date) else value for key, value in problem.params.items()
    }
    if problem.code == "overlap":
        params["substitute"] = _names({str(params["substitute"])}).get(str(params["substitute"]), params["substitute"])
    template = MESSAGES.get((problem.field, problem.code))
    return str(template % params) if template is not None else problem.code


@bp.post("/substitutes")
@login_required  # type: ignore[untyped-decorator]
def create() -> Response | tuple[str, int]:
    """Name a substitute; bad input comes back with a message at each field and nothing stored."""
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    from_date, to_date = day_field(values, "from_date", errors), day_field(values, "to_date", errors)
    if from_date is not None and to_date is not None:
        try:
            row = name_substitute(
                db(),
                by=me().username,
                absent=values["absent"],
                substitute=values["substitute"],
                from_date=from_date,
                to_date=to_date,
                reason=values["reason"],
                at=runtime().services.clock.now(),
                today=_today(),
            )
        except SubstitutionRefused as refused:
            for problem in refused.problems:
                errors.setdefault(problem.field, _message(problem))
        else:
            names = _names({row.absent_username, row.substitute_username})
            flash(
                _(
                    "Đã cử %(substitute)s thay %(absent)s từ %(from)s đến %(to)s.",
                    substitute=names[row.substitute_username],
                    absent=names[row.absent_username],
                    **{"from": row.from_date.strftime("%d/%m/%Y"), "to": row.to_date.strftime("%d/%m/%Y")},
                ),
                "info",
            )
            return redirect(url_for("substitutes.index"))
    return _render(values, errors), 422


@bp.post("/substitutes/<int:substitution_id>/cancel")
@login_required  # type: ignore[untyped-decorator]
def cancel(substitution_id: int) -> Response:
    """Cancel a running or future substitution; one the person may not cancel answers as one that does not exist."""
    try:
        cancel_substitution(db(), substitution_id, by=me().username, at=runtime().services.clock.now(), today=_today())
    except SubstitutionNotFound:
        raise NotFound("substitution", substitution_id) from None
    flash(_("Đã hủy việc cử người thay thế."), "info")
    return redirect(url_for("substitutes.index"))
