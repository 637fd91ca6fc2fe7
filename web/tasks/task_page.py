"""What a task page shows besides its form: the case, its documents and the earlier steps' comments.

Also the parts of a form the schema cannot give: choices from the org chart, labels of coded
values, hints, and the values a step starts with.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from sqlalchemy import select
from werkzeug.routing import BuildError

from engine.models import ProcessInstance, TaskRow
from web.accounts.auth import me
from web.cases.case_access import access_to
from web.cases.case_view import DIRECTIVE_KEYS
from web.cases.document_access import visible_documents
from web.core.labels import DECISIONS, URGENCIES, step_label
from web.core.requests import db, directory, engine, runtime
from web.tasks.form_fields import Choice, FormOptions, english
from workflows.calendar import LOCAL_TZ
from workflows.directive.case_documents import CaseDocument
from workflows.directive.checks import may_lead
from workflows.directive.report_definition import definition_of, templates
from workflows.orgchart.models import RecipientGroup, Setting, Unit, User

CC_TAGS = {
    "": _l("(không ghi)"),
    "B/c": _l("B/c (để báo cáo)"),
    "T/h": _l("T/h (để thực hiện)"),
    "đ/b": _l("đ/b (để biết)"),
    "p/h": _l("p/h (để phối hợp)"),
}
YES_NO = {"yes": _l("Có"), "no": _l("Không")}
#: What a person decides afresh at every round: never filled in from an earlier round.
FRESH_FIELDS = frozenset({"decision", "comment", "resubmit_by", "issue_note"})


def _today() -> date:
    return runtime().services.clock.now().astimezone(LOCAL_TZ).date()


def agency_code() -> str:
    """The code of the agency whose directives these are."""
    return str(db().scalar(select(Setting.value).where(Setting.key == "agency")) or "")


# --- form options -------------------------------------------------------------------------------


def _divisions() -> list[Choice]:
    query = (
        select(Unit)
        .where(Unit.kind == "division", Unit.parent_code == agency_code())
        .order_by(Unit.position, Unit.code)
    )
    return [Choice(unit.code, unit.name) for unit in db().scalars(query) if unit.is_valid_on(_today())]


def _unstaffed_label(name: str) -> str:
    return str(_("%(name)s (chưa đủ người để giao chủ trì)", name=name))


def _leaders() -> list[Choice]:
    names = full_names(directory().holders("leader", agency_code()))
    return [Choice(username, label) for username, label in names.items()]


def _groups() -> list[Choice]:
    query = select(RecipientGroup).order_by(RecipientGroup.position, RecipientGroup.code)
    return [Choice(group.code, group.name) for group in db().scalars(query)]


def _decision_hint(schema: Schema) -> str | None:
    decision = schema.fields.get("decision")
    codes = {str(c) for rule in (decision.validators if decision else []) for c in getattr(rule, "choices", [])}
    if "return" in codes:
        return str(_("Bắt buộc khi trả lại dự thảo: nêu rõ nội dung cần sửa."))
    if "more" in codes:
        return str(_("Bắt buộc khi yêu cầu bổ sung: nêu rõ nội dung cần bổ sung."))
    return None


def form_options(schema_cls: type[Schema]) -> FormOptions:
    """Choices, labels and hints of a form; org-chart lists are read only for the fields that need them."""
    schema = schema_cls()
    keys = set(schema.fields)
    choices: dict[str, list[Choice]] = {}
    if keys & {"lead_division", "supporting_divisions"}:
        divisions = _divisions()
        # A division without the people to draft and check is offered, marked: choosing it is refused.
        leads = [
            choice if may_lead(db(), choice.value) else Choice(choice.value, _unstaffed_label(choice.label))
            for choice in divisions
        ]
        choices.update(lead_division=leads, supporting_divisions=divisions)
    if "signer" in keys:
        choices["signer"] = _leaders()
    if "recipient_groups" in keys:
        choices["recipient_groups"] = _groups()
    if "named_groups" in keys:
        choices["named_groups"] = _groups()
    if "report_questions" in keys:
        # Blank is "yes", so that the spare rows of the page stay blank.
        choices["report_questions.required"] = [Choice("", str(_("Có"))), Choice("no", str(_("Không")))]
    if "report_template" in keys:
        choices["report_template"] = [Choice(code, template.name) for code, template in templates().items()]
    hints = {
        "incoming_number": _("Ví dụ: 15/UBND-VX hoặc 12-CV/TU"),
        "draft_tasks": _("Mỗi nhiệm vụ một dòng; hệ thống tự đánh số khi phát hành."),
        "recipient_groups": _("Chọn ít nhất một nhóm."),
        "cc": _("Các dòng để trống được bỏ qua."),
        "resubmit_by": _("Bắt buộc khi yêu cầu bổ sung."),
        "supporting_divisions": _("Không chọn lại đơn vị chủ trì."),
        "named_groups": _(
            "Nhóm được chọn ở đây được ghi tên từng đơn vị ở dòng Kính gửi; các nhóm khác ghi tên chung."
        ),
        "report_required": _("Chọn “Không” nếu các đơn vị chỉ cần tiếp nhận, không phải báo cáo."),
        "report_template": _(
            "Chọn một mẫu báo cáo của cơ quan, hoặc để trống và tự khai báo số liệu, câu hỏi bên dưới "
            "(không khai báo gì thì dùng mẫu đầu tiên)."
        ),
        "report_figures": _(
            "Mỗi dòng một số liệu (số nguyên, không âm) đơn vị phải báo cáo; các dòng để trống được bỏ qua."
        ),
        "report_questions": _("Mỗi dòng một câu hỏi đơn vị trả lời bằng lời; các dòng để trống được bỏ qua."),
        "close_by": _(
            "Chỉ dùng khi không yêu cầu báo cáo: hết ngày này, công văn kết thúc theo dõi dù còn đơn vị chưa tiếp nhận."
        ),
    }
    comment_hint = _decision_hint(schema)
    if comment_hint:
        hints["comment"] = comment_hint
    labels = {code: str(label) for code, label in {**DECISIONS, **URGENCIES, **CC_TAGS, **YES_NO}.items()}
    hints = {key: str(value) for key, value in hints.items()}
    return FormOptions(choices=choices, labels=labels, hints=hints, first=("decision",))


def starting_values(schema_cls: type[Schema], data: Mapping[str, Any]) -> dict[str, Any]:
    """The values a step's form opens with: the case's current data (a redraft shows the last draft)."""
    keys = set(schema_cls().fields)
    values = {key: data[key] for key in keys - FRESH_FIELDS if data.get(key) is not None}
    today = _today().isoformat()
    defaults = {
        "incoming_received_date": today,
        "report_date": today,
        "draft_subject": data.get("incoming_subject"),
        "draft_urgency": data.get("urgency"),
    }
    for key, value in defaults.items():
        if key in keys and key not in values and value:
            values[key] = value
    return values


# --- who and what -------------------------------------------------------------------------------


def full_names(usernames: Iterable[str]) -> dict[str, str]:
    """'Full name — position' of each username (the username itself when unknown), in the given order."""
    wanted = list(dict.fromkeys(usernames))
    found = {u.username: u for u in db().scalars(select(User).where(User.username.in_(wanted)))}
    return {
        name: f"{found[name].full_name} — {found[name].position_title}" if name in found else name for name in wanted
    }


def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """The name of each unit code (the code itself when unknown)."""
    wanted = [code for code in dict.fromkeys(codes) if code]
    found = {u.code: u.name for u in db().scalars(select(Unit).where(Unit.code.in_(wanted)))}
    return {code: found.get(code, code) for code in wanted}


# --- the page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierStep:
    """A completed step of the case as the comments list shows it."""

    title: str
    detail: str | None
    by: str
    at: datetime | None
    decision_code: str | None
    decision: str | None
    comment: str | None


@dataclass(frozen=True)
class CasePage:
    """Everything around a task's form."""

    case: ProcessInstance
    data: dict[str, Any]
    unit_data: dict[str, Any] | None
    units: dict[str, str]
    signer: str | None
    steps: list[EarlierStep]
    attachments: list[AttachmentLink]
    case_url: str | None
    documents: dict[str, CaseDocument]


