"""Pictures for supervisors (/supervision/pictures): where work waits in a process, and who reports on time.

* A process's diagram (the latest deployed version) with, on each step, how many tasks wait there
  now and for how long on average; a table under it says the same for screen readers.
* Charts of the units' on-time rate, per unit and per month of the deadline, each with a table of
  the same numbers (the charts are drawn from those tables) and downloads as CSV and XLSX.

Every page answers 403 to people without a supervision scope (workflows/supervision/scope.py) and
counts only what their scope holds. Scripts are files (no inline script, under the app's CSP).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, jsonify, render_template, request, send_from_directory
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from engine.models import ProcessDefinition
from web.cases.case_progress import graph_of
from web.core.labels import step_label
from web.core.requests import db, runtime
from web.core.settings import PROJECT_ROOT
from web.core.spreadsheets import FORMATS, spreadsheet_response
from web.supervision.access import my_scope, today
from workflows.orgchart.calendar_days import working_calendar
from workflows.orgchart.models import Unit
from workflows.supervision.scope import Scope
from workflows.supervision.statistics import (
    ACKNOWLEDGE,
    REPORT,
    OnTimeCount,
    OnTimeFilter,
    ProcessLoad,
    StepLoad,
    latest_definition,
    latest_definitions,
    on_time_by_month,
    on_time_by_unit,
    process_load,
)

bp = Blueprint("supervision_pictures", __name__, url_prefix="/supervision/pictures", template_folder="templates")

# Only the chart library's one browser build is served from the npm package; nothing else of node_modules.
CHART_JS_DIST = PROJECT_ROOT / "node_modules" / "chart.js" / "dist"
CHART_JS_FILES = ("chart.umd.min.js",)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DEFAULT_MONTHS, MAX_MONTHS = 12, 60
# Where theo dõi thực hiện's counts are drawn on the unit process's diagram.
UNIT_STEPS = {ACKNOWLEDGE: "acknowledge", REPORT: "report"}
TABLES = ("units", "months")


# -- wording -------------------------------------------------------------------------------------


def waiting_label(count: int) -> str:
    """How many tasks wait, in words."""
    return str(ngettext("%(num)d việc đang chờ", "%(num)d việc đang chờ", count))


def average_label(step: StepLoad) -> str:
    """How long the tasks of a step have waited on average: working days, or hours under one."""
    if step.average_working_days >= 1:
        days = format_decimal(step.average_working_days)
        return str(_("trung bình %(days)s ngày làm việc", days=days))
    hours = round(step.average_hours)
    if hours < 1:
        return str(_("trung bình dưới 1 giờ"))
    return str(_("trung bình %(hours)s giờ", hours=format_decimal(hours)))


def units_label(what: str, owing: int, late: int) -> str:
    """What theo dõi thực hiện says the units still owe at one step."""
    if what == ACKNOWLEDGE:
        return str(_("%(owing)d đơn vị chưa tiếp nhận (%(late)d quá hạn)", owing=owing, late=late))
    return str(_("%(owing)d đơn vị chưa báo cáo (%(late)d quá hạn)", owing=owing, late=late))


def rate_label(count: OnTimeCount) -> str:
    """The on-time rate as a percentage, or a dash while nothing is decided."""
    if count.rate is None:
        return "—"
    return str(format_decimal(round(count.rate, 1), format="#,##0.#")) + " %"


# -- the process diagram ---------------------------------------------------------------------------


def _definition_or_404(key: str) -> ProcessDefinition:
    definition = latest_definition(db(), key)
    if definition is None:
        abort(404)
    return definition


@dataclass(frozen=True)
class StepLine:
    """One user task of the diagram as the page and the overlays show it."""

    step: str
    name: str
    waiting: int
    waiting_label: str
    average_label: str
    units_label: str | None


def _step_lines(definition: ProcessDefinition, load: ProcessLoad) -> list[StepLine]:
    """Every user task of the diagram in its order, with the steps of older versions that still hold work."""
    graph = graph_of(definition)
    found = {step.step: step for step in load.steps}
    units_text = {
        step: units_label(what, owing.owing, owing.late)
        for what, owing in load.units.items()
        if (step := UNIT_STEPS[what]) in graph.kinds
    }
    steps = graph.of_kind("userTask")
    steps += [step for step in sorted(found) if step not in graph.kinds]
    lines = []
    for step in steps:
        load_of = found.get(step)
        name = step_label(graph.names.get(step) or (load_of.title if load_of else step))
        lines.append(
            StepLine(
                step=step,
                name=name,
                waiting=load_of.waiting if load_of else 0,
                waiting_label=waiting_label(load_of.waiting if load_of else 0),
                average_label=average_label(load_of) if load_of else "",
                units_label=units_text.get(step),
            )
        )
    return lines


def _load(definition: ProcessDefinition, scope: Scope) -> ProcessLoad:
    return process_load(db(), definition.key, scope, runtime().services.clock.now(), working_calendar(db()))


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    """The processes there are pictures of, and the on-time charts."""
    my_scope()
    return render_template("supervision/pictures_index.html", definitions=latest_definitions(db()))


@bp.get("/processes/<key>")
@login_required  # type: ignore[untyped-decorator]
def process(key: str) -> str:
    """One process's diagram with the work waiting at each step."""
    scope = my_scope()
    definition = _definition_or_404(key)
    load = _load(definition, scope)
    # The table names only the steps with something to say; a name two steps share gets the step's id.
    lines = [line for line in _step_lines(definition, load) if line.waiting or line.units_label]
    names = Counter(line.name for line in lines)
    return render_template(
        "supervision/pictures_process.html",
        definition=definition,
        lines=lines,
        shared_names={name for name, count in names.items() if count > 1},
        total=load.waiting,
        now=runtime().services.clock.now(),
    )


