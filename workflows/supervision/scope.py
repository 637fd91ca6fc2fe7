"""Who sees what on the supervision pages (docs/lifecycle.md §3).

The director, the agency's other leaders and the supervisors see the whole agency; the leader of
a recipient unit sees that unit's part; a head of division sees the directives their division
leads (what each recipient unit owes) and the steps waiting in the division itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true

from engine.models import TaskRow
from workflows.directive.tracking import UnitTracking

WHOLE_AGENCY_ROLES = frozenset({"director", "leader"})


@dataclass(frozen=True)
class Scope:
    """The part of the agency's work one person supervises."""

    whole_agency: bool = False
    units: frozenset[str] = frozenset()
    divisions: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """Whether the person supervises nothing (the pages answer 403)."""
        return not (self.whole_agency or self.units or self.divisions)

    def tracking(self) -> ColumnElement[bool]:
        """The units' rows within the scope."""
        if self.whole_agency:
            return true()
        return or_(
            UnitTracking.unit_code.in_(sorted(self.units)) if self.units else false(),
            UnitTracking.lead_division.in_(sorted(self.divisions)) if self.divisions else false(),
        )

    def tasks(self) -> ColumnElement[bool]:
        """The task rows within the scope: waiting in the person's units, or of their divisions' cases."""
        if self.whole_agency:
            return true()
        led = select(UnitTracking.case_id).where(UnitTracking.lead_division.in_(sorted(self.divisions)))
        return or_(self.tasks_in_place(), TaskRow.case_id.in_(led) if self.divisions else false())

    def tasks_in_place(self) -> ColumnElement[bool]:
        """The task rows waiting in the person's own units and divisions (the board's steps: what
        the units of a division's directives owe comes from their tracking rows instead)."""
        if self.whole_agency:
            return true()
        places = sorted(self.units | self.divisions)
        return TaskRow.candidate_unit.in_(places) if places else false()

    def sees_unit_row(self, row: UnitTracking) -> bool:
        """Whether one unit's row of a directive is within the scope."""
        return self.whole_agency or row.unit_code in self.units or row.lead_division in self.divisions


def scope_of(roles: Iterable[tuple[str, str]], agency_code: str) -> Scope:
    """The scope of a person holding these (role, unit) pairs."""
    roles = set(roles)
    whole = any(role == "supervisor" or (role in WHOLE_AGENCY_ROLES and unit == agency_code) for role, unit in roles)
    units = frozenset(unit for role, unit in roles if role == "leader" and unit != agency_code)
    divisions = frozenset(unit for role, unit in roles if role == "division_head")
    return Scope(whole, units, divisions)
