"""Naming and cancelling a substitute for an officer's days away, with every rule checked first.

Who may name one: the absent officer, a leader over them (``substitutes.leads_over``), or an
administrator. The substitute must be another active user related to the absent officer
(``substitutes.related``: a role in one of their units, or leading over them), not away themselves
on any of those days. The
days run from today or later, in order, at most ``LONGEST_DAYS`` long, and do not overlap another
substitution of the same officer. Every problem is reported at once, by field, and nothing is
stored unless there is none. Both commands are recorded in the audit trail and only flush.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.models import User
from workflows.orgchart.substitutes import Substitution, leads_over, overlapping, related, role_units

#: A substitution longer than a year is a reassignment, which the org chart expresses instead.
LONGEST_DAYS: Final = 366
REASON_MAX: Final = 500


@dataclass(frozen=True)
class Problem:
    """One refused field: its name, a stable code the pages turn into words, and the values to show."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class SubstitutionRefused(ValueError):
    """Nothing was stored: the request breaks the rules listed in `problems`."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


class SubstitutionNotFound(LookupError):
    """No substitution with this id that the person may see (or it is already cancelled or over)."""


def _active(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username, User.active.is_(True)))


def may_name_for(session: Session, by: str, absent: str) -> bool:
    """Whether `by` may name (or cancel) a substitute for `absent`: themselves, a leader over them, or an
    administrator (who keeps the organisation, for anyone: /admin/substitutes)."""
    return by == absent or leads_over(session, by, absent) or OrgDirectory(session).administers(by)


def _check_people(session: Session, by: str, absent: str, substitute: str) -> list[Problem]:
    problems = []
    if _active(session, absent) is None or not role_units(session, absent):
        problems.append(Problem("absent", "unknown"))
    elif not may_name_for(session, by, absent):
        problems.append(Problem("absent", "not_allowed"))
    if not substitute or _active(session, substitute) is None:
        problems.append(Problem("substitute", "unknown"))
    elif substitute == absent:
        problems.append(Problem("substitute", "same_person"))
    elif not any(p.field == "absent" for p in problems) and not related(session, substitute, absent):
        problems.append(Problem("substitute", "unrelated"))
    return problems


def _check_days(session: Session, absent: str, from_date: date, to_date: date, today: date) -> list[Problem]:
    problems = []
    if from_date < today:
        problems.append(Problem("from_date", "past", {"today": today}))
    if to_date < from_date:
        problems.append(Problem("to_date", "before_start"))
    elif (to_date - from_date).days + 1 > LONGEST_DAYS:
        problems.append(Problem("to_date", "too_long", {"days": LONGEST_DAYS}))
    taken = None if problems else overlapping(session, "absent_username", absent, from_date, to_date)
    if taken is not None:
        params = {"substitute": taken.substitute_username, "from": taken.from_date, "to": taken.to_date}
        problems.append(Problem("from_date", "overlap", params))
    return problems


def name_substitute(
    session: Session,
    *,
    by: str,
    absent: str,
    substitute: str,
    from_date: date,
    to_date: date,
    reason: str | None,
    at: datetime,
    today: date,
) -> Substitution:
    """Store a substitution after checking every rule; SubstitutionRefused lists what is wrong."""
    text = " ".join((reason or "").split()) or None
    problems = _check_people(session, by, absent, substitute)
    problems += _check_days(session, absent, from_date, to_date, today)
    # No chains: someone away on one of those days cannot stand in for anyone then.
    away = None if problems else overlapping(session, "absent_username", substitute, from_date, to_date)
    if away is not None:
        problems.append(Problem("substitute", "away", {"from": away.from_date, "to": away.to_date}))
    if text is not None and len(text) > REASON_MAX:
        problems.append(Problem("reason", "too_long", {"max": REASON_MAX}))
    if problems:
        raise SubstitutionRefused(problems)
    row = Substitution(
        absent_username=absent,
        substitute_username=substitute,
        from_date=from_date,
        to_date=to_date,
        reason=text,
        created_by=by,
        created_at=at,
    )
    session.add(row)
    session.flush()
    audit.append(session, "workflows:substitution:named", actor=by, at=at, after=_described(row), comment=text)
    return row


def cancel_substitution(session: Session, substitution_id: int, *, by: str, at: datetime, today: date) -> Substitution:
    """Cancel a running or future substitution: by its maker, the absent officer or a leader over them."""
    row = session.get(Substitution, substitution_id)
    if row is None or row.cancelled_at is not None or row.to_date < today or not may_cancel(session, by, row):
        raise SubstitutionNotFound(substitution_id)
    row.cancelled_at, row.cancelled_by = at, by
    session.flush()
    audit.append(session, "workflows:substitution:cancelled", actor=by, at=at, before=_described(row))
    return row


def may_cancel(session: Session, by: str, row: Substitution) -> bool:
    """Whether `by` may cancel the substitution: who made it, the absent officer, or a leader over them."""
    return by == row.created_by or may_name_for(session, by, row.absent_username)


def _described(row: Substitution) -> dict[str, Any]:
    return {
        "id": row.id,
        "absent": row.absent_username,
        "substitute": row.substitute_username,
        "from": row.from_date.isoformat(),
        "to": row.to_date.isoformat(),
    }
