"""What the timeline page says of each moment: the action in words, and the forms' field labels."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from web.core.i18n import local_datetime
from web.core.labels import decision_label, role_label, step_label
from web.tasks.form_fields import english
from workflows.audit.timeline import DocumentVersion, Moment, Timeline
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
    "engine:instance:migrated": _l("Chuyển phiên bản quy trình"),
    "engine:timer:fired": _l("Đến hạn hẹn giờ"),
    "engine:definition:deployed": _l("Triển khai phiên bản quy trình"),
    "web:attachment:uploaded": _l("Đính kèm tệp"),
    "workflows:reminder_round:started": _l("Bắt đầu đôn đốc"),
    "workflows:reminder_round:issued": _l("Phát hành công văn đôn đốc"),
    "workflows:register:starting_number_set": _l("Đặt số bắt đầu của sổ"),
    "workflows:substitution:named": _l("Cử người làm thay"),
    "workflows:substitution:cancelled": _l("Hủy cử người làm thay"),
    "workflows:orgchart:loaded": _l("Nạp sơ đồ tổ chức"),
    "workflows:form:saved": _l("Lưu phiên bản biểu mẫu"),
}
#: Actions an administrator or a leader takes on someone else's work: shown apart, with their reason.
ADMINISTRATIVE = frozenset(
    {
        "engine:task:reassigned",
        "engine:instance:cancelled",
        "engine:instance:suspended",
        "engine:instance:resumed",
        "engine:instance:migrated",
        "engine:definition:deployed",
        "workflows:register:starting_number_set",
    }
)
#: The documents whose versions the timeline opens, by their slug (workflows/directive/case_documents.py).
DOCUMENT_KINDS: dict[str, Any] = {"cong-van": _l("Công văn"), "bao-cao": _l("Báo cáo")}


def kind_label(slug: str) -> str:
    """A document kind in words."""
    return str(DOCUMENT_KINDS.get(slug, slug))


def version_name(version: DocumentVersion) -> str:
    """A version of a document in words: "Công văn · bản 2"."""
    return f"{kind_label(version.kind.slug)} · " + str(_("bản %(n)d", n=version.number))


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


@dataclass(frozen=True)
class PageLabels:
    """Every label the page needs, looked up once per page rather than once per line (500 lines and more)."""

    actions: dict[str, str]
    people: dict[str, tuple[str, str]]
    # A person as the page writes them (name, then position), ready-escaped.
    who: dict[str, Markup]
    lanes: dict[tuple[str, str], str]
    steps: dict[str, str]
    fields: dict[str, str]
    decisions: dict[str, str]
    moments: dict[int, Moment]
    times: dict[datetime, str]


def page_labels(found: Timeline) -> PageLabels:
    """The labels of one timeline's actions, people, lanes, steps, fields and decisions."""
    moments = found.moments
    people = {name: (p.full_name, p.position_title) for name, p in found.people.items()}
    people["system"] = (_("Hệ thống"), "")
    role_names = {role: role_label(role) for role in {m.role for m in moments if m.role}}
    lanes = {
        (role, unit): _("vai trò %(role)s tại %(unit)s", role=role_names[role], unit=found.units.get(unit, unit))
        for role, unit in {(m.role, m.unit or "") for m in moments if m.role}
    }
    names = {name for m in moments for name in m.submitted} | {c.field for m in moments for c in m.changes}
    who = {
        name: Markup('{}<span class="muted"> · {}</span>').format(full, position) if position else escape(full)
        for name, (full, position) in people.items()
    }
    return PageLabels(
        who=who,
        actions={tag: action_label(tag) for tag in {m.tag for m in moments}},
        people=people,
        lanes=lanes,
        steps={title: step_label(title) for title in {m.title for m in moments if m.title}},
        fields={name: field_label(name) for name in names},
        decisions={d: decision_label(d) for d in {str(m.decision) for m in moments if m.decision}},
        moments={m.event_id: m for m in moments if m.event_id is not None},
        times={at: local_datetime(at) for at in {m.at for m in moments}},
    )
