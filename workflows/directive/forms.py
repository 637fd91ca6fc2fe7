"""The forms of the directive workflows, one per ``formKey`` named in bpmn/README.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, post_load, validates_schema

from workflows.directive.deadline_rules import deadline_problem, refuse_bad_deadline
from workflows.directive.report_definition import ReportDefinition, default_template, definition_of, templates
from workflows.forms import messages as msg
from workflows.forms.base import (
    Count,
    Day,
    FormRegistry,
    FormSchema,
    Group,
    Items,
    Text,
    at_least_items,
    at_most,
    dmy,
    matches,
    non_negative,
    nonblank,
    one_of,
)

#: Độ khẩn, from least to most urgent (ND30: Khẩn < Thượng khẩn < Hỏa tốc).
URGENCIES = ("thuong", "khan", "thuong_khan", "hoa_toc")
#: Purpose tags after a "Nơi nhận" line; custom usage, not defined by ND30 (see docs/nd30.md §2).
CC_TAGS = ("B/c", "T/h", "đ/b", "p/h", "")
#: The figures of the default report template (see report_definition.py).
FIGURES = tuple(f.name for f in default_template().definition.figures)

# Number, then "-" or "/", then code segments joined by "-" or "/": 15-CV/BTG,
# 57/SNN-TCCB, 30/2020/NĐ-CP. Letters include Vietnamese ones (Đ); "." and "&" occur in codes.
DOCUMENT_NUMBER = r"[0-9]+[-/](?:[^\W_]|[.&])+(?:[-/](?:[^\W_]|[.&])+)*"

UNIT_CODE_LENGTH = 64


def _unit(label_vi: str, label_en: str, **kwargs: Any) -> Text:
    return Text(label_vi, label_en, validate=nonblank(UNIT_CODE_LENGTH), **kwargs)


def _note(label_vi: str, label_en: str) -> Text:
    return Text(label_vi, label_en, load_default="", validate=at_most(2000))


class RegisterIncomingForm(FormSchema):
    """Tiếp nhận văn bản đến: the incoming letter as registered by the clerk.

    With ``context={"today": date}`` a date received after today is refused.
    """

    incoming_issuer = Text("Cơ quan ban hành", "Issuing body", required=True, validate=nonblank(255))
    incoming_number = Text(
        "Số ký hiệu",
        "Number and notation",
        required=True,
        validate=[*nonblank(50), matches(DOCUMENT_NUMBER, msg.BAD_DOCUMENT_NUMBER)],
    )
    incoming_date = Day("Ngày văn bản", "Document date", required=True)
    incoming_subject = Text("Trích yếu", "Subject", required=True, validate=nonblank(500))
    urgency = Text("Độ khẩn", "Urgency", load_default="thuong", validate=one_of(URGENCIES))
    incoming_received_date = Day("Ngày đến", "Date received", required=True)

    @validates_schema(skip_on_field_errors=False)
    def _dated_before_arrival(self, data: dict[str, Any], **kwargs: Any) -> None:
        issued, received = data.get("incoming_date"), data.get("incoming_received_date")
        problems: dict[str, list[str]] = {}
        if isinstance(issued, dt.date) and isinstance(received, dt.date) and issued > received:
            problems["incoming_date"] = [msg.DATE_AFTER_RECEIVED]
        # The register's "Ngày đến" is this date: a letter cannot have arrived tomorrow.
        today = self.form_context.get("today")
        if isinstance(received, dt.date) and isinstance(today, dt.date) and received > today:
            problems["incoming_received_date"] = [msg.RECEIVED_IN_FUTURE.format(today=dmy(today))]
        if problems:
            raise ValidationError(problems)


class InstructForm(FormSchema):
    """Ý kiến chỉ đạo: the director names the lead and supporting divisions, signer and deadline."""

    lead_division = _unit("Đơn vị chủ trì", "Lead division", required=True)
    supporting_divisions = Items(
        "Đơn vị phối hợp",
        "Supporting divisions",
        _unit("Đơn vị phối hợp", "Supporting division"),
        load_default=list,
    )
    signer = Text("Lãnh đạo ký", "Signer", required=True, validate=nonblank(150))
    handling_deadline = Day("Thời hạn giải quyết", "Handling deadline", required=True)
    instruction = _note("Ý kiến chỉ đạo", "Instruction")

    @validates_schema(skip_on_field_errors=False)
    def _lead_not_supporting(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("lead_division") in data.get("supporting_divisions", []):
            raise ValidationError(msg.LEAD_ALSO_SUPPORTING, field_name="supporting_divisions")

    @validates_schema(skip_on_field_errors=False)
    def _deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        refuse_bad_deadline(self, data, "handling_deadline")


class OwnInitiativeForm(FormSchema):
    """Soạn công văn mới: a directive of the agency's own initiative, started in a division.

    What the director's instruction gives a letter that arrived, the person who starts it gives
    here: the subject, its urgency, the leader who will sign and the drafting deadline.
    """

    draft_subject = Text("Trích yếu", "Subject", required=True, validate=nonblank(500))
    urgency = Text("Độ khẩn", "Urgency", load_default="thuong", validate=one_of(URGENCIES))
    lead_division = _unit("Đơn vị chủ trì", "Lead division", required=True)
    signer = Text("Lãnh đạo ký", "Signer", required=True, validate=nonblank(150))
    handling_deadline = Day("Hạn trình ký", "Drafting deadline", required=True)
    instruction = _note("Ghi chú giao soạn thảo", "Note to the drafter")

    @validates_schema(skip_on_field_errors=False)
    def _deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        refuse_bad_deadline(self, data, "handling_deadline")


class CcForm(FormSchema):
    """One further line of "Nơi nhận", e.g. ``{"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"}``."""

    name = Text("Tên", "Name", required=True, validate=nonblank(255))
    tag = Text("Mục đích gửi", "Purpose", load_default="", validate=one_of(CC_TAGS))


#: A figure's or question's key in the units' reports: short, plain and stable.
NAME = r"[a-z][a-z0-9_]{0,39}"
YES_NO = ("yes", "no")


class FigureDefinitionForm(FormSchema):
    """One figure units report, e.g. ``{"label": "Số buổi tập huấn", "unit": "buổi"}``; the name is optional."""

    label = Text("Tên số liệu", "Figure", required=True, validate=nonblank(200))
    unit = Text("Đơn vị tính", "Unit of measure", required=True, validate=nonblank(100))
    name = Text("Mã số liệu", "Key", load_default="", validate=[at_most(40), matches(f"(?:{NAME})?", msg.BAD_NAME)])
    label_en = Text("Tên số liệu (tiếng Anh)", "Figure (English)", load_default="", validate=at_most(200))


class QuestionDefinitionForm(FormSchema):
    """One question units answer in words; required unless told otherwise."""

    text = Text("Câu hỏi", "Question", required=True, validate=nonblank(1000))
    # A blank choice is "yes": a page's spare rows then stay blank and are left out.
    required = Text("Bắt buộc trả lời", "Answer required", load_default="yes", validate=one_of((*YES_NO, "")))
    name = Text("Mã câu hỏi", "Key", load_default="", validate=[at_most(40), matches(f"(?:{NAME})?", msg.BAD_NAME)])


def _named(items: list[dict[str, Any]], prefix: str, taken: set[str]) -> list[dict[str, Any]]:
    """Give every item without a name the next free ``prefix_N``."""
    named = []
    for index, item in enumerate(items, start=1):
        name = str(item.get("name") or "")
        if not name:
            counter = index
            while f"{prefix}_{counter}" in taken:
                counter += 1
            name = f"{prefix}_{counter}"
        taken.add(name)
        named.append({**item, "name": name})
    return named


def _template_choices() -> tuple[str, ...]:
    return ("", *templates())


class DraftForm(FormSchema):
    """Dự thảo công văn: the parts of the outgoing letter, and what the units must report.

    With ``report_required`` "yes" the units report by ``report_deadline`` the figures and
    questions defined here, or those of the template ``report_template`` (the agency's default
    template when neither is given). With "no" they only acknowledge; the directive closes when all
    have, or on ``close_by`` if the drafter sets it. ``named_groups`` lists the recipient groups
    whose units the Kính gửi lines name one by one instead of naming the group.
    """

    draft_subject = Text("Trích yếu", "Subject", required=True, validate=nonblank(500))
    # ND30 Đ10.2: the drafter sets the outgoing letter's own urgency (it opens as the incoming one's).
    draft_urgency = Text("Độ khẩn", "Urgency", load_default="thuong", validate=one_of(URGENCIES))
    draft_basis = Text("Căn cứ", "Basis", required=True, validate=nonblank(2000))
    draft_intro = Text("Phần mở đầu", "Introduction", required=True, validate=nonblank(5000))
    draft_tasks = Items(
        "Các nhiệm vụ",
        "Tasks",
        Text("Nhiệm vụ", "Task", validate=nonblank(5000)),
        required=True,
        validate=at_least_items(1),
    )
    draft_closing = Text("Phần kết", "Closing", required=True, validate=nonblank(2000))
    recipient_groups = Items(
        "Nhóm nơi nhận",
        "Recipient groups",
        _unit("Nhóm nơi nhận", "Recipient group"),
        required=True,
        validate=at_least_items(1),
    )
    named_groups = Items(
        "Nhóm ghi tên từng đơn vị",
        "Groups whose units are named one by one",
        _unit("Nhóm ghi tên từng đơn vị", "Group named unit by unit"),
        load_default=list,
    )
    report_required = Text("Yêu cầu đơn vị báo cáo", "Units must report", load_default="yes", validate=one_of(YES_NO))
    report_deadline = Day("Hạn báo cáo", "Report deadline", load_default=None)
    report_template = Text("Mẫu báo cáo", "Report template", load_default="", validate=at_most(64))
    report_figures = Items(
        "Số liệu đơn vị báo cáo",
        "Figures units report",
        Group("Số liệu", "Figure", FigureDefinitionForm),
        load_default=list,
    )
    report_questions = Items(
        "Câu hỏi đơn vị trả lời",
        "Questions units answer",
        Group("Câu hỏi", "Question", QuestionDefinitionForm),
        load_default=list,
    )
    close_by = Day("Ngày kết thúc theo dõi (khi không yêu cầu báo cáo)", "Close on (when no report)", load_default=None)
    cc = Items("Nơi nhận khác", "Copies to", Group("Nơi nhận", "Recipient", CcForm), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("report_required", "yes") == "yes":
            if "report_deadline" in data and data["report_deadline"] is None:
                raise ValidationError(msg.REPORT_DEADLINE_REQUIRED, field_name="report_deadline")
            refuse_bad_deadline(self, data, "report_deadline")
        else:
            refuse_bad_deadline(self, data, "close_by")

    @validates_schema(skip_on_field_errors=False)
    def _known_template(self, data: dict[str, Any], **kwargs: Any) -> None:
        code = data.get("report_template")
        if code and code not in templates():
            choices = ", ".join(f'"{c}"' for c in _template_choices())
            raise ValidationError(msg.NOT_ALLOWED.format(input=code, labels=choices), field_name="report_template")

    @validates_schema(skip_on_field_errors=False)
    def _names_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        problems: dict[str, list[str]] = {}
        for key in ("report_figures", "report_questions"):
            for index, item in enumerate(data.get(key) or []):
                name = str(item.get("name") or "")
                if name and name in seen:
                    problems[f"{key}.{index}.name"] = [msg.DUPLICATE_NAME.format(name=name)]
                seen.add(name)
        if problems:
            raise ValidationError(problems)

    @validates_schema(skip_on_field_errors=False)
    def _named_groups_chosen(self, data: dict[str, Any], **kwargs: Any) -> None:
        chosen = set(data.get("recipient_groups") or [])
        for index, code in enumerate(data.get("named_groups") or []):
            if "recipient_groups" in data and code not in chosen:
                raise ValidationError(msg.NAMED_GROUP_NOT_CHOSEN, field_name=f"named_groups.{index}")

    @post_load
    def _resolve_report(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # The case keeps the report as units will see it: a template picked (or none defined)
        # becomes the directive's own definition, and every figure and question gets its key.
        if data.get("report_required", "yes") != "yes":
            return {**data, "report_deadline": None, "report_figures": [], "report_questions": []}
        figures, questions = data.get("report_figures") or [], data.get("report_questions") or []
        if not figures and not questions:
            code = data.get("report_template") or ""
            chosen: ReportDefinition = (templates()[code] if code else default_template()).definition
            resolved = chosen.as_data()
            figures, questions = resolved["report_figures"], resolved["report_questions"]
        questions = [{**q, "required": q.get("required") or "yes"} for q in questions]
        taken = {str(item.get("name")) for item in [*figures, *questions] if item.get("name")}
        return {
            **data,
            "close_by": None,
            "report_figures": _named(figures, "figure", taken),
            "report_questions": _named(questions, "question", taken),
        }


class _DecisionForm(FormSchema):
    """A decision that needs a comment when it sends the work back.

    With ``form_context["task_data"]`` (the case so far), a draft whose report deadline has passed
    cannot go forward: the công văn would be dated after the deadline it sets.
    """

    comment = _note("Ý kiến", "Comment")

    @validates_schema(skip_on_field_errors=False)
    def _comment_to_return(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A comment that failed its own check is absent from data and already reported.
        if data.get("decision") == "return" and data.get("comment") == "":
            raise ValidationError(msg.COMMENT_REQUIRED_TO_RETURN, field_name="comment")

    @validates_schema(skip_on_field_errors=False)
    def _draft_deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") not in ("approve", "sign"):
            return
        case: Mapping[str, Any] = self.form_context.get("task_data") or {}
        today = self.form_context.get("today")
        # Once the directive is issued, the signature is the report upward's, dated after the deadline.
        if case.get("directive") or not isinstance(today, dt.date):
            return
        try:
            deadline = dt.date.fromisoformat(str(case.get("report_deadline")))
        except ValueError:
            return
        if deadline < today:
            message = msg.DRAFT_DEADLINE_PASSED.format(deadline=dmy(deadline), today=dmy(today))
            raise ValidationError(message, field_name="decision")


class ReviewForm(_DecisionForm):
    """Kiểm tra nội dung / thể thức: approve the draft or return it."""

    decision = Text("Quyết định", "Decision", required=True, validate=one_of(("approve", "return")))


class SignForm(_DecisionForm):
    """Ký duyệt: sign the draft or return it."""

    decision = Text("Quyết định", "Decision", required=True, validate=one_of(("sign", "return")))


class IssueForm(FormSchema):
    """Cấp số, phát hành: the clerk's note; number and date are given by the system."""

    issue_note = _note("Ghi chú phát hành", "Issue note")


