"""Checks of form data against the org chart: things a schema alone cannot know."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.forms.adapter import DomainCheck
from workflows.forms.base import FieldError
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import RecipientGroup, Setting, Unit


def _agency(session: Session) -> str:
    return str(session.scalar(select(Setting.value).where(Setting.key == "agency")))


def _is_division(session: Session, code: str, agency: str) -> bool:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    return unit is not None and unit.kind == "division" and unit.parent_code == agency


#: Who does the lead division's steps (bpmn/README.md): the specialist drafts, consolidates and
#: checks the units' reports; the division head checks the draft's content. Vietnamese, English.
LEAD_DIVISION_ROLES = {"specialist": ("chuyên viên", "specialist"), "division_head": ("trưởng phòng", "division head")}


def _missing_roles(session: Session, code: str) -> list[tuple[str, str]]:
    directory = OrgDirectory(session)
    return [words for role, words in LEAD_DIVISION_ROLES.items() if not directory.anyone_holds(role, code)]


def may_lead(session: Session, code: str) -> bool:
    """Whether division `code` has, active, every role its steps as lead division need."""
    return not _missing_roles(session, code)


def _unstaffed(session: Session, code: str) -> FieldError | None:
    """An error naming the division and the roles nobody active holds there, if any.

    Without it the draft would become a task no one sees, and the case would wait for ever.
    """
    missing = _missing_roles(session, code)
    if not missing:
        return None
    directory = OrgDirectory(session)
    unit = directory.unit(code)
    name = unit.name if unit is not None else code
    vi = ", ".join(vi for vi, _ in missing)
    en = " or ".join(en for _, en in missing)
    return FieldError(
        "lead_division",
        "Đơn vị chủ trì",
        "Lead division",
        f"{name} chưa có {vi} để giao việc: chọn đơn vị khác, hoặc đề nghị quản trị viên bổ sung {vi} cho đơn vị.",
        f"{name} has no {en} to do the work: choose another division, or ask the administrator to add one.",
        "no_one_to_do",
    )


def check_instruct(session: Session, data: Mapping[str, Any]) -> list[FieldError]:
    """The lead division belongs to the agency and has people to do its steps; the supporting
    divisions belong to the agency; the signer may sign for it."""
    agency = _agency(session)
    errors = []
    if not _is_division(session, data["lead_division"], agency):
        errors.append(
            FieldError(
                "lead_division",
                "Đơn vị chủ trì",
                "Lead division",
                f"Không có phòng {data['lead_division']!r} thuộc cơ quan.",
                f"No division {data['lead_division']!r} in the agency.",
                "unknown_unit",
            )
        )
    elif (unstaffed := _unstaffed(session, data["lead_division"])) is not None:
        errors.append(unstaffed)
    for index, code in enumerate(data.get("supporting_divisions", [])):
        if not _is_division(session, code, agency):
            errors.append(
                FieldError(
                    f"supporting_divisions.{index}",
                    "Đơn vị phối hợp",
                    "Supporting division",
                    f"Không có phòng {code!r} thuộc cơ quan.",
                    f"No division {code!r} in the agency.",
                    "unknown_unit",
                )
            )
    if not OrgDirectory(session).may_act(data["signer"], "leader", agency):
        errors.append(
            FieldError(
                "signer",
                "Người ký",
                "Signer",
                f"{data['signer']!r} không phải lãnh đạo có thẩm quyền ký.",
                f"{data['signer']!r} is not a leader who may sign.",
                "not_a_signer",
            )
        )
    return errors


def check_draft(session: Session, data: Mapping[str, Any]) -> list[FieldError]:
    """Every recipient group named in the draft exists in the org chart."""
    known = set(session.scalars(select(RecipientGroup.code)))
    return [
        FieldError(
            f"recipient_groups.{index}",
            "Nhóm nơi nhận",
            "Recipient group",
            f"Không có nhóm nơi nhận {code!r}.",
            f"No recipient group {code!r}.",
            "unknown_group",
        )
        for index, code in enumerate(data["recipient_groups"])
        if code not in known
    ]


DOMAIN_CHECKS: dict[str, DomainCheck] = {
    "instruct": check_instruct,
    # A directive of the agency's own initiative names its division and signer as an instruction does.
    "own_initiative": check_instruct,
    "draft": check_draft,
}
