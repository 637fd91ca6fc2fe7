"""The supervision board (/supervision) and one directive's units (/supervision/cases/<id>/units).

The board lists work late or due within N working days across every case the person supervises,
with counts by unit, step and case; the unit table is the supervisor's working page for one
directive, from which a reminder round starts. Both export to CSV and XLSX.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.models import ProcessInstance
from web.core.labels import URGENCIES, step_label
from web.core.requests import db
from web.core.spreadsheets import spreadsheet_response
from web.supervision.access import my_scope, supervises, today
from workflows.directive.tracking import of_case
from workflows.orgchart.calendar_days import working_calendar
from workflows.orgchart.models import Unit
from workflows.supervision.board import ACKNOWLEDGE, REPORT, Board, BoardFilter, BoardItem, board, case_numbers
from workflows.supervision.scope import Scope
from workflows.supervision.unit_table import SORTS, UnitLine, unit_lines
from workflows.urgency import PRIORITY

bp = Blueprint("supervision", __name__, url_prefix="/supervision", template_folder="templates")
WITHIN_DEFAULT, WITHIN_MAX = 2, 30
EXPORT_ROWS = 10_000
CASES_OFFERED = 30
FORMATS = ("csv", "xlsx")


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    # The main navigation shows "Giám sát" only to people with something to supervise.
    return {"supervises": lambda: current_user.is_authenticated and supervises()}


def unit_step_label(step: str, title: str | None) -> str:
    """What a board line asks for, in the reader's language."""
    if step == ACKNOWLEDGE:
        return str(_("Tiếp nhận công văn"))
    if step == REPORT:
        return str(_("Báo cáo thực hiện"))
    return step_label(title or step)


def lateness(days_late: int) -> str:
    """How late, in working days; or how many remain."""
    if days_late > 0:
        return str(_("Trễ %(days)d ngày làm việc", days=days_late))
    if days_late == 0:
        return str(_("Đến hạn hôm nay"))
    return str(_("Còn %(days)d ngày làm việc", days=-days_late))


