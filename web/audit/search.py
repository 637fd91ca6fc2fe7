"""The auditors' search across cases (/audit/search) and its export to CSV and XLSX.

Auditors, administrators, the director and supervisors look for every event that matches a person,
a unit, a role, a step, a decision, a range of days and a document number (workflows/audit/search.py);
each result links to its case's timeline. A criterion typed wrong is named with its message and
nothing is searched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.accounts.auth import me
from web.audit.timeline_page import action_label
from web.core.labels import DECISIONS, ROLES, decision_label, role_label, step_label
from web.core.organisation import page_in_english
from web.core.requests import db
from web.core.spreadsheets import FORMATS, spreadsheet_response
from web.tasks.day_input import day_or_problem
from workflows.audit.search import EXPORT_LIMIT, Criteria, Hit, every_hit, people_named, search, steps
from workflows.orgchart.models import Role, Unit

bp = Blueprint("audit_search", __name__, url_prefix="/audit", template_folder="templates")

#: Who may search every case's trail: it shows the whole agency's work, so only those who oversee it.
SEARCH_ROLES = ("auditor", "admin", "director", "supervisor")
TEXT_LIMIT = 200


def may_search() -> bool:
    """Whether the signed-in person may search across cases (for the navigation too)."""
    return bool(current_user.is_authenticated) and any(me().holds(role) for role in SEARCH_ROLES)


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    return {"searches_audit": may_search}


@dataclass
class SearchForm:
    """The criteria as typed, what they mean, and a message for each one refused (by field)."""

    values: dict[str, str]
    criteria: Criteria = field(default_factory=Criteria)
    errors: dict[str, str] = field(default_factory=dict)


def _day(form: SearchForm, name: str) -> date | None:
    day, problem = day_or_problem(form.values[name])
    if problem:
        form.errors[name] = problem
    return day


def _choice(form: SearchForm, name: str, allowed: set[str], message: str) -> str | None:
    value = form.values[name]
    if value and value not in allowed:
        form.errors[name] = message
    return value if value in allowed else None


def read_form(offered: Choices) -> SearchForm:
    """The criteria from the query string, each checked; `errors` names every field refused."""
    names = ("person", "unit", "role", "step", "decision", "from", "to", "number")
    form = SearchForm({name: (request.args.get(name) or "").strip()[:TEXT_LIMIT] for name in names})
    session = db()
    unit = _choice(form, "unit", offered.codes("units"), _("Đơn vị đã chọn không có trong danh sách."))
    role = _choice(form, "role", offered.codes("roles"), _("Vai trò đã chọn không có trong danh sách."))
    step = _choice(form, "step", offered.codes("steps"), _("Bước đã chọn không có trong danh sách."))
    decision = _choice(form, "decision", offered.codes("decisions"), _("Quyết định đã chọn không có trong danh sách."))
    first, last = _day(form, "from"), _day(form, "to")
    if first and last and first > last:
        form.errors["to"] = _("“Đến ngày” phải cùng hoặc sau “Từ ngày”.")
    people = None
    if form.values["person"]:
        people = people_named(session, form.values["person"])
        if not people:
            form.errors["person"] = _("Không có người nào có tên hoặc tên đăng nhập này.")
    form.criteria = Criteria(people, unit, role, step, decision, first, last, form.values["number"] or None)
    return form


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _require_searcher() -> None:
    if not may_search():
        abort(403)


def timeline_url(case_id: int) -> str:
    """Where a result's case is read: its timeline (web/audit/timeline.py)."""
    return url_for("audit_timeline.show", case_id=case_id)


@dataclass(frozen=True)
class Words:
    """Labels looked up once each per request: results repeat them, and some cost a query."""

    role: Callable[[str], str]
    step: Callable[[str | None], str]
    decision: Callable[[str | None], str]
    action: Callable[[str], str]


def _role_words() -> Callable[[str], str]:
    """role_label's words for the roles, from one read of the chart's roles (role_label reads one a call)."""
    declared = {row.code: row for row in db().scalars(select(Role))}
    english = page_in_english()

    def words(code: str) -> str:
        row = declared.get(code)
        if row is None:
            return role_label(code)
        return (row.name_en or str(ROLES.get(code, row.name))) if english else row.name

    return words


