"""The forms of the directive workflows: the reference case passes, bad data is named field by field."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from workflows.directive import reference_case as case
from workflows.directive.forms import register_directive_forms
from workflows.forms import (
    FieldError,
    FormInvalid,
    FormRegistry,
)

# --- The reference case: letter 2104-CV/BTGTU and the Sở's công văn answering it --------------

SUBJECT, TASKS = case.SUBJECT, case.TASKS

VALID: dict[str, dict[str, Any]] = {
    "register_incoming": dict(case.INCOMING),
    "instruct": {
        "lead_division": "QLVHGD",
        "supporting_divisions": ["VP"],
        "signer": "pgd.hoa",
        "handling_deadline": "2023-03-10",
        "instruction": "Giao Phòng QLVH&GĐ chủ trì tham mưu văn bản triển khai tới các đơn vị.",
    },
    "draft": {
        "draft_subject": SUBJECT,
        "draft_basis": case.BASIS,
        "draft_intro": case.INTRO,
        "draft_tasks": TASKS,
        "draft_closing": case.CLOSING,
        "recipient_groups": ["don_vi_truc_thuoc_so", "phong_vhtt", "trung_tam_vhtt"],
        "report_deadline": "2023-03-24",
        "cc": [
            {"name": "Như trên", "tag": "T/h"},
            {"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"},
            {"name": "GĐ, PGĐ Sở"},
            {"name": "Trang TTĐT Sở", "tag": ""},
        ],
    },
    "own_initiative": {
        "draft_subject": "Tổ chức các hoạt động chào mừng ngày Gia đình Việt Nam",
        "lead_division": "QLVHGD",
        "signer": "pgd.hoa",
        "handling_deadline": "2023-05-12",
    },
    "review": {"decision": "approve"},
    "sign": {"decision": "sign", "comment": "Đồng ý ban hành."},
    "issue": {"issue_note": "Phát hành qua hệ thống và đăng Trang TTĐT Sở."},
    "consolidate": {
        "report_subject": "Kết quả thông tin, tuyên truyền về công tác phòng, chống tham nhũng, tiêu cực",
        "report_body": "Các đơn vị đã triển khai Công văn, đăng 27 tin, bài và tổ chức 12 buổi.",
    },
    "acknowledge": {},
    "unit_report": {
        "report_number": "15/BC-TTVH",
        "report_date": "2023-03-20",
        "figures": {
            "articles": 4,
            "banners": 2,
            "sessions": 3,
            "participants": 120,
            "online_posts": 6,
        },
        "narrative": "Đơn vị đã quán triệt nội dung Công văn tới cán bộ, viên chức.",
    },
    "review_report": {
        "decision": "more",
        "comment": "Bổ sung số liệu tuyên truyền trên mạng xã hội.",
        "resubmit_by": "2023-03-28",
    },
    "round_draft": {
        "letter_subject": "đôn đốc đẩy mạnh thông tin, tuyên truyền (lần 2)",
        "letter_body": "Ngày 09/03/2023, Sở ban hành Công văn số 01/SVHTTDL-QLVHGĐ về việc …",
    },
    "round_review": {"decision": "approve", "comment": ""},
    "round_sign": {"decision": "sign", "comment": ""},
}

#: The task-data variables each form writes (bpmn/README.md, "The data of each step").
VARIABLES = {
    "register_incoming": {
        "incoming_issuer",
        "incoming_number",
        "incoming_date",
        "incoming_subject",
        "urgency",
        "incoming_received_date",
    },
    "instruct": {
        "lead_division",
        "supporting_divisions",
        "signer",
        "handling_deadline",
        "instruction",
    },
    "draft": {
        "draft_subject",
        "draft_urgency",
        "draft_basis",
        "draft_intro",
        "draft_tasks",
        "draft_closing",
        "recipient_groups",
        "named_groups",
        "report_required",
        "report_deadline",
        "report_template",
        "report_figures",
        "report_questions",
        "close_by",
        "cc",
    },
    "own_initiative": {"draft_subject", "urgency", "lead_division", "signer", "handling_deadline", "instruction"},
    "review": {"decision", "comment"},
    "sign": {"decision", "comment"},
    "issue": {"issue_note"},
    "consolidate": {"report_subject", "report_body"},
    "acknowledge": {"acknowledge_note"},
    "unit_report": {"report_number", "report_date", "figures", "narrative"},
    "review_report": {"decision", "comment", "resubmit_by"},
    "round_draft": {"letter_subject", "letter_body"},
    "round_review": {"decision", "comment"},
    "round_sign": {"decision", "comment"},
}


@pytest.fixture
def forms() -> FormRegistry:
    registry = FormRegistry()
    register_directive_forms(registry)
    return registry


def errors_of(forms: FormRegistry, form_key: str, data: dict[str, Any], **kw: Any) -> list[FieldError]:
    with pytest.raises(FormInvalid) as caught:
        forms.validate(form_key, data, **kw)
    assert caught.value.form_key == form_key
    return caught.value.errors


def only_error(forms: FormRegistry, form_key: str, data: dict[str, Any], **kw: Any) -> FieldError:
    errors = errors_of(forms, form_key, data, **kw)
    assert len(errors) == 1, errors
    return errors[0]


def with_(form_key: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID[form_key])
    data.update(changes)
    return data


def without(form_key: str, name: str) -> dict[str, Any]:
    data = copy.deepcopy(VALID[form_key])
    del data[name]
    return data


# --- The reference case passes ----------------------------------------------------------------


def test_every_form_key_of_the_bpmn_readme_is_registered(forms: FormRegistry) -> None:
    assert forms.form_keys() == sorted(VARIABLES)


@pytest.mark.parametrize("form_key", sorted(VALID))
def test_reference_case_is_accepted_as_json_ready_task_data(forms: FormRegistry, form_key: str) -> None:
    cleaned = forms.validate(form_key, VALID[form_key])

    assert set(cleaned) == VARIABLES[form_key]
    assert json.loads(json.dumps(cleaned)) == cleaned


def test_register_incoming_keeps_the_letter_as_written(forms: FormRegistry) -> None:
    cleaned = forms.validate("register_incoming", VALID["register_incoming"])

    assert cleaned == VALID["register_incoming"]


def test_dates_come_out_as_iso_strings_even_from_date_objects(forms: FormRegistry) -> None:
    data = with_("register_incoming", incoming_date=dt.date(2023, 3, 3))

    cleaned = forms.validate("register_incoming", data)

    assert cleaned["incoming_date"] == "2023-03-03"
    assert cleaned["incoming_received_date"] == "2023-03-06"


def test_defaults_fill_what_the_person_left_out(forms: FormRegistry) -> None:
    incoming = forms.validate("register_incoming", without("register_incoming", "urgency"))
    instruct = forms.validate(
        "instruct",
        {k: v for k, v in VALID["instruct"].items() if k in {"lead_division", "signer", "handling_deadline"}},
    )
    draft = forms.validate("draft", without("draft", "cc"))
    report = forms.validate("unit_report", without("unit_report", "figures"))
    review = forms.validate("review_report", {"decision": "accept"})

    assert incoming["urgency"] == "thuong"
    assert instruct["supporting_divisions"] == [] and instruct["instruction"] == ""
    assert draft["cc"] == []
    assert forms.validate("draft", VALID["draft"])["cc"][2] == {"name": "GĐ, PGĐ Sở", "tag": ""}
    assert report["figures"] == dict.fromkeys(["articles", "banners", "sessions", "participants", "online_posts"], 0)
    assert review == {"decision": "accept", "comment": "", "resubmit_by": None}
    assert forms.validate("acknowledge", {}) == {"acknowledge_note": ""}


def test_surrounding_whitespace_is_removed(forms: FormRegistry) -> None:
    data = with_("register_incoming", incoming_issuer="  Ban Tuyên giáo Tỉnh ủy\n")

    assert forms.validate("register_incoming", data)["incoming_issuer"] == "Ban Tuyên giáo Tỉnh ủy"


@pytest.mark.parametrize("number", ["2104-CV/BTGTU", "57/SVHTTDL-QLVHGĐ", "30/2020/NĐ-CP", "1236/SVHTTDL-QLVH&GĐ"])
def test_document_numbers_in_use_are_accepted(forms: FormRegistry, number: str) -> None:
    data = with_("register_incoming", incoming_number=number)

    assert forms.validate("register_incoming", data)["incoming_number"] == number


def test_figures_posted_as_digits_become_numbers(forms: FormRegistry) -> None:
    data = with_("unit_report", figures={"articles": "4", "sessions": 3})

    figures = forms.validate("unit_report", data)["figures"]

    assert figures["articles"] == 4 and figures["sessions"] == 3 and figures["banners"] == 0


# --- Bad data names the field, in Vietnamese and English --------------------------------------


def test_missing_issuer_is_a_required_field(forms: FormRegistry) -> None:
    error = only_error(forms, "register_incoming", without("register_incoming", "incoming_issuer"))

    assert error == FieldError(
        field="incoming_issuer",
        label_vi="Cơ quan ban hành",
        label_en="Issuing body",
        message_vi="Trường bắt buộc.",
        message_en="Required field.",
        code="required",
    )


def test_the_error_text_lists_each_field_in_both_languages(forms: FormRegistry) -> None:
    with pytest.raises(FormInvalid) as caught:
        forms.validate("register_incoming", without("register_incoming", "incoming_number"))

    assert "Số ký hiệu (incoming_number): Trường bắt buộc. / Required field." in str(caught.value)


@pytest.mark.parametrize("value", ["2023-02-30", "03/03/2023", "20230303", "2023-03-03T08:00", 20230303])
def test_a_date_that_is_not_a_calendar_day_in_iso_form_is_refused(forms: FormRegistry, value: object) -> None:
    error = only_error(forms, "register_incoming", with_("register_incoming", incoming_date=value))

    assert error.field == "incoming_date"
    assert error.message_vi == "Ngày không hợp lệ (định dạng YYYY-MM-DD)."
    assert "YYYY-MM-DD" in error.message_en


def test_a_letter_dated_after_it_arrived_is_refused(forms: FormRegistry) -> None:
    data = with_("register_incoming", incoming_date="2023-03-07")

    error = only_error(forms, "register_incoming", data)

    assert (error.field, error.code) == ("incoming_date", "date_after_received")
    assert error.message_vi == "Ngày văn bản không được sau ngày nhận."


@pytest.mark.parametrize("number", ["CV/BTGTU", "2104", "2104-CV/", "2104 CV/BTGTU", "Số 2104-CV"])
def test_a_malformed_document_number_is_refused(forms: FormRegistry, number: str) -> None:
    error = only_error(forms, "register_incoming", with_("register_incoming", incoming_number=number))

    assert (error.field, error.code) == ("incoming_number", "bad_document_number")
    assert "ví dụ: 15/UBND-VX hoặc 12-CV/TU" in error.message_vi


def test_an_urgency_outside_the_list_is_refused_naming_the_value(forms: FormRegistry) -> None:
    error = only_error(forms, "register_incoming", with_("register_incoming", urgency="rất khẩn"))

    assert (error.field, error.label_vi, error.label_en) == ("urgency", "Độ khẩn", "Urgency")
    assert error.message_vi.startswith('Giá trị không được phép: "rất khẩn".')
    assert '"hoa_toc"' in error.message_vi and '"hoa_toc"' in error.message_en


def test_an_unknown_field_is_refused_by_its_name(forms: FormRegistry) -> None:
    error = only_error(forms, "issue", with_("issue", so_ban="5"))

    assert (error.field, error.code) == ("so_ban", "unknown_field")
    assert error.message_vi == "Trường không có trong biểu mẫu."


def test_blank_and_too_long_text_are_refused(forms: FormRegistry) -> None:
    errors = errors_of(
        forms,
        "register_incoming",
        with_("register_incoming", incoming_subject="   ", incoming_issuer="x" * 256),
    )

    found = {error.field: (error.message_vi, error.message_en) for error in errors}
    assert found == {
        "incoming_issuer": ("Tối đa 255 ký tự.", "At most 255 characters."),
        "incoming_subject": ("Không được để trống.", "Must not be blank."),
    }


def test_null_is_not_a_value(forms: FormRegistry) -> None:
    error = only_error(forms, "consolidate", with_("consolidate", report_body=None))

    assert (error.field, error.code) == ("report_body", "null")


def test_a_negative_figure_is_named_by_its_dotted_path(forms: FormRegistry) -> None:
    data = with_("unit_report")
    data["figures"]["articles"] = -1

    error = only_error(forms, "unit_report", data)

    assert error.field == "figures.articles"
    assert error.label_vi == "Số liệu › Số tin, bài"
    assert error.label_en == "Figures › Articles"
    assert error.message_vi == "Phải là số nguyên không âm."


@pytest.mark.parametrize("value", [True, 2.5, "bốn", [4]])
def test_a_figure_must_be_a_whole_number(forms: FormRegistry, value: object) -> None:
    data = with_("unit_report")
    data["figures"]["sessions"] = value

    error = only_error(forms, "unit_report", data)

    assert (error.field, error.message_vi) == ("figures.sessions", "Phải là số nguyên.")


def test_figures_that_are_not_an_object_are_refused(forms: FormRegistry) -> None:
    error = only_error(forms, "unit_report", with_("unit_report", figures=12))

    assert (error.field, error.code) == ("figures", "not_an_object")


def test_a_cc_line_without_a_name_is_named_by_its_position(forms: FormRegistry) -> None:
    data = with_("draft", cc=[{"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"}, {"tag": "đ/b"}])

    error = only_error(forms, "draft", data)

    assert error.field == "cc.1.name"
    assert error.label_vi == "Nơi nhận khác › dòng 2 › Tên"
    assert error.label_en == "Copies to › item 2 › Name"
    assert error.message_vi == "Trường bắt buộc."


def test_a_cc_tag_outside_the_list_is_refused(forms: FormRegistry) -> None:
    error = only_error(forms, "draft", with_("draft", cc=[{"name": "GĐ Sở", "tag": "để biết"}]))

    assert (error.field, error.code) == ("cc.0.tag", "not_allowed")


def test_a_draft_needs_tasks_and_recipients(forms: FormRegistry) -> None:
    errors = errors_of(forms, "draft", with_("draft", draft_tasks=[TASKS[0], " "], recipient_groups=[]))

    found = {error.field: error.code for error in errors}
    assert found == {"draft_tasks.1": "blank", "recipient_groups": "too_few_items"}
    assert errors_of(forms, "draft", with_("draft", draft_tasks="một nhiệm vụ"))[0].code == ("not_a_list")


def test_the_lead_division_cannot_also_support(forms: FormRegistry) -> None:
    data = with_("instruct", supporting_divisions=["VP", "QLVHGD"])

    error = only_error(forms, "instruct", data)

    assert (error.field, error.code) == ("supporting_divisions", "lead_also_supporting")


@pytest.mark.parametrize("form_key", ["review", "sign"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_returning_a_draft_needs_a_comment(forms: FormRegistry, form_key: str, comment: str | None) -> None:
    data: dict[str, Any] = {"decision": "return"}
    if comment is not None:
        data["comment"] = comment

    error = only_error(forms, form_key, data)

    assert error.field == "comment"
    assert error.message_vi == "Cần nhập ý kiến khi trả lại dự thảo."
    assert error.message_en == "A comment is required to return the draft."


def test_a_return_with_a_comment_passes(forms: FormRegistry) -> None:
    cleaned = forms.validate("review", {"decision": "return", "comment": "Sửa căn cứ."})

    assert cleaned == {"decision": "return", "comment": "Sửa căn cứ."}


def test_each_decision_form_has_its_own_choices(forms: FormRegistry) -> None:
    assert only_error(forms, "review", {"decision": "sign"}).field == "decision"
    assert only_error(forms, "sign", {"decision": "approve"}).field == "decision"
    assert only_error(forms, "review", {}).code == "required"


def test_asking_for_more_needs_a_comment_and_a_date(forms: FormRegistry) -> None:
    errors = errors_of(forms, "review_report", {"decision": "more"})

    found = {error.field: error.code for error in errors}
    assert found == {"comment": "comment_required_for_more", "resubmit_by": "resubmit_by_required"}


def test_the_context_hook_refuses_a_resubmission_date_in_the_past(forms: FormRegistry) -> None:
    data = VALID["review_report"]

    error = only_error(forms, "review_report", data, context={"today": dt.date(2023, 3, 29)})

    assert (error.field, error.code) == ("resubmit_by", "resubmit_by_past")
    assert "29/03/2023" in error.message_vi
    assert forms.validate("review_report", data, context={"today": dt.date(2023, 3, 21)})


@pytest.mark.parametrize(
    ("form_key", "field", "code", "today"),
    [
        # The reference letter arrived on 6/3: registered on 5/3 it would have arrived tomorrow.
        ("register_incoming", "incoming_received_date", "received_in_future", dt.date(2023, 3, 5)),
        # Deadlines of 10/3 and 24/3, set on 13/3 and 27/3: overdue the moment they are given.
        ("instruct", "handling_deadline", "deadline_past", dt.date(2023, 3, 13)),
        ("draft", "report_deadline", "deadline_past", dt.date(2023, 3, 27)),
    ],
)
def test_dates_that_cannot_be_are_refused_against_today(
    forms: FormRegistry, form_key: str, field: str, code: str, today: dt.date
) -> None:
    error = only_error(forms, form_key, VALID[form_key], context={"today": today})

    assert (error.field, error.code) == (field, code)
    assert today.strftime("%d/%m/%Y") in error.message_vi
    assert forms.validate(form_key, VALID[form_key], context={"today": dt.date(2023, 3, 6)})


def test_vietnamese_messages_are_vietnamese(forms: FormRegistry) -> None:
    data = {
        "incoming_number": "CV",
        "incoming_date": "2023-02-30",
        "incoming_subject": "",
        "urgency": "rất khẩn",
        "incoming_received_date": None,
        "extra": 1,
    }

    errors = errors_of(forms, "register_incoming", data)

    assert len(errors) == 7  # the issuer is missing too
    for error in errors:
        assert error.message_vi and error.message_en and error.label_vi and error.label_en
        assert error.message_vi != error.message_en
        assert not error.message_vi.isascii(), error.message_vi


def test_data_that_is_not_an_object_is_a_form_level_error(forms: FormRegistry) -> None:
    error = only_error(forms, "review", ["approve"])  # type: ignore[arg-type]

    assert (error.field, error.label_vi, error.label_en) == ("", "Biểu mẫu", "Form")
    assert str(error) == ("Biểu mẫu: Phải là một đối tượng gồm các trường. / Must be an object of named fields.")
