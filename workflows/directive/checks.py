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


def check_instruct(session: Session, data: Mapping[str, Any]) -> list[FieldError]:
    """The lead and supporting divisions belong to the agency; the signer may sign for it."""
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


DOMAIN_CHECKS: dict[str, DomainCheck] = {"instruct": check_instruct, "draft": check_draft}
