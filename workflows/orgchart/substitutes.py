"""Out of office: a substitute named for the days an officer is away, and who relates to whom.

While a substitution runs (``from_date`` to ``to_date``, both included, in the business's days)
the substitute may do the absent officer's work: the tasks offered to the absent officer's
(role, unit) pairs and the tasks assigned to them (see ``OrgDirectory.stands_in_for`` and
``Engine.may_do``). It is not passed on: a substitute's own substitute does not inherit it.

The rules of naming one are in ``workflows.orgchart.out_of_office``; this module holds the table
and the questions the directory and the pages ask of the org chart:

- a *leader over* an officer holds ``leader``, ``division_head`` or ``director`` in a unit above
  one the officer holds a role in, or in that unit itself with a higher rank than the officer's
  there (director over leader over division head over everyone else): the director over the
  deputies, a deputy over the clerk, but no deputy over another deputy or over the director;
- a person *related to* an officer, and so fit to stand in for them, holds a role in one of those
  units or leads over the officer: a colleague of the same division or unit, or someone above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from engine.db import Base
from engine.types import UtcDateTime
from workflows.orgchart.models import RoleAssignment, Unit, User

#: Roles whose holders lead a unit and every unit below it, by rank within the unit.
RANKS: Final = {"division_head": 1, "leader": 2, "director": 3}
LEADING_ROLES: Final = tuple(RANKS)


class Substitution(Base):
    """One officer's substitute for a range of days; a cancelled one grants nothing."""

    __tablename__ = "substitution"
    __table_args__ = (
        CheckConstraint("from_date <= to_date", name="days_in_order"),
        CheckConstraint("absent_username <> substitute_username", name="not_oneself"),
        # The engine asks "whom does this person stand in for today?"; the pages ask the reverse.
        Index("ix_substitution_substitute", "substitute_username", "to_date"),
        Index("ix_substitution_absent", "absent_username", "to_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    absent_username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    substitute_username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    # Both days included, as people say "từ ngày … đến ngày …".
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def runs_on(self, on: date) -> bool:
        """Whether the substitution grants anything on day `on`."""
        return self.cancelled_at is None and self.from_date <= on <= self.to_date


def stands_in_for(session: Session, username: str, on: date) -> list[str]:
    """The absent officers whose work `username` may do on day `on` (both people active), sorted."""
    absent, substitute = aliased(User), aliased(User)
    query = (
        select(Substitution.absent_username)
        .join(absent, absent.username == Substitution.absent_username)
        .join(substitute, substitute.username == Substitution.substitute_username)
        .where(
            Substitution.substitute_username == username,
            Substitution.cancelled_at.is_(None),
            Substitution.from_date <= on,
            Substitution.to_date >= on,
            absent.active.is_(True),
            substitute.active.is_(True),
        )
        .distinct()
        .order_by(Substitution.absent_username)
    )
    return list(session.scalars(query))


def overlapping(session: Session, column: str, username: str, first: date, last: date) -> Substitution | None:
    """A running or future substitution naming `username` in `column` that shares a day with first..last."""
    query = (
        select(Substitution)
        .where(
            getattr(Substitution, column) == username,
            Substitution.cancelled_at.is_(None),
            Substitution.from_date <= last,
            Substitution.to_date >= first,
        )
        .order_by(Substitution.from_date)
        .limit(1)
    )
    return session.scalar(query)


def role_units(session: Session, username: str) -> set[str]:
    """The units in which the user holds a role."""
    return set(session.scalars(select(RoleAssignment.unit_code).where(RoleAssignment.username == username)))


def with_ancestors(session: Session, codes: Iterable[str]) -> set[str]:
    """The given units and every unit above them."""
    found, frontier = set(codes), set(codes)
    while frontier:
        parents = set(session.scalars(select(Unit.parent_code).where(Unit.code.in_(frontier)))) - {None}
        frontier = {code for code in parents if code is not None} - found
        found |= frontier
    return found


def with_descendants(session: Session, codes: Iterable[str]) -> set[str]:
    """The given units and every unit below them."""
    found, frontier = set(codes), set(codes)
    while frontier:
        frontier = set(session.scalars(select(Unit.code).where(Unit.parent_code.in_(frontier)))) - found
        found |= frontier
    return found


def led_units(session: Session, username: str) -> dict[str, int]:
    """The units the user leads (holds a leading role in), without those below them, with the highest rank held."""
    query = select(RoleAssignment.unit_code, RoleAssignment.role).where(
        RoleAssignment.username == username, RoleAssignment.role.in_(LEADING_ROLES)
    )
    ranks: dict[str, int] = {}
    for unit, role in session.execute(query):
        ranks[unit] = max(ranks.get(unit, 0), RANKS[role])
    return ranks


def leads_over(session: Session, leader: str, username: str) -> bool:
    """Whether `leader` leads a unit above one of `username`'s units, or that unit itself with a higher rank."""
    led = led_units(session, leader)
    if not led or leader == username:
        return False
    own = led_units(session, username)
    for unit in role_units(session, username):
        if led.get(unit, 0) > own.get(unit, 0) or led.keys() & (with_ancestors(session, {unit}) - {unit}):
            return True
    return False


def related(session: Session, candidate: str, absent: str) -> bool:
    """Whether `candidate` may stand in for `absent`: a role in one of their units, or leading over them."""
    return bool(role_units(session, candidate) & role_units(session, absent)) or leads_over(session, candidate, absent)


def people_led_by(session: Session, leader: str) -> list[User]:
    """Active users holding a role in a unit the leader leads or below it, by name."""
    units = with_descendants(session, led_units(session, leader))
    if not units:
        return []
    holders = select(RoleAssignment.username).where(RoleAssignment.unit_code.in_(units))
    query = select(User).where(User.username.in_(holders), User.active.is_(True)).order_by(User.full_name)
    return [user for user in session.scalars(query) if leads_over(session, leader, user.username)]


def current_and_future(session: Session, today: date, usernames: Iterable[str], viewer: str) -> list[Substitution]:
    """Substitutions not cancelled and not over by `today` that name one of `usernames` or were made by `viewer`."""
    people = sorted(set(usernames))
    query = (
        select(Substitution)
        .where(
            Substitution.cancelled_at.is_(None),
            Substitution.to_date >= today,
            or_(
                Substitution.absent_username.in_(people),
                Substitution.substitute_username.in_(people),
                Substitution.created_by == viewer,
            ),
        )
        .order_by(Substitution.from_date, Substitution.id)
    )
    return list(session.scalars(query))