def earlier_steps(row: TaskRow) -> list[EarlierStep]:
    """Completed steps of the task's own instance: a unit's steps stay among that unit and the Sở."""
    query = (
        select(TaskRow)
        .where(TaskRow.instance_id == row.instance_id, TaskRow.state == "completed")
        .order_by(TaskRow.completed_at, TaskRow.created_at, TaskRow.id)
    )
    done = list(db().scalars(query))
    names = full_names(step.completed_by or "" for step in done)
    details = unit_names(step.detail or "" for step in done)
    return [
        EarlierStep(
            title=step_label(step.title),
            detail=details.get(step.detail or "", step.detail),
            by=names.get(step.completed_by or "", ""),
            at=step.completed_at,
            decision_code=step.decision,
            decision=str(DECISIONS.get(step.decision, step.decision)) if step.decision else None,
            comment=step.comment,
        )
        for step in done
    ]


@dataclass(frozen=True)
class AttachmentLink:
    """An attachment as the task page lists it."""

    name: str
    url: str | None


def _url(endpoint: str, **values: Any) -> str | None:
    """The address of a page another part of the application may provide, or None without it."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def attachments_of(case_id: int) -> list[AttachmentLink]:
    """The case's attachments the person may see, once the attachments module exists; none before."""
    try:
        module = importlib.import_module("web.cases.attachment_store")
    except ModuleNotFoundError as exc:
        if exc.name != "web.cases.attachment_store":
            raise
        return []
    return [
        AttachmentLink(str(getattr(item, "filename", item)), _url("attachments.download", attachment_id=item.id))
        for item in module.for_case(case_id)
    ]


