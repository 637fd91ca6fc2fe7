"""Recipient groups as administrators keep them: their name, their "Kính gửi" line and which units they hold.

A group's members are chosen by a selector (`workflows.orgchart.groups`): the units of a kind, under
one parent unit or under units of another kind, valid on the day a directive is sent. Editing the
members is editing that selector, so a unit added, abolished or merged later is in or out of every
group by itself. Each change checks its fields (stores nothing when one is wrong, `GroupInvalid`
naming each) and is one audit event with the actor and the fields before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.messages import Message
from workflows.orgchart.models import RecipientGroup, Unit, UnitKind

SOURCE: Final = "workflows:orgchart"
FIELDS: Final = ("name", "addressee_line", "kind", "parent", "parent_kind")
_CODE = re.compile(r"[a-z0-9_]{2,64}")

REQUIRED = Message("required", "Must not be empty.", "Không được để trống.")
TOO_LONG = Message("too_long", "Longer than {limit} characters.", "Dài hơn {limit} ký tự.")
BAD_CODE = Message(
    "bad_code",
    "Lower-case letters without accents, digits and _ only, 2 to 64 characters.",
    "Chỉ gồm chữ thường không dấu, chữ số và dấu _, từ 2 đến 64 ký tự.",
)
CODE_TAKEN = Message("code_taken", "There is already a group “{value}”.", "Đã có nhóm “{value}”.")
UNKNOWN_KIND = Message("unknown_kind", "No unit kind “{value}”.", "Không có loại đơn vị “{value}”.")
UNKNOWN_UNIT = Message("unknown_unit", "No unit “{value}”.", "Không có đơn vị “{value}”.")
BOTH_PARENTS = Message(
    "both_parents",
    "Choose a parent unit or a kind of parent, not both.",
    "Chọn một đơn vị cấp trên hoặc một loại đơn vị cấp trên, không chọn cả hai.",
)


@dataclass(frozen=True)
class GroupProblem:
    """A field and what is wrong with it."""

    field: str
    message: Message


class GroupInvalid(ValueError):
    """Some fields are wrong; nothing was stored."""

    def __init__(self, problems: list[GroupProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.vi}" for p in problems))
        self.problems = problems


def form_of(group: RecipientGroup) -> dict[str, str]:
    """The group's fields as its form shows them."""
    selector = group.selector or {}
    return {
        "name": group.name,
        "addressee_line": group.addressee_line,
        "kind": str(selector.get("kind", "")),
        "parent": str(selector.get("parent", "")),
        "parent_kind": str(selector.get("parent_kind", "")),
    }


def _plain(group: RecipientGroup) -> dict[str, Any]:
    return {"code": group.code, "name": group.name, "addressee_line": group.addressee_line, "selector": group.selector}


def save_group(
    session: Session, code: str, raw: dict[str, str], *, actor: str, at: datetime, new: bool
) -> RecipientGroup:
    """Create (`new`) or change a group from its form's fields; audited; GroupInvalid naming each bad field."""
    text = {name: (raw.get(name) or "").strip() for name in FIELDS}
    problems: list[GroupProblem] = []
    existing = session.scalar(select(RecipientGroup).where(RecipientGroup.code == code))
    if new:
        if not _CODE.fullmatch(code):
            problems.append(GroupProblem("code", BAD_CODE))
        elif existing is not None:
            problems.append(GroupProblem("code", CODE_TAKEN.format(value=code)))
    for name in ("name", "addressee_line", "kind"):
        if not text[name]:
            problems.append(GroupProblem(name, REQUIRED))
    if len(text["name"]) > 255:
        problems.append(GroupProblem("name", TOO_LONG.format(limit=255)))
    kinds = set(session.scalars(select(UnitKind.code)))
    for name in ("kind", "parent_kind"):
        if text[name] and text[name] not in kinds:
            problems.append(GroupProblem(name, UNKNOWN_KIND.format(value=text[name])))
    if text["parent"] and not session.scalar(select(Unit.id).where(Unit.code == text["parent"])):
        problems.append(GroupProblem("parent", UNKNOWN_UNIT.format(value=text["parent"])))
    if text["parent"] and text["parent_kind"]:
        problems.append(GroupProblem("parent_kind", BOTH_PARENTS))
    if problems:
        raise GroupInvalid(problems)
    selector: dict[str, str] = {"kind": text["kind"]}
    for name in ("parent", "parent_kind"):
        if text[name]:
            selector[name] = text[name]
    if existing is None or new:
        position = (session.scalar(select(func.max(RecipientGroup.position))) or 0) + 1
        group = RecipientGroup(
            code=code, name=text["name"], addressee_line=text["addressee_line"], selector=selector, position=position
        )
        session.add(group)
        session.flush()
        audit.append(session, f"{SOURCE}:group_created", actor=actor, at=at, after=_plain(group))
        return group
    before = _plain(existing)
    existing.name, existing.addressee_line, existing.selector = text["name"], text["addressee_line"], selector
    session.flush()
    after = _plain(existing)
    if after != before:
        audit.append(session, f"{SOURCE}:group_updated", actor=actor, at=at, before=before, after=after)
    return existing
