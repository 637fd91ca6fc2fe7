"""Forms designed in the browser: which designs may be saved, and how the data of their tasks is checked."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from tests.workflows.designed_forms_data import FORMAT_CHECK
from workflows.forms.base import FormInvalid, _schema_problems, validate_with
from workflows.forms.designed import design_problems, form_key, parse_form_key
from workflows.forms.designed_schema import schema_from_design

TODAY = date(2023, 3, 6)


def _with(component: dict[str, Any]) -> dict[str, Any]:
    return {"type": "default", "components": [component]}


def _problems(design: Any) -> list[str]:
    return [str(problem) for problem in design_problems(design)]


def test_a_design_of_every_supported_type_may_be_saved_and_is_fully_bilingual() -> None:
    assert design_problems(FORMAT_CHECK) == []
    schema = schema_from_design(FORMAT_CHECK, "FormatCheck")
    assert list(_schema_problems(schema(), "")) == []
    assert list(schema().fields) == [c["key"] for c in FORMAT_CHECK["components"]]


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ([], "Không phải thiết kế biểu mẫu"),
        ({"components": []}, "Biểu mẫu chưa có trường nào."),
        (
            _with({"type": "button", "key": "gui", "label": "Gửi"}),
            "gui (Gửi): Loại thành phần “button” chưa được hỗ trợ",
        ),
        (_with({"type": "iframe", "key": "x", "label": "X", "url": "https://a"}), "“iframe” chưa được hỗ trợ"),
        (_with({"type": "textfield", "key": "1so", "label": "Số"}), "1so (Số): Khóa phải bắt đầu bằng chữ cái"),
        (_with({"type": "textfield", "key": "a.b", "label": "Số"}), "Khóa phải bắt đầu bằng chữ cái"),
        (_with({"type": "textfield", "key": "so", "label": " "}), "so: Trường cần có nhãn."),
        (_with({"type": "textfield", "key": "so", "label": "x" * 256}), "Nhãn dài hơn 255 ký tự."),
        (
            _with({"type": "textfield", "key": "so", "label": "Số", "validate": {"minLength": 9, "maxLength": 3}}),
            "Giá trị minLength không được lớn hơn maxLength.",
        ),
        (
            _with({"type": "textfield", "key": "so", "label": "Số", "validate": {"maxLength": 10**6}}),
            "Ràng buộc “maxLength” có giá trị không hợp lệ.",
        ),
        (
            _with({"type": "textfield", "key": "so", "label": "Số", "validate": {"pattern": "([0-9]"}}),
            "Mẫu (pattern) không phải biểu thức chính quy hợp lệ.",
        ),
        (
            _with({"type": "textfield", "key": "so", "label": "Số", "validate": {"validationType": "phone"}}),
            "chỉ hỗ trợ e-mail",
        ),
        (
            _with({"type": "textarea", "key": "so", "label": "Số", "validate": {"min": 3}}),
            "Ràng buộc “min” không được hỗ trợ cho loại trường này.",
        ),
        (
            _with({"type": "number", "key": "n", "label": "N", "decimalDigits": 7}),
            "Số chữ số thập phân phải là số nguyên từ 0 đến 4.",
        ),
        (
            _with({"type": "number", "key": "n", "label": "N", "validate": {"min": 0.5}}),
            "Ràng buộc “min” có giá trị không hợp lệ.",
        ),
        (
            _with({"type": "number", "key": "n", "label": "N", "validate": {"min": 5, "max": 1}}),
            "Giá trị min không được lớn hơn max.",
        ),
        (
            _with({"type": "datetime", "key": "d", "dateLabel": "Ngày", "subtype": "datetime"}),
            "Chỉ hỗ trợ kiểu ngày",
        ),
        (
            _with({"type": "select", "key": "s", "label": "S", "valuesKey": "options"}),
            "Các lựa chọn phải là danh sách cố định",
        ),
        (
            _with({"type": "radio", "key": "s", "label": "S", "values": [{"label": "A", "value": ""}]}),
            "Lựa chọn 1 cần có nhãn và giá trị",
        ),
        (
            _with({"type": "select", "key": "s", "label": "S", "values": [{"label": "A", "value": "a"}] * 2}),
            "Giá trị “a” có hai lần.",
        ),
        (
            _with({"type": "textfield", "key": "so", "label": "Số", "conditional": {"hide": "=true"}}),
            "Chưa hỗ trợ điều kiện ẩn trường",
        ),
        (
            {"components": [{"type": "textfield", "key": "so", "label": "A"}] * 2},
            "Khóa “so” được dùng hai lần.",
        ),
        ({"components": [{"type": "textfield", "key": f"k{i}", "label": "A"} for i in range(101)]}, "Nhiều hơn 100"),
        (_with({"type": "textarea", "key": "so", "label": "Số", "description": "x" * 300_000}), "Thiết kế lớn hơn"),
    ],
)
def test_a_design_outside_what_is_supported_is_refused_naming_the_component(design: Any, expected: str) -> None:
    problems = _problems(design)
    assert any(expected in problem for problem in problems), problems


def test_designed_form_keys_pin_a_version() -> None:
    assert form_key("format_check", 2) == "designed:format_check:2"
    assert parse_form_key("designed:format_check:2") == ("format_check", 2)
    for other in ("format_check", "designed:format_check", "designed:Format:1", "designed:x:0", "designed:x:1:2"):
        assert parse_form_key(other) is None


def _errors(data: dict[str, Any]) -> dict[str, str]:
    schema = schema_from_design(FORMAT_CHECK, "FormatCheck")
    with pytest.raises(FormInvalid) as caught:
        validate_with(schema, "designed:format_check:1", data, {"today": TODAY})
    return {error.field: f"{error.label_vi}: {error.message_vi}" for error in caught.value.errors}


GOOD = {"so_hieu": "57/SNN-VP", "so_trang": "2", "dung_the_thuc": True, "ket_luan": "dat"}


def test_good_data_comes_back_cleaned_for_the_workflow() -> None:
    schema = schema_from_design(FORMAT_CHECK, "FormatCheck")
    data = {**GOOD, "nhan_xet": "  ", "loi": ["the_thuc"], "han_sua": "2023-03-10", "muc_do": "nhe"}
    cleaned = validate_with(schema, "designed:format_check:1", data, {"today": TODAY})
    assert cleaned == {
        "so_hieu": "57/SNN-VP",
        "nhan_xet": None,
        "so_trang": 2,
        "ty_le_loi": None,
        "dung_the_thuc": True,
        "ket_luan": "dat",
        "muc_do": "nhe",
        "loi": ["the_thuc"],
        "han_sua": "2023-03-10",
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"so_hieu": ""}, "so_hieu", "Số, ký hiệu: Trường bắt buộc."),
        ({"so_hieu": "5/A"}, "so_hieu", "Số, ký hiệu: Tối thiểu 4 ký tự."),
        ({"so_hieu": "57/SNN-VP" + "X" * 30}, "so_hieu", "Số, ký hiệu: Tối đa 30 ký tự."),
        ({"so_hieu": "SNN-VP/57"}, "so_hieu", "Số, ký hiệu: Không đúng định dạng yêu cầu."),
        ({"nhan_xet": "x" * 301}, "nhan_xet", "Nhận xét: Tối đa 300 ký tự."),
        ({"so_trang": "0"}, "so_trang", "Số trang: Phải lớn hơn hoặc bằng 1."),
        ({"so_trang": "41"}, "so_trang", "Số trang: Phải nhỏ hơn hoặc bằng 40."),
        ({"so_trang": "2,5"}, "so_trang", "Số trang: Phải là số nguyên."),
        ({"dung_the_thuc": False}, "dung_the_thuc", "Đúng thể thức: Cần đánh dấu ô này."),
        (
            {"ket_luan": "khac"},
            "ket_luan",
            'Kết luận: Giá trị không được phép: "khac". Các giá trị được phép: "Đạt", "Phải sửa".',
        ),
        ({"muc_do": "vua"}, "muc_do", 'Mức độ sai sót: Giá trị không được phép: "vua"'),
        ({"loi": ["chinh_ta", "ngu_phap"]}, "loi.1", "Lỗi gặp › dòng 2: Giá trị không được phép"),
        ({"han_sua": "06/03/2023"}, "han_sua", "Hạn sửa: Ngày không hợp lệ (định dạng YYYY-MM-DD)."),
        ({"han_sua": "2023-03-05"}, "han_sua", "Hạn sửa: Ngày không được trước hôm nay (06/03/2023)."),
        ({"la": "x"}, "la", "la: Trường không có trong biểu mẫu."),
    ],
)
def test_each_rule_of_the_design_refuses_bad_data_in_vietnamese_at_its_field(
    change: dict[str, Any], field: str, message: str
) -> None:
    errors = _errors({**GOOD, **change})
    assert field in errors, errors
    assert errors[field].startswith(message), errors[field]


def test_required_fields_left_out_are_all_named_in_one_round() -> None:
    errors = _errors({})
    assert set(errors) == {"so_hieu", "so_trang", "dung_the_thuc", "ket_luan"}
    assert all(text.endswith("Trường bắt buộc.") for text in errors.values())


def test_an_email_field_and_english_labels_as_given() -> None:
    design = copy.deepcopy(FORMAT_CHECK)
    design["components"][0]["validate"] = {"validationType": "email"}
    schema = schema_from_design(design, "Email")
    with pytest.raises(FormInvalid) as caught:
        validate_with(schema, "k", {**GOOD, "so_hieu": "khong-phai-thu"}, {"today": TODAY})
    (error,) = caught.value.errors
    assert (error.label_en, error.message_vi) == ("Number and notation", "Không phải là địa chỉ thư điện tử.")


KINH_PHI = {
    "type": "default",
    "components": [
        {
            "type": "number",
            "key": "kinh_phi",
            "label": "Kinh phí (triệu đồng)",
            "decimalDigits": 2,
            "validate": {"required": True, "min": 0, "max": 1500.5},
        }
    ],
}


@pytest.mark.parametrize(
    ("posted", "kept"),
    [("2,5", "2.5"), ("2.50", "2.5"), (" 1500,5 ", "1500.5"), ("0", "0"), (12.25, "12.25"), ("-0,00", "0")],
)
def test_a_number_with_decimal_digits_takes_a_comma_or_a_point_and_keeps_the_exact_value(
    posted: Any, kept: str
) -> None:
    assert design_problems(KINH_PHI) == []
    cleaned = validate_with(schema_from_design(KINH_PHI, "KinhPhi"), "k", {"kinh_phi": posted}, {"today": TODAY})
    assert cleaned == {"kinh_phi": kept}


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ("2,125", "Kinh phí (triệu đồng): Tối đa 2 chữ số sau dấu thập phân."),
        ("1.000,5", "Kinh phí (triệu đồng): Không phải là số."),
        ("hai", "Kinh phí (triệu đồng): Không phải là số."),
        ("1500,51", "Kinh phí (triệu đồng): Phải nhỏ hơn hoặc bằng 1500.5."),
        ("-1", "Kinh phí (triệu đồng): Phải lớn hơn hoặc bằng 0."),
        (True, "Kinh phí (triệu đồng): Không phải là số."),
    ],
)
def test_a_number_with_decimal_digits_refuses_in_vietnamese_what_it_cannot_take(posted: Any, message: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        validate_with(schema_from_design(KINH_PHI, "KinhPhi"), "k", {"kinh_phi": posted}, {"today": TODAY})
    (error,) = caught.value.errors
    assert f"{error.label_vi}: {error.message_vi}" == message