class ConsolidateForm(FormSchema):
    """Tổng hợp báo cáo: the report upward built from the units' reports."""

    report_subject = Text("Trích yếu báo cáo", "Report subject", required=True, validate=nonblank(500))
    # The generated draft quotes every unit's narrative: a few hundred units need room.
    report_body = Text("Nội dung báo cáo", "Report body", required=True, validate=nonblank(400_000))


class AcknowledgeForm(FormSchema):
    """Tiếp nhận công văn at a recipient unit."""

    acknowledge_note = _note("Ghi chú tiếp nhận", "Acknowledgement note")


def _figure(label_vi: str, label_en: str) -> Count:
    return Count(label_vi, label_en, load_default=0, validate=non_negative())


def figures_form(definition: ReportDefinition) -> type[FormSchema]:
    """The figures of a report as a form: each a whole number of zero or more, none other accepted."""
    fields: dict[str, Any] = {f.name: _figure(f.label, f.label_en or f.label) for f in definition.figures}
    return FormSchema.from_dict(fields, name="FiguresForm")  # type: ignore[return-value]


def answers_form(definition: ReportDefinition) -> type[FormSchema]:
    """The questions of a report as a form: an answer in words to each, required ones not blank."""
    fields: dict[str, Any] = {
        q.name: (
            Text(q.text, q.text, required=True, validate=nonblank(5000))
            if q.required
            else Text(q.text, q.text, load_default="", validate=at_most(5000))
        )
        for q in definition.questions
    }
    return FormSchema.from_dict(fields, name="AnswersForm")  # type: ignore[return-value]