def case_page(row: TaskRow) -> CasePage:
    """The case around a task: its data, the unit's own data for a unit's step, names and comments."""
    case = engine().instance(row.case_id)
    data = engine().data(row.case_id)
    access = access_to(db(), me(), row.case_id)
    documents = visible_documents(db(), access, data) if access is not None else []
    if access is None or not access.full:
        # A unit sees the directive it received, not the Sở's internal handling of the letter.
        data = {key: value for key, value in data.items() if key in DIRECTIVE_KEYS}
    unit_data = engine().data(row.instance_id) if row.instance_id != row.case_id else None
    codes = [
        data.get("lead_division"),
        *(data.get("supporting_divisions") or []),
        (unit_data or {}).get("unit"),
        *(r.get("unit") for r in data.get("unit_reports") or [] if isinstance(r, Mapping)),
    ]
    signer = data.get("signer")
    return CasePage(
        case=case,
        data=data,
        unit_data=unit_data,
        units=unit_names(str(code) for code in codes if code),
        signer=full_names([signer])[signer] if signer else None,
        steps=earlier_steps(row),
        attachments=attachments_of(row.case_id),
        case_url=_url("cases.show", case_id=row.case_id),
        documents={found.kind.slug: found for found in documents},
    )


def figure_labels(data: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The figures of the directive's report (in `data`, the case's or the unit's), labelled."""
    figures = definition_of(data).figures
    return {f.name: f.label_en if english() and f.label_en else f.label for f in figures}


def question_labels(data: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The questions of the directive's report (in `data`), as asked."""
    return {q.name: q.text for q in definition_of(data).questions}


def urgency_label(code: str | None) -> str:
    """The readable urgency of a code."""
    return str(URGENCIES.get(code or "", code or ""))


def page_language() -> str:
    """'en' or 'vi', for templates that pick between bilingual texts."""
    return "en" if english() else "vi"
