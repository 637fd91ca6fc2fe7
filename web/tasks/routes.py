"""A task's page: the case around it and the form of its step; doing it, handing it over; new letters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from engine.errors import InvalidTaskData
from engine.models import TaskRow
from web.accounts.auth import me
from web.cases.case_access import agency_code
from web.core.labels import step_label
from web.core.requests import db, directory, engine, runtime
from web.intake.pending_packages import PendingPackage, attach, pending
from web.tasks.form_fields import FormOptions, SummaryItem, collect, describe
from web.tasks.task_access import task_for_me
from web.tasks.task_page import (
    case_page,
    figure_labels,
    form_options,
    full_names,
    page_language,
    question_labels,
    starting_values,
    urgency_label,
)
from workflows.forms import messages as msg
from workflows.forms.base import FieldError, FormSchema
from workflows.registers.incoming import find_duplicates
from workflows.registers.models import IncomingDocument

bp = Blueprint("tasks", __name__, template_folder="templates")
REASON_MAX = 1000


def _schema_for(form_key: str) -> type[FormSchema]:
    # A coded form by its key, or the version of a designed form the task names.
    forms: Any = runtime().services.forms
    schema: type[FormSchema] = forms.schema_for(db(), form_key)
    return schema


def _schema(row: TaskRow) -> type[FormSchema]:
    # A unit's report form is built from what its directive asks (its figures and questions).
    return _schema_for(row.form_key or "").for_task(engine().data(row.instance_id))


def _colleagues(row: TaskRow) -> dict[str, str]:
    """Who else may receive the task: holders of its role in its unit."""
    if row.role is None or row.candidate_unit is None:
        return {}
    others = [u for u in directory().holders(row.role, row.candidate_unit) if u != me().username]
    return full_names(others)


def _render(
    row: TaskRow,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Sequence[FieldError] = (),
    options: FormOptions | None = None,
    handover: Mapping[str, str] | None = None,
    handover_errors: Mapping[str, str] | None = None,
) -> str:
    schema = _schema(row)
    page = case_page(row)
    if values is None:
        values = starting_values(schema, page.unit_data if page.unit_data is not None else page.data)
    fields, summary = describe(schema, values, options or form_options(schema), errors)
    labels = {"to_user": _("Người nhận"), "reason": _("Lý do")}
    for name, message in (handover_errors or {}).items():
        summary.append(SummaryItem(labels[name], message, f"handover-{'to' if name == 'to_user' else name}"))
    return render_template(
        "tasks/show.html",
        task=row,
        page=page,
        fields=fields,
        summary=summary,
        colleagues=_colleagues(row),
        handover=handover or {},
        handover_errors=handover_errors or {},
        urgency_label=urgency_label,
        figures=figure_labels(page.unit_data if page.unit_data is not None else page.data),
        questions=question_labels(page.unit_data if page.unit_data is not None else page.data),
        lang=page_language(),
    )


@bp.get("/tasks/<task_id>")
@login_required  # type: ignore[untyped-decorator]
def show(task_id: str) -> str:
    """The task page: the case, its documents, earlier comments, and the form of this step."""
    return _render(task_for_me(task_id))


@bp.post("/tasks/<task_id>")
@login_required  # type: ignore[untyped-decorator]
def complete(task_id: str) -> Response | tuple[str, int]:
    """Do the step with the posted form; bad data comes back with every error at its field."""
    row = task_for_me(task_id, acting=True)
    schema = _schema(row)
    options = form_options(schema)
    data = collect(schema, request.form, options)
    try:
        engine().complete(task_id, me().username, data)
    except InvalidTaskData as exc:
        return _render(row, values=data, errors=exc.errors, options=options), 422
    flash(_("Đã hoàn thành: %(title)s", title=step_label(row.title)), "info")
    _flash_numbers(row)
    return redirect(url_for("inbox.index"))


def _flash_numbers(row: TaskRow) -> None:
    """Tell the person the number the system just gave (arrival number, directive number)."""
    if row.spec_name not in ("register_incoming", "issue", "issue_report"):
        return
    data = engine().data(row.case_id)
    if row.spec_name == "register_incoming" and data.get("arrival_number") is not None:
        flash(_("Văn bản đã được vào sổ đến, số đến: %(number)s.", number=data["arrival_number"]), "info")
    document = data.get("report" if row.spec_name == "issue_report" else "directive")
    if isinstance(document, Mapping) and document.get("notation"):
        flash(_("Văn bản đã được cấp số: %(notation)s.", notation=document["notation"]), "info")


@bp.post("/tasks/<task_id>/handover")
@login_required  # type: ignore[untyped-decorator]
def handover(task_id: str) -> Response | tuple[str, int]:
    """Hand the task to a colleague of the same role and unit, with a reason that is recorded."""
    row = task_for_me(task_id, acting=True)
    to_user = request.form.get("to_user", "").strip()
    reason = request.form.get("reason", "").strip()
    colleagues = _colleagues(row)
    problems = {}
    if to_user not in colleagues:
        problems["to_user"] = _("Chọn đồng nghiệp nhận việc.")
    if not reason:
        problems["reason"] = _("Cần ghi lý do chuyển việc.")
    elif len(reason) > REASON_MAX:
        problems["reason"] = _("Tối đa %(max)d ký tự.", max=REASON_MAX)
    if problems:
        values = {"to_user": to_user, "reason": reason}
        return _render(row, handover=values, handover_errors=problems), 422
    engine().reassign(task_id, me().username, to_user, reason)
    flash(_("Đã chuyển việc “%(title)s” cho %(name)s.", title=step_label(row.title), name=colleagues[to_user]), "info")
    return redirect(url_for("inbox.index"))


REGISTER_FORM = "register_incoming"


def incoming_values() -> dict[str, Any]:
    """What the registration form opens with: today as the day the letter arrived."""
    return starting_values(_schema_for(REGISTER_FORM), {})


def incoming_page(
    *,
    values: Mapping[str, Any] | None = None,
    errors: Sequence[FieldError] = (),
    package_error: str | None = None,
    kept: PendingPackage | None = None,
    duplicates: Sequence[IncomingDocument] = (),
) -> str:
    """The page where a clerk enters a letter that arrived (or hands in its edXML package)."""
    schema = _schema_for(REGISTER_FORM)
    fields, summary = describe(schema, incoming_values() if values is None else values, form_options(schema), errors)
    return render_template(
        "tasks/new_incoming.html",
        fields=fields,
        summary=summary,
        package_error=package_error,
        kept=kept,
        duplicates=duplicates,
    )


def _already_registered(data: Mapping[str, Any]) -> list[IncomingDocument]:
    """Letters already in the incoming register with the typed sender and number, that year.

    ND30 (Phụ lục VI) asks for a warning, not a refusal: the same letter may rightly arrive twice
    (on paper and electronically), and only the clerk can tell. Nothing is checked while the
    fields themselves are not valid yet; the form's own errors come first.
    """
    agency = agency_code(db())
    issuer, number, day = (
        str(data.get(k) or "").strip() for k in ("incoming_issuer", "incoming_number", "incoming_date")
    )
    if agency is None or not issuer or not number:
        return []
    try:
        doc_date = date.fromisoformat(day)
    except ValueError:
        return []
    try:
        return find_duplicates(db(), agency, issuer, number, doc_date)
    except ValueError:  # over-long text: the form's validation names the field
        return []


@bp.route("/incoming/new", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def new_incoming() -> str | Response | tuple[str, int]:
    """A clerk enters a letter that arrived; the case opens only when the letter is registered.

    The case is started and its registration completed in this one request: bad data comes back
    at its fields and the refusal rolls everything back, so no half-opened case is left behind.
    A letter read from an edXML package brings its files, attached once it is registered.
    """
    user = me()
    if not user.holds("clerk"):
        abort(403)
    if request.method == "GET":
        return incoming_page()
    schema = _schema_for(REGISTER_FORM)
    data = collect(schema, request.form, form_options(schema))
    token = request.form.get("package_token", "")
    kept = pending(token) if token else None
    if token and kept is None:
        message = _("Gói tin không còn được giữ (đã vào sổ hoặc quá một ngày): vui lòng chọn lại tệp gói tin.")
        return incoming_page(values=data, package_error=message), 422
    if not request.form.get("confirm_duplicate"):
        duplicates = _already_registered(data)
        if duplicates:
            # Shown again with the letters found; the clerk confirms past the warning or stops.
            return incoming_page(values=data, kept=kept, duplicates=duplicates), 409
    result = engine().start("directive_lifecycle", user.username)
    first = next((t for t in result.new_tasks if engine().may_do(user.username, t)), None)
    if first is None:
        # A clerk of another unit than the agency: the registration is not theirs to do.
        abort(403)
    try:
        engine().complete(first.id, user.username, data)
    except InvalidTaskData as exc:
        return incoming_page(values=data, errors=exc.errors, kept=kept), 422
    if kept is not None:
        attach(kept, result.instance_id, first.id, user.username, runtime().services.clock.now())
    flash(_("Đã hoàn thành: %(title)s", title=step_label(first.title)), "info")
    _flash_numbers(first)
    return redirect(url_for("inbox.index"))


OWN_FORM = "own_initiative"
#: Who may start a directive of the agency's own initiative: in their own division.
STARTER_ROLES = ("specialist", "division_head")


def own_divisions() -> list[str]:
    """The divisions where the signed-in person may start a directive (head or specialist there)."""
    return sorted({unit for role, unit in me().roles if role in STARTER_ROLES})


def _own_options() -> FormOptions:
    options = form_options(_schema_for(OWN_FORM))
    mine = set(own_divisions())
    choices = dict(options.choices)
    choices["lead_division"] = [c for c in choices.get("lead_division", []) if c.value in mine]
    return FormOptions(choices=choices, labels=options.labels, hints=options.hints, first=options.first)


def own_directive_page(*, values: Mapping[str, Any] | None = None, errors: Sequence[FieldError] = ()) -> str:
    """The page where a head of division or a specialist starts a directive without an incoming letter."""
    schema = _schema_for(OWN_FORM)
    divisions = own_divisions()
    start = {"lead_division": divisions[0]} if len(divisions) == 1 else {}
    shown = {**starting_values(schema, {}), **start} if values is None else values
    fields, summary = describe(schema, shown, _own_options(), errors)
    return render_template("tasks/new_directive.html", fields=fields, summary=summary)


@bp.route("/directives/new", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def new_directive() -> str | Response | tuple[str, int]:
    """A head of division or a specialist starts a directive of the agency's own initiative.

    As a letter's registration does, the case opens only when the form is valid (nothing is kept
    otherwise); it starts at drafting in the chosen division, the starter's own. A specialist who
    starts it is given the draft at once.
    """
    user = me()
    if not own_divisions():
        abort(403)
    if request.method == "GET":
        return own_directive_page()
    schema = _schema_for(OWN_FORM)
    data = collect(schema, request.form, _own_options())
    now = runtime().services.clock.now()
    try:
        cleaned = runtime().services.forms(db()).validate(OWN_FORM, data, now=now)
    except InvalidTaskData as exc:
        return own_directive_page(values=data, errors=exc.errors), 422
    if cleaned["lead_division"] not in own_divisions():
        wrong = FieldError(
            "lead_division",
            "Đơn vị chủ trì",
            "Lead division",
            msg.NOT_OWN_DIVISION.vi,
            msg.NOT_OWN_DIVISION.en,
            msg.NOT_OWN_DIVISION.code,
        )
        return own_directive_page(values=data, errors=[wrong]), 422
    start = {"origin": "own", "supporting_divisions": [], **cleaned}
    result = engine().start("directive_lifecycle", user.username, start, title=cleaned["draft_subject"])
    drafting = next((t for t in result.new_tasks if t.spec_name == "draft"), None)
    if drafting is not None and engine().may_do(user.username, drafting):
        engine().claim(drafting.id, user.username)
        flash(_("Đã mở hồ sơ công văn mới; mời bạn soạn dự thảo."), "info")
        return redirect(url_for("tasks.show", task_id=drafting.id))
    flash(_("Đã mở hồ sơ công văn mới và giao chuyên viên của phòng soạn dự thảo."), "info")
    return redirect(url_for("inbox.index"))