def _unit_names(codes: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({code for code in codes if code})
    if not wanted:
        return {}
    return dict(db().execute(select(Unit.code, Unit.name).where(Unit.code.in_(wanted))).all())


def _choices(kind_is_division: bool) -> list[tuple[str, str]]:
    query = select(Unit.code, Unit.name).order_by(Unit.name)
    query = query.where(Unit.kind == "division") if kind_is_division else query.where(Unit.kind != "division")
    return [(code, name) for code, name in db().execute(query)]


@dataclass
class BoardRequest:
    """The board's filters as asked in the URL, each checked; `errors` says what was refused."""

    board_filter: BoardFilter
    errors: list[str]


def _board_request(per_page: int = 50) -> BoardRequest:
    args, errors = request.args, []
    within = WITHIN_DEFAULT
    raw_within = (args.get("within") or "").strip()
    if raw_within:
        if raw_within.isdigit() and 0 <= int(raw_within) <= WITHIN_MAX:
            within = int(raw_within)
        else:
            errors.append(_("Số ngày sắp đến hạn phải là số từ 0 đến %(max)d.", max=WITHIN_MAX))
    raw_case = (args.get("case") or "").strip()
    case_id = int(raw_case) if raw_case.isdigit() else None
    if raw_case and case_id is None:
        errors.append(_("Văn bản đã chọn không hợp lệ."))
    urgency = args.get("urgency") or ""
    if urgency and urgency not in PRIORITY:
        errors.append(_("Độ khẩn đã chọn không hợp lệ."))
    return BoardRequest(
        BoardFilter(
            within=within,
            unit=(args.get("unit") or "").strip()[:50] or None,
            division=(args.get("division") or "").strip()[:50] or None,
            case_id=case_id,
            min_urgency=PRIORITY.get(urgency) if urgency in PRIORITY else None,
            page=max(1, args.get("page", 1, type=int) or 1),
            per_page=per_page,
        ),
        errors,
    )


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The board: late and due-soon work across the cases the person supervises."""
    scope = my_scope()
    asked = _board_request()
    for error in asked.errors:
        flash(error, "error")
    found = board(db(), scope, asked.board_filter, today(), working_calendar(db()))
    # The directive filter offers the directives with the most late work (and the one chosen).
    offered = [case_id for case_id, _n in found.by_case[:CASES_OFFERED]]
    if asked.board_filter.case_id is not None and asked.board_filter.case_id not in offered:
        offered.append(asked.board_filter.case_id)
    cases = case_numbers(db(), offered)
    names = _unit_names(
        [code for item in found.items for code in (item.unit_code, item.detail)] + [unit for unit, _n in found.by_unit]
    )
    return render_template(
        "supervision/board.html",
        board=found,
        offered=offered,
        chosen=asked.board_filter,
        cases=cases,
        unit_names=names,
        units=_choices(kind_is_division=False),
        divisions=_choices(kind_is_division=True),
        urgencies=URGENCIES,
        step_of=_once_each(unit_step_label),
        lateness=_once_each(lateness),
        today=today(),
    )


def _once_each(words: Callable[..., str]) -> Callable[..., str]:
    """`words` asked once per distinct argument in this page: a row's labels repeat down the list."""
    return functools.lru_cache(maxsize=None)(words)


def _board_rows(found: Board, names: dict[str, str]) -> list[list[object]]:
    def row(item: BoardItem) -> list[object]:
        return [
            item.case_number or "",
            item.case_title or "",
            names.get(item.unit_code or "", item.unit_code or ""),
            unit_step_label(item.step, item.step_title),
            item.due,
            max(item.days_late, 0),
            lateness(item.days_late),
        ]

    return [row(item) for item in found.items]


@bp.get("/export.<fmt>")
@login_required  # type: ignore[untyped-decorator]
def export(fmt: str) -> Response:
    """The board's lines (all pages, up to a cap) as a spreadsheet."""
    if fmt not in FORMATS:
        abort(404)
    scope = my_scope()
    asked = _board_request(per_page=EXPORT_ROWS)
    found = board(db(), scope, asked.board_filter, today(), working_calendar(db()))
    names = _unit_names(item.unit_code for item in found.items)
    headers = [
        _("Số, ký hiệu"),
        _("Trích yếu"),
        _("Đơn vị"),
        _("Việc"),
        _("Hạn"),
        _("Số ngày trễ"),
        _("Tình trạng"),
    ]
    return spreadsheet_response(_("giam-sat"), headers, _board_rows(found, names), fmt)


# -- one directive's units --------------------------------------------------------------------


def _case_or_404(case_id: int, scope: Scope) -> ProcessInstance:
    case = db().get(ProcessInstance, case_id)
    if case is None or case.case_id != case.id:
        abort(404)
    rows = of_case(db(), case_id)
    if not rows:
        abort(404)
    if not any(scope.sees_unit_row(row) for row in rows):
        abort(403)
    return case


def _lines(case_id: int, scope: Scope) -> tuple[list[UnitLine], list[UnitLine], str, bool]:
    """Every unit line in the order asked, those shown (late only, if asked), the order and the filter."""
    sort = request.args.get("sort") or "late"
    sort = sort if sort in SORTS else "late"
    late_only = request.args.get("late") == "1"
    everyone = unit_lines(db(), case_id, today(), working_calendar(db()), scope, sort=sort)
    return everyone, [line for line in everyone if line.late] if late_only else everyone, sort, late_only


@bp.get("/cases/<int:case_id>/units")
@login_required  # type: ignore[untyped-decorator]
def units(case_id: int) -> str:
    """Every recipient unit of one directive: deadline, acknowledged, reported, accepted, reminders, lateness."""
    scope = my_scope()
    case = _case_or_404(case_id, scope)
    everyone, lines, sort, late_only = _lines(case_id, scope)
    return render_template(
        "supervision/units.html",
        case=case,
        lines=lines,
        sort=sort,
        late_only=late_only,
        late_count=sum(1 for line in everyone if line.late),
        total=len(everyone),
        lateness=lateness,
        round_url=_round_url(case_id) if scope.whole_agency or scope.divisions else None,
    )


def _round_url(case_id: int) -> str | None:
    # Reminder rounds are their own blueprint (web/supervision/rounds.py).
    endpoint = "reminder_rounds.new"
    return url_for(endpoint, case_id=case_id) if endpoint in current_app.view_functions else None


@bp.get("/cases/<int:case_id>/units.<fmt>")
@login_required  # type: ignore[untyped-decorator]
def units_export(case_id: int, fmt: str) -> Response:
    """The unit table as a spreadsheet, in the order and filter shown."""
    if fmt not in FORMATS:
        abort(404)
    scope = my_scope()
    case = _case_or_404(case_id, scope)
    _everyone, lines, _sort, _late = _lines(case_id, scope)
    headers = [
        _("Đơn vị"),
        _("Hạn báo cáo"),
        _("Ngày tiếp nhận"),
        _("Ngày báo cáo"),
        _("Ngày chấp nhận"),
        _("Số lần đôn đốc"),
        _("Số ngày trễ"),
    ]
    rows: list[list[object]] = [
        [
            line.unit_name,
            line.deadline,
            line.acknowledged_on,
            line.reported_on,
            line.accepted_on,
            line.reminders,
            line.days_late,
        ]
        for line in lines
    ]
    stem = _("don-vi-%(number)s", number=(case.business_key or str(case.id)).replace("/", "-"))
    return spreadsheet_response(stem, headers, rows, fmt)