def words() -> Words:
    """This request's labels (web/core/labels.py, and the timeline's words for events)."""
    once = functools.lru_cache(maxsize=None)
    return Words(once(_role_words()), once(step_label), once(decision_label), once(action_label))


@dataclass(frozen=True)
class Choices:
    """What the form's lists offer, read once per request: (code, words) of units, roles, steps, decisions."""

    units: list[tuple[str, str]]
    roles: list[tuple[str, str]]
    steps: list[tuple[str, str]]
    decisions: list[tuple[str, str]]

    def codes(self, kind: str) -> set[str]:
        """The codes one list offers."""
        listed: list[tuple[str, str]] = getattr(self, kind)
        return {code for code, _words in listed}


def choices(said: Words) -> Choices:
    """The form's lists, in the page's language."""
    session = db()
    return Choices(
        units=[(code, name) for code, name in session.execute(select(Unit.code, Unit.name).order_by(Unit.name))],
        roles=[(code, said.role(code)) for code in session.scalars(select(Role.code).order_by(Role.position))],
        steps=[(code, said.step(title)) for code, title in steps(session)],
        decisions=[(code, str(label)) for code, label in DECISIONS.items()],
    )


def actor_label(hit: Hit) -> str:
    """Who did it, and for whom when a substitute did."""
    actor = _("Hệ thống") if hit.actor == "system" else hit.actor_name
    if hit.on_behalf_name:
        return str(_("%(actor)s (thay %(absent)s)", actor=actor, absent=hit.on_behalf_name))
    return str(actor)


def _search_page(form: SearchForm, said: Words, offered: Choices) -> tuple[str, int] | str:
    """The form as asked and, when something valid was asked, one page of the matching events."""
    found = None
    if form.criteria.asked and not form.errors:
        found = search(db(), form.criteria, _page_number())
    page = render_template(
        "audit/search.html",
        form=form,
        found=found,
        timeline_url=timeline_url,
        actor_label=actor_label,
        words=said,
        offered=offered,
        export_limit=EXPORT_LIMIT,
    )
    return (page, 400) if form.errors else page


@bp.get("/search")
@login_required  # type: ignore[untyped-decorator]
def index() -> tuple[str, int] | str:
    """The search form and, when something was asked, one page of the matching events."""
    _require_searcher()
    said = words()
    offered = choices(said)
    return _search_page(read_form(offered), said, offered)


def export_headers() -> list[str]:
    """The columns of an export, in Vietnamese (or the page's language)."""
    return [
        _("Số, ký hiệu"),
        _("Trích yếu"),
        _("Bước"),
        _("Sự kiện"),
        _("Người thực hiện"),
        _("Vai trò"),
        _("Đơn vị"),
        _("Quyết định"),
        _("Thời điểm"),
        _("Ý kiến"),
    ]


def export_row(hit: Hit, said: Words) -> list[object]:
    """One event as a row of the export (its moment a real date and time, shown dd/mm/yyyy HH:MM)."""
    return [
        hit.case_number or "",
        hit.case_title or "",
        said.step(hit.step_title),
        said.action(hit.tag),
        actor_label(hit),
        said.role(hit.role) if hit.role else "",
        hit.unit_name or hit.unit or "",
        said.decision(hit.decision) if hit.decision else "",
        hit.at,
        hit.comment or "",
    ]


@bp.get("/search/export.<fmt>")
@login_required  # type: ignore[untyped-decorator]
def export(fmt: str) -> Response | tuple[str, int] | str:
    """Every matching event (up to the export's limit) as CSV or XLSX; a bad criterion shows the form again."""
    if fmt not in FORMATS:
        abort(404)
    _require_searcher()
    said = words()
    offered = choices(said)
    form = read_form(offered)
    if form.errors or not form.criteria.asked:
        return _search_page(form, said, offered)
    rows = [export_row(hit, said) for hit in every_hit(db(), form.criteria)]
    return spreadsheet_response(_("tra-cuu-nhat-ky"), export_headers(), rows, fmt, sheet_title=_("Nhật ký xử lý"))
