"""Codes people read as words: decisions, urgencies, roles and step names, translated, in one place."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from web.core.english_names import english_name
from web.core.organisation import declared_role, page_in_english
from web.core.requests import db
from workflows.urgency import PRIORITY

#: The names of the steps and timers of the processes in bpmn/, listed so that the catalogue carries
#: their English; the diagrams stay the source of the names shown in Vietnamese.
STEP_NAMES = (
    _l("Tiếp nhận văn bản đến"),
    _l("Ý kiến chỉ đạo"),
    _l("Dự thảo công văn"),
    _l("Kiểm tra nội dung"),
    _l("Kiểm tra thể thức"),
    _l("Ký duyệt"),
    _l("Cấp số, phát hành"),
    _l("Thực hiện tại đơn vị"),
    _l("Tổng hợp báo cáo"),
    _l("Ký báo cáo"),
    _l("Phát hành báo cáo"),
    _l("Tiếp nhận công văn"),
    _l("Triển khai và báo cáo"),
    _l("Kiểm tra báo cáo"),
    _l("Nhắc hạn báo cáo"),
    _l("Quá hạn báo cáo"),
    _l("Nhắc hạn (chưa tiếp nhận)"),
    _l("Quá hạn (chưa tiếp nhận)"),
    _l("Hết hạn theo dõi"),
    _l("Đôn đốc báo cáo"),
    _l("Đôn đốc (chưa tiếp nhận)"),
    _l("Đôn đốc tiếp nhận"),
    _l("Dự thảo công văn đôn đốc"),
    _l("Kiểm tra công văn đôn đốc"),
    _l("Ký công văn đôn đốc"),
    _l("Phát hành công văn đôn đốc"),
)


def step_label(name: str | None) -> str:
    """A step's or timer's name as a diagram writes it, in the page's language when the catalogue has it.

    A name the catalogue does not know (a step an administrator added) shows in English with the
    English name its diagram gives it (web/core/english_names.py), else as the diagram writes it.
    """
    if not name:
        return ""
    translated = str(gettext(name))
    if translated != name or not page_in_english():
        return translated
    return english_name(db(), name) or name


DECISIONS = {
    "approve": _l("Đồng ý"),
    "return": _l("Trả lại"),
    "sign": _l("Ký ban hành"),
    "accept": _l("Đạt"),
    "more": _l("Yêu cầu bổ sung"),
}

URGENCIES = {
    "thuong": _l("Thường"),
    "khan": _l("Khẩn"),
    "thuong_khan": _l("Thượng khẩn"),
    "hoa_toc": _l("Hỏa tốc"),
}
assert set(URGENCIES) == set(PRIORITY), "every urgency of workflows.urgency needs a label here"


#: Words for the roles the shipped processes and pages name (their lanes), when the chart gives none.
ROLES = {
    "clerk": _l("Văn thư"),
    "director": _l("Giám đốc"),
    "leader": _l("Lãnh đạo"),
    "division_head": _l("Trưởng phòng"),
    "specialist": _l("Chuyên viên"),
    "office": _l("Văn phòng (kiểm tra thể thức)"),
    "unit_officer": _l("Cán bộ đơn vị"),
    "supervisor": _l("Giám sát"),
    "auditor": _l("Kiểm tra"),
    "admin": _l("Quản trị"),
}


def role_label(role: str | None) -> str:
    """A role in words: the chart's name for it in the page's language, else the word above, else the code."""
    code = role or ""
    built_in = str(ROLES[code]) if code in ROLES else None
    declared = declared_role(code)
    if declared is None:
        return built_in or code
    if page_in_english():
        return declared.name_en or built_in or declared.name
    return declared.name


def decision_label(decision: str | None) -> str:
    """A decision code in words (the code itself when unknown)."""
    return str(DECISIONS.get(decision or "", decision or ""))


def urgency_by_priority() -> dict[int, str]:
    """Urgency words keyed by the priority numbers task rows store."""
    return {PRIORITY[code]: str(label) for code, label in URGENCIES.items()}
