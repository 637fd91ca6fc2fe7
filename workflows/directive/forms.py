"""The forms of the directive workflows, one per ``formKey`` named in bpmn/README.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, validates_schema

from workflows.calendar import OutsideCalendar, WorkingCalendar
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
from workflows.forms.messages import Message

#: Độ khẩn, from least to most urgent (ND30: Khẩn < Thượng khẩn < Hỏa tốc).
URGENCIES = ("thuong", "khan", "thuong_khan", "hoa_toc")
#: Purpose tags after a "Nơi nhận" line; custom usage, not defined by ND30 (see DOMAIN §1.4).
CC_TAGS = ("B/c", "T/h", "đ/b", "p/h", "")
FIGURES = ("articles", "banners", "sessions", "participants", "online_posts")

# Number, then "-" or "/", then code segments joined by "-" or "/": 2104-CV/BTGTU,
# 57/SVHTTDL-QLVHGĐ, 30/2020/NĐ-CP. Letters include Vietnamese ones (Đ); "." and "&" occur in codes.
DOCUMENT_NUMBER = r"[0-9]+[-/](?:[^\W_]|[.&])+(?:[-/](?:[^\W_]|[.&])+)*"

UNIT_CODE_LENGTH = 64


def _unit(label_vi: str, label_en: str, **kwargs: Any) -> Text:
    return Text(label_vi, label_en, validate=nonblank(UNIT_CODE_LENGTH), **kwargs)


def _deadline_problem(form: FormSchema, day: object, past: Message = msg.DEADLINE_PAST) -> Message | None:
    """What is wrong with a deadline, if anything: before today, or on a day offices do not work.

    A deadline before today (``form_context["today"]``) would be overdue the moment it is set. One
    on a weekend or holiday (by ``form_context["calendar"]``, the calendar deadlines are counted
    in) is refused rather than moved: the date is printed in the letter and on the handling slip as
    the leader chose it, so the person who sets it picks the working day; the message names one.
    """
    today, calendar = form.form_context.get("today"), form.form_context.get("calendar")
    if not isinstance(day, dt.date):
        return None
    if isinstance(today, dt.date) and day < today:
        return past.format(today=dmy(today))
    if isinstance(calendar, WorkingCalendar) and not calendar.is_working_day(day):
        return _day_off(day, calendar)
    return None


_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SATURDAY = 5


def _day_off(day: dt.date, calendar: WorkingCalendar) -> Message:
    """The day-off message for ``day``, naming the next working day (the one before at the calendar's end)."""
    try:
        suggestion = calendar.next_working_day(day)
    except OutsideCalendar:
        suggestion = calendar.previous_working_day(day)
    weekend = day.weekday() >= _SATURDAY
    return msg.DEADLINE_DAY_OFF.format(
        day=dmy(day),
        why_vi=_WEEKDAYS_VI[day.weekday()] if weekend else "ngày nghỉ lễ, nghỉ bù",
        why_en=_WEEKDAYS_EN[day.weekday()] if weekend else "a public or compensatory holiday",
        suggestion_vi=f"{_WEEKDAYS_VI[suggestion.weekday()]} {dmy(suggestion)}",
        suggestion_en=f"{_WEEKDAYS_EN[suggestion.weekday()]} {dmy(suggestion)}",
    )


def _refuse_bad_deadline(form: FormSchema, data: dict[str, Any], field: str) -> None:
    problem = _deadline_problem(form, data.get(field))
    if problem is not None:
        raise ValidationError(problem, field_name=field)


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
        _refuse_bad_deadline(self, data, "handling_deadline")


class CcForm(FormSchema):
    """One further line of "Nơi nhận", e.g. ``{"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"}``."""

    name = Text("Tên", "Name", required=True, validate=nonblank(255))
    tag = Text("Mục đích gửi", "Purpose", load_default="", validate=one_of(CC_TAGS))


class DraftForm(FormSchema):
    """Dự thảo công văn: the parts of the outgoing letter."""

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
    report_deadline = Day("Hạn báo cáo", "Report deadline", required=True)
    cc = Items("Nơi nhận khác", "Copies to", Group("Nơi nhận", "Recipient", CcForm), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        _refuse_bad_deadline(self, data, "report_deadline")


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


class FiguresForm(FormSchema):
    """What a unit did, in numbers."""

    articles = _figure("Số tin, bài", "Articles")
    banners = _figure("Số băng rôn, khẩu hiệu", "Banners and slogans")
    sessions = _figure("Số buổi tuyên truyền", "Sessions held")
    participants = _figure("Số lượt người tham dự", "Participants")
    online_posts = _figure("Số bài đăng trên mạng", "Online posts")


def _no_figures() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


class UnitReportForm(FormSchema):
    """Triển khai và báo cáo: a recipient unit's report."""

    report_number = Text("Số ký hiệu báo cáo", "Report number", load_default="", validate=at_most(50))
    report_date = Day("Ngày báo cáo", "Report date", required=True)
    figures = Group("Số liệu", "Figures", FiguresForm, load_default=_no_figures)
    narrative = Text("Nội dung báo cáo", "Narrative", required=True, validate=nonblank(5000))


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
        problem = _deadline_problem(self, resubmit_by, past=msg.RESUBMIT_BY_PAST)
        if problem is not None:
            problems["resubmit_by"] = [problem]
        if problems:
            raise ValidationError(problems)


DIRECTIVE_FORMS: dict[str, type[FormSchema]] = {
    "register_incoming": RegisterIncomingForm,
    "instruct": InstructForm,
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
    """Register the form of every user task of ``directive_lifecycle`` and ``unit_execution``."""
    for form_key, schema_cls in DIRECTIVE_FORMS.items():
        registry.register(form_key, schema_cls)
