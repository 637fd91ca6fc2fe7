"""Lịch làm việc: a year's official holidays and the administrators' extra days off and working days.

The official days come from the `holidays` package (Vietnam's public holidays and the weekend days
the government swaps); an administrator adds what it lacks — a day off bridged to a holiday, a
Saturday worked in exchange — with the reason (`workflows.orgchart.calendar_days`). Every deadline
the product computes afterwards, in every process, counts with them; deadlines already set stay.
Administrators change it; auditors may read it. Each change is one audit event with before and after.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.admin.access import require_admin, require_reader
from web.core.requests import db, runtime
from web.tasks.day_input import day_or_problem
from workflows.calendar import FIRST_DAY, LAST_DAY, WorkingCalendar
from workflows.orgchart.calendar_days import (
    DAY_OFF,
    KINDS,
    WORKING_DAY,
    CalendarDay,
    CalendarDayInvalid,
    days_of_year,
    remove_day,
    set_day,
    working_calendar,
)

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin/calendar", template_folder="templates")


def _english() -> bool:
    return str(get_locale() or "vi").startswith("en")


@dataclass(frozen=True)
class Cell:
    """One day of the year's grid: its date, what it is and why."""

    day: date
    status: str  # work, weekend, holiday, extra_off, extra_work, swapped_work
    title: str


def _year_asked() -> int:
    today = runtime().services.clock.now().date()
    text = request.args.get("year", "")
    if text.isdigit() and FIRST_DAY.year <= int(text) <= LAST_DAY.year:
        return int(text)
    return today.year


def _grid(
    year: int, overrides: list[CalendarDay], calendar: WorkingCalendar
) -> list[tuple[int, list[list[Cell | None]]]]:
    """Each month's weeks (Monday first), every day marked as the calendar counts it."""
    official = holidays.country_holidays("VN", years=year, language="en_US" if _english() else "vi")
    swapped = {d for d in official.weekend_workdays if d.year == year}
    by_day = {row.day: row for row in overrides}
    result: list[tuple[int, list[list[Cell | None]]]] = []
    for month in range(1, 13):
        weeks: list[list[Cell | None]] = []
        for week in months.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[Cell | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                override = by_day.get(day)
                if override is not None:
                    status = "extra_off" if override.kind == DAY_OFF else "extra_work"
                    title = override.note
                elif day in official:
                    status, title = "holiday", str(official.get(day))
                elif day in swapped:
                    status, title = "swapped_work", _("Làm bù theo lịch chính thức")
                else:
                    status, title = ("work" if calendar.is_working_day(day) else "weekend"), ""
                row.append(Cell(day, status, title))
            weeks.append(row)
        result.append((month, weeks))
    return result


def _official_list(year: int) -> list[tuple[date, str]]:
    official = holidays.country_holidays("VN", years=year, language="en_US" if _english() else "vi")
    return sorted((d, str(name)) for d, name in official.items() if d.year == year)


def _page(
    year: int, errors: dict[str, str] | None = None, form: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    overrides = days_of_year(db(), year)
    calendar = working_calendar(db())
    page = render_template(
        "admin/calendar.html",
        year=year,
        grid=_grid(year, overrides, calendar),
        official=_official_list(year),
        overrides=overrides,
        kinds={DAY_OFF: _("Ngày nghỉ thêm"), WORKING_DAY: _("Ngày làm bù")},
        errors=errors or {},
        form=form or {"day": "", "kind": DAY_OFF, "note": ""},
        may_change=me().holds("admin"),
        weekdays=[_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN")],
        working_days=sum(1 for d in _days(year) if calendar.is_working_day(d)),
    )
    return page, status


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year, 12, 31) - first).days + 1)]


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> tuple[str, int]:
    """The year's grid, its official holidays and the overrides, with the form to add one."""
    require_reader()
    return _page(_year_asked())


@bp.post("")
@login_required  # type: ignore[untyped-decorator]
def add() -> Response | tuple[str, int]:
    """Declare a day a day off or a working day; each mistake named at its field, nothing stored."""
    require_admin()
    form = {name: request.form.get(name, "") for name in ("day", "kind", "note")}
    day, problem = day_or_problem(form["day"])
    errors: dict[str, str] = {}
    if problem:
        errors["day"] = problem
    elif day is None:
        errors["day"] = _("Hãy nhập ngày (dd/mm/yyyy).")
    if form["kind"] not in KINDS:
        errors["kind"] = _("Hãy chọn ngày nghỉ thêm hoặc ngày làm bù.")
    year = day.year if day is not None else _year_asked()
    if not errors and day is not None:
        try:
            set_day(db(), day, form["kind"], form["note"], actor=me().username, at=runtime().services.clock.now())
        except CalendarDayInvalid as invalid:
            errors = {p.field: p.message.en if _english() else p.message.vi for p in invalid.problems}
    if errors:
        return _page(year, errors, form, 400)
    assert day is not None
    flash(_("Đã lưu ngày %(day)s vào lịch làm việc.", day=day.strftime("%d/%m/%Y")))
    return redirect(url_for(".index", year=day.year))


@bp.post("/<day>/remove")
@login_required  # type: ignore[untyped-decorator]
def remove(day: str) -> Response:
    """Take a day's override away: the day is again as the official calendar has it."""
    require_admin()
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not remove_day(db(), chosen, actor=me().username, at=runtime().services.clock.now()):
        abort(404)
    flash(_("Đã bỏ ngày %(day)s khỏi lịch điều chỉnh.", day=chosen.strftime("%d/%m/%Y")))
    return redirect(url_for(".index", year=chosen.year))
