"""Directives other than the reference one: no report, a report of their own, the agency's own initiative.

The texts are invented (a reading festival asked for by an invented letter of the provincial
education department); the organisation is the loaded chart. Each step goes through the engine as
the user whose role it is, on a rehearsal that round-trips the state after every step.
"""

from __future__ import annotations

from typing import Any

from tests.workflows.lifecycle_helpers import CheckedRehearsal
from workflows.directive.scenario import CLERK, DIRECTOR, HEAD, SIGNER, SPECIALIST

#: A recipient group of the loaded chart with a handful of units (the agency's own units).
GROUP = "don_vi_truc_thuoc_so"
LEAD = "QLVHGD"

INCOMING: dict[str, Any] = {
    "incoming_issuer": "Sở Giáo dục và Đào tạo",
    "incoming_number": "512/SGDĐT-GDTrH",
    "incoming_date": "2023-05-04",
    "incoming_subject": "Phối hợp tổ chức Ngày hội đọc sách mùa hè năm 2023",
    "urgency": "thuong",
    "incoming_received_date": "2023-05-08",
}
INSTRUCTION: dict[str, Any] = {
    "lead_division": LEAD,
    "supporting_divisions": [],
    "signer": SIGNER,
    "handling_deadline": "2023-05-12",
    "instruction": "Giao phòng chủ trì tham mưu văn bản gửi các đơn vị.",
}
#: Figures and questions this directive defines for itself: two counts and two questions.
FIGURES: list[dict[str, str]] = [
    {"name": "reading_sessions", "label": "Số buổi đọc sách", "unit": "buổi đọc sách"},
    {"label": "Số lượt bạn đọc tham gia", "unit": "lượt bạn đọc"},
]
QUESTIONS: list[dict[str, str]] = [
    {"text": "Khó khăn, vướng mắc", "required": "yes"},
    {"text": "Đề xuất", "required": "no"},
]


def draft(**changes: Any) -> dict[str, Any]:
    """The draft of the reading-festival directive, with `changes`."""
    return {
        "draft_subject": "Tổ chức Ngày hội đọc sách mùa hè năm 2023",
        "draft_basis": "Thực hiện Công văn số 512/SGDĐT-GDTrH ngày 04/5/2023 của Sở Giáo dục và Đào tạo.",
        "draft_intro": "Để lan tỏa văn hóa đọc trong thanh thiếu niên, đề nghị các đơn vị thực hiện:",
        "draft_tasks": ["Tổ chức các buổi đọc sách cho thiếu nhi.", "Giới thiệu sách mới trên trang thông tin."],
        "draft_closing": "Đề nghị các đơn vị triển khai thực hiện./.",
        "recipient_groups": [GROUP],
        "cc": [],
        **changes,
    }


def register_and_instruct(r: CheckedRehearsal) -> None:
    """The clerk registers the invented letter; the director gives it to the lead division."""
    r.at("2023-05-08 08:00")
    r.start("directive_lifecycle", CLERK)
    r.do(CLERK, "register_incoming", INCOMING)
    r.at("2023-05-08 10:00")
    r.do(DIRECTOR, "instruct", INSTRUCTION)


def approve_sign_issue(r: CheckedRehearsal, drafted: dict[str, Any]) -> list[str]:
    """Draft, content approval, signature, issue; the recipient units."""
    r.at("2023-05-09 09:00")
    r.do(SPECIALIST, "draft", drafted)
    r.do(HEAD, "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-05-09 15:00")
    r.do(SIGNER, "sign", {"decision": "sign", "comment": ""})
    r.at("2023-05-10 08:00")
    r.do(CLERK, "issue", {"issue_note": ""})
    return list(r.data()["recipients"])