#: The figures of the agency's default template: those of a unit report whose case defines none.
FiguresForm = figures_form(default_template().definition)


class UnitReportForm(FormSchema):
    """Triển khai và báo cáo: a recipient unit's report, with the figures and questions its directive defines."""

    report_number = Text("Số ký hiệu báo cáo", "Report number", load_default="", validate=at_most(50))
    report_date = Day("Ngày báo cáo", "Report date", required=True)
    figures = Group("Số liệu", "Figures", FiguresForm, load_default=lambda: dict.fromkeys(FIGURES, 0))
    narrative = Text("Nội dung báo cáo", "Narrative", required=True, validate=nonblank(5000))

    @classmethod
    def for_task(cls, task_data: Mapping[str, Any] | None) -> type[FormSchema]:
        """The report form of the unit's directive: its own figures and questions."""
        return unit_report_form(definition_of(task_data))


def unit_report_form(definition: ReportDefinition) -> type[FormSchema]:
    """A unit report form for a definition: figures (if any), answers (if any questions), narrative."""
    names = [f.name for f in definition.figures]
    fields: dict[str, Any] = {
        "report_number": Text("Số ký hiệu báo cáo", "Report number", load_default="", validate=at_most(50)),
        "report_date": Day("Ngày báo cáo", "Report date", required=True),
    }
    if definition.figures:
        fields["figures"] = Group(
            "Số liệu", "Figures", figures_form(definition), load_default=lambda: dict.fromkeys(names, 0)
        )
    if definition.questions:
        must_answer = any(q.required for q in definition.questions)
        fields["answers"] = (
            Group("Trả lời câu hỏi", "Answers", answers_form(definition), required=True)
            if must_answer
            else Group("Trả lời câu hỏi", "Answers", answers_form(definition), load_default=dict)
        )
    fields["narrative"] = Text("Nội dung báo cáo", "Narrative", required=True, validate=nonblank(5000))
    return FormSchema.from_dict(fields, name="UnitReportForm")  # type: ignore[return-value]


