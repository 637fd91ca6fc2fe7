"""Codes people read as words: decisions and urgencies, translated, in one place for every page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflows.urgency import PRIORITY

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


def decision_label(decision: str | None) -> str:
    """A decision code in words (the code itself when unknown)."""
    return str(DECISIONS.get(decision or "", decision or ""))


def urgency_by_priority() -> dict[int, str]:
    """Urgency words keyed by the priority numbers task rows store."""
    return {PRIORITY[code]: str(label) for code, label in URGENCIES.items()}
