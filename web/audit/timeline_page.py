"""What the timeline page says of each moment: the action in words, and the forms' field labels."""

from __future__ import annotations

import functools
from typing import Any

from flask_babel import lazy_gettext as _l

from web.tasks.form_fields import english
from workflows.directive.forms import register_directive_forms
from workflows.forms.base import FormRegistry

#: The audit tags in words; a tag not listed shows as it is written.
ACTIONS: dict[str, Any] = {
    "engine:task:started": _l("Bắt đầu bước"),
    "engine:task:completed": _l("Hoàn thành bước"),
    "engine:task:claimed": _l("Nhận việc"),
    "engine:task:released": _l("Trả lại nhóm"),
    "engine:task:reassigned": _l("Chuyển giao"),
    "engine:instance:started": _l("Bắt đầu quy trình"),
    "engine:instance:completed": _l("Kết thúc quy trình"),
    "engine:instance:cancelled": _l("Hủy"),
    "engine:instance:suspended": _l("Tạm dừng"),
    "engine:instance:resumed": _l("Tiếp tục"),
    "engine:timer:fired": _l("Đến hạn hẹn giờ"),
    "engine:definition:deployed": _l("Triển khai phiên bản quy trình"),
    "web:attachment:uploaded": _l("Đính kèm tệp"),
    "workflows:reminder_round:started": _l("Bắt đầu đôn đốc"),
    "workflows:reminder_round:issued": _l("Phát hành công văn đôn đốc"),
    "workflows:register:starting_number_set": _l("Đặt số bắt đầu của sổ"),
}
#: Actions an administrator or a leader takes on someone else's work: shown apart, with their reason.
ADMINISTRATIVE = frozenset(
    {
        "engine:task:reassigned",
        "engine:instance:cancelled",
        "engine:instance:suspended",
        "engine:instance:resumed",
        "engine:definition:deployed",
        "workflows:register:starting_number_set",
    }
)
#: The documents whose versions the timeline opens, by their slug (workflows/directive/case_documents.py).
DOCUMENT_KINDS: dict[str, Any] = {"cong-van": _l("Công văn"), "bao-cao": _l("Báo cáo")}


def kind_label(slug: str) -> str:
    """A document kind in words."""
    return str(DOCUMENT_KINDS.get(slug, slug))


def action_label(tag: str) -> str:
    """An audit tag in words."""
    return str(ACTIONS.get(tag, tag))


@functools.cache
def _labels() -> dict[str, tuple[str, str]]:
    """(Vietnamese, English) label of every field of the directive forms, by field name."""
    registry = FormRegistry()
    register_directive_forms(registry)
    found: dict[str, tuple[str, str]] = {}
    for key in registry.form_keys():
        for name, node in registry.schema_for(key)().fields.items():
            found.setdefault(name, (str(node.metadata.get("label_vi", name)), str(node.metadata.get("label_en", name))))
    return found


def field_label(name: str) -> str:
    """A form field's label in the page's language (its name when no form knows it)."""
    vi, en = _labels().get(name, (name, name))
    return en if english() else vi
