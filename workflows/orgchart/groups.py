"""Recipient groups: expand "Kính gửi" lines into the units that exist on the day of sending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from workflows.orgchart import OrgChartError
from workflows.orgchart.models import RecipientGroup, Unit


def resolve_recipients(session: Session, group_codes: Sequence[str], on: date) -> list[str]:
    """Codes of the units valid on `on` that the groups select: by group, then chart order."""
    recipients: dict[str, None] = {}  # an ordered set
    for group in _groups(session, group_codes):
        for code in session.scalars(_members(group, on)):
            recipients.setdefault(code, None)
    return list(recipients)


def addressee_lines(session: Session, group_codes: Sequence[str]) -> list[str]:
    """The "Kính gửi" text of each group, in the order resolve_recipients lists their units."""
    return [group.addressee_line for group in _groups(session, group_codes)]


def _groups(session: Session, group_codes: Sequence[str]) -> list[RecipientGroup]:
    """The named groups in configured order; an unknown code is an error, not an empty group."""
    wanted = set(group_codes)
    groups = list(
        session.scalars(
            select(RecipientGroup)
            .where(RecipientGroup.code.in_(wanted))
            .order_by(RecipientGroup.position, RecipientGroup.code)
        )
    )
    missing = wanted - {group.code for group in groups}
    if missing:
        raise OrgChartError(f"recipient group {', '.join(sorted(missing))}", "no such group")
    return groups


def _members(group: RecipientGroup, on: date) -> Select[str]:
    """The query for the codes of the units a group's selector matches on day `on`."""
    selector = group.selector
    query = (
        select(Unit.code)
        .where(
            Unit.kind == selector["kind"],
            Unit.valid_from <= on,
            or_(Unit.valid_to.is_(None), Unit.valid_to >= on),
        )
        .order_by(Unit.position, Unit.code)
    )
    if "parent" in selector:
        query = query.where(Unit.parent_code == selector["parent"])
    if "parent_kind" in selector:
        parent = aliased(Unit)
        query = query.join(parent, parent.code == Unit.parent_code).where(parent.kind == selector["parent_kind"])
    return query