class ReviewReportForm(FormSchema):
    """Kiểm tra báo cáo: accept a unit's report or ask for more by a new date.

    With ``context={"today": date}`` a resubmission date in the past is refused.
    """

    decision = Text("Kết quả kiểm tra", "Decision", required=True, validate=one_of(("accept", "more")))
    comment = _note("Ý kiến", "Comment")
    resubmit_by = Day("Hạn nộp lại", "Resubmit by", load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _more_needs_comment_and_date(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems: dict[str, list[str]] = {}
        resubmit_by = data.get("resubmit_by")
        if data.get("decision") == "more":
            if data.get("comment") == "":
                problems["comment"] = [msg.COMMENT_REQUIRED_FOR_MORE]
            if "resubmit_by" in data and resubmit_by is None:
                problems["resubmit_by"] = [msg.RESUBMIT_BY_REQUIRED]
        problem = deadline_problem(self, resubmit_by, past=msg.RESUBMIT_BY_PAST)
        if problem is not None:
            problems["resubmit_by"] = [problem]
        if problems:
            raise ValidationError(problems)


DIRECTIVE_FORMS: dict[str, type[FormSchema]] = {
    "register_incoming": RegisterIncomingForm,
    "instruct": InstructForm,
    "own_initiative": OwnInitiativeForm,
    "draft": DraftForm,
    "review": ReviewForm,
    "sign": SignForm,
    "issue": IssueForm,
    "consolidate": ConsolidateForm,
    "acknowledge": AcknowledgeForm,
    "unit_report": UnitReportForm,
    "review_report": ReviewReportForm,
}


def register_directive_forms(registry: FormRegistry) -> None:
    """Register the form of every user task of ``directive_lifecycle``, ``unit_execution`` and ``reminder_round``."""
    from workflows.directive.round_forms import ROUND_FORMS  # its forms build on these: imported once both exist

    for form_key, schema_cls in {**DIRECTIVE_FORMS, **ROUND_FORMS}.items():
        registry.register(form_key, schema_cls)