@bp.get("/processes/<key>/diagram.xml")
@login_required  # type: ignore[untyped-decorator]
def diagram(key: str) -> Response:
    """The BPMN of the process's latest version."""
    my_scope()
    definition = _definition_or_404(key)
    response = Response(definition.bpmn_xml, mimetype="application/xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/processes/<key>/steps.json")
@login_required  # type: ignore[untyped-decorator]
def steps(key: str) -> Response:
    """What the overlays show: per step, the tasks waiting and their average wait, in words and numbers."""
    scope = my_scope()
    definition = _definition_or_404(key)
    load = _load(definition, scope)
    found = {step.step: step for step in load.steps}
    body = {
        "process": definition.key,
        "version": definition.version,
        "waiting": load.waiting,
        "steps": [
            {
                "id": line.step,
                "name": line.name,
                "waiting": line.waiting,
                "waiting_label": line.waiting_label,
                "average_label": line.average_label,
                "average_hours": round(found[line.step].average_hours, 2) if line.step in found else None,
                "average_working_days": found[line.step].average_working_days if line.step in found else None,
                "units_label": line.units_label,
            }
            for line in _step_lines(definition, load)
        ],
        "units": {what: {"owing": owing.owing, "late": owing.late} for what, owing in load.units.items()},
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/vendor/chart.js/<path:filename>")
def vendor(filename: str) -> Response:
    """The chart.js browser build from the installed npm package (`make install`); never committed here."""
    if filename not in CHART_JS_FILES:
        abort(404)
    return send_from_directory(CHART_JS_DIST, filename, max_age=86400)


# -- on-time charts ----------------------------------------------------------------------------


def _month(raw: str | None) -> date | None:
    found = MONTH.match((raw or "").strip())
    return date(int(found.group(1)), int(found.group(2)), 1) if found else None


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _divisions(scope: Scope) -> list[tuple[str, str]]:
    """The divisions a person may narrow the charts to: all for the agency's leaders, else their own."""
    query = select(Unit.code, Unit.name).where(Unit.kind == "division").order_by(Unit.name)
    if not (scope.whole_agency or scope.units):
        query = query.where(Unit.code.in_(sorted(scope.divisions)))
    return [(code, name) for code, name in db().execute(query)]


def _on_time_filter(scope: Scope, report_errors: bool) -> OnTimeFilter:
    """The months and division asked for in the URL, each checked; refused ones fall back to the default."""
    this_month = today().replace(day=1)
    first, last = _month(request.args.get("from")), _month(request.args.get("to"))
    errors = []
    if (request.args.get("from") and first is None) or (request.args.get("to") and last is None):
        errors.append(_("Tháng phải có dạng năm-tháng, ví dụ 2023-03."))
    last = last or this_month
    first = first or _months_back(last, DEFAULT_MONTHS - 1)
    if first > last:
        errors.append(_("Tháng bắt đầu phải trước tháng kết thúc."))
        first, last = last, first
    if _months_back(last, MAX_MONTHS - 1) > first:
        errors.append(_("Chỉ xem được tối đa %(months)d tháng một lần.", months=MAX_MONTHS))
        first = _months_back(last, MAX_MONTHS - 1)
    division = (request.args.get("division") or "").strip() or None
    if division and division not in dict(_divisions(scope)):
        errors.append(_("Phòng đã chọn không hợp lệ."))
        division = None
    if report_errors:
        for error in errors:
            flash(error, "error")
    return OnTimeFilter(first, last, division)


@bp.get("/on-time")
@login_required  # type: ignore[untyped-decorator]
def on_time() -> str:
    """Charts of the on-time rate per unit and per month, each with its table."""
    scope = my_scope()
    chosen = _on_time_filter(scope, report_errors=True)
    return render_template(
        "supervision/pictures_on_time.html",
        chosen=chosen,
        by_unit=on_time_by_unit(db(), scope, chosen, today()),
        by_month=on_time_by_month(db(), scope, chosen, today()),
        divisions=_divisions(scope),
        rate_label=rate_label,
        rate_header=_("Tỷ lệ đúng hạn (%)"),
        args={key: value for key, value in request.args.items() if key in ("from", "to", "division")},
    )


def _table(counts: list[OnTimeCount], first_header: str) -> tuple[list[str], list[list[object]]]:
    headers = [first_header, _("Đúng hạn"), _("Trễ hạn"), _("Chưa đến hạn"), _("Tỷ lệ đúng hạn (%)")]
    rows: list[list[object]] = [
        [c.label, c.on_time, c.late, c.pending, None if c.rate is None else round(c.rate, 1)] for c in counts
    ]
    return headers, rows


@bp.get("/on-time/<table>.<fmt>")
@login_required  # type: ignore[untyped-decorator]
def on_time_export(table: str, fmt: str) -> Response:
    """One of the on-time tables as a spreadsheet, for the same months and division."""
    if table not in TABLES or fmt not in FORMATS:
        abort(404)
    scope = my_scope()
    chosen = _on_time_filter(scope, report_errors=False)
    if table == "units":
        headers, rows = _table(on_time_by_unit(db(), scope, chosen, today()), _("Đơn vị"))
        stem = _("dung-han-theo-don-vi")
    else:
        headers, rows = _table(on_time_by_month(db(), scope, chosen, today()), _("Tháng hạn báo cáo"))
        stem = _("dung-han-theo-thang")
    period = f"{chosen.first_month:%Y-%m}_{chosen.last_month:%Y-%m}"
    return spreadsheet_response(f"{stem}_{period}", headers, rows, fmt, sheet_title=stem)
