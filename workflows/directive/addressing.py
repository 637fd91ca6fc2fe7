"""The "Kính gửi" lines of a directive: each recipient group named as a group, or unit by unit.

The drafter chooses per group (``named_groups`` in the draft). A group named collectively reads as
its own addressee line ("Các đơn vị trực thuộc Sở"); a group named unit by unit gives one line per
unit it stands for on the day, in the chart's order, as the units are resolved at send time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.groups import addressee_lines, resolve_recipients
from workflows.orgchart.models import RecipientGroup


def addressee_lines_for(
    session: Session, group_codes: Sequence[str], named_groups: Collection[str] = (), on: date | None = None
) -> list[str]:
    """The Kính gửi lines, group by group in the configured order; `named_groups` unit by unit on `on`.

    Without a day (a draft never dated) every group is named collectively.
    """
    if not named_groups or on is None:
        return addressee_lines(session, list(group_codes))
    query = (
        select(RecipientGroup.code)
        .where(RecipientGroup.code.in_(set(group_codes)))
        .order_by(RecipientGroup.position, RecipientGroup.code)
    )
    directory = OrgDirectory(session)
    lines: list[str] = []
    for code in session.scalars(query):
        if code not in named_groups:
            lines += addressee_lines(session, [code])
            continue
        for unit_code in resolve_recipients(session, [code], on):
            unit = directory.unit(unit_code)
            lines.append(unit.name if unit is not None else unit_code)
    return lines
