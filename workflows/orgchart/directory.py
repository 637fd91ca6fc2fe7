"""Who may do what: the org chart's users and roles, answered from the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from workflows.orgchart import substitutes
from workflows.orgchart.models import RoleAssignment, Unit, User

#: Roles that open everything and change nothing; a person holding one beside another role acts with the other.
READ_ONLY_ROLES = frozenset({"auditor"})
#: The administrator's role: whoever holds it, in any unit, administers every case.
ADMIN_ROLE = "admin"


class OrgDirectory:
    """The directory of users, roles and units, read from the org-chart tables of one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def may_act(self, username: str, role: str, unit_code: str) -> bool:
        """Whether an active user holds `role` in unit `unit_code`."""
        query = select(
            exists().where(
                RoleAssignment.username == username,
                RoleAssignment.role == role,
                RoleAssignment.unit_code == unit_code,
                User.username == RoleAssignment.username,
                User.active.is_(True),
            )
        )
        return bool(self._session.scalar(query))

    def anyone_holds(self, role: str, unit_code: str) -> bool:
        """Whether some active user holds `role` in unit `unit_code`: a task there has someone to do it."""
        query = select(
            exists().where(
                RoleAssignment.role == role,
                RoleAssignment.unit_code == unit_code,
                User.username == RoleAssignment.username,
                User.active.is_(True),
            )
        )
        return bool(self._session.scalar(query))

    def stands_in_for(self, username: str, on: date) -> list[str]:
        """The absent officers whose work `username` may do on day `on` (see workflows.orgchart.substitutes)."""
        return substitutes.stands_in_for(self._session, username, on)

    def reads_only(self, username: str) -> bool:
        """Whether an active user holds only read-only roles (an auditor): they may change nothing."""
        query = _active_assignments().with_only_columns(RoleAssignment.role).where(RoleAssignment.username == username)
        roles = set(self._session.scalars(query.distinct()))
        return bool(roles) and roles <= READ_ONLY_ROLES

    def administers(self, username: str) -> bool:
        """Whether an active user holds the administrator's role, in whatever unit."""
        query = _active_assignments().where(RoleAssignment.username == username, RoleAssignment.role == ADMIN_ROLE)
        return self._session.execute(query.limit(1)).first() is not None

    def roles_of(self, username: str) -> set[tuple[str, str]]:
        """The (role, unit code) pairs an active user holds; none for inactive or unknown users."""
        query = _active_assignments().where(RoleAssignment.username == username)
        return {(row.role, row.unit_code) for row in self._session.execute(query)}

    def user(self, username: str) -> User | None:
        """The user with this username, active or not."""
        return self._session.scalar(select(User).where(User.username == username))

    def unit(self, code: str) -> Unit | None:
        """The unit with this code, whatever its validity dates."""
        return self._session.scalar(select(Unit).where(Unit.code == code))

    def colleagues(self, username: str) -> list[str]:
        """Other active users sharing a (role, unit) pair with this user: who can take over."""
        mine = aliased(RoleAssignment)
        query = (
            select(RoleAssignment.username)
            .join(User, User.username == RoleAssignment.username)
            .join(
                mine,
                (mine.role == RoleAssignment.role) & (mine.unit_code == RoleAssignment.unit_code),
            )
            .where(
                mine.username == username,
                RoleAssignment.username != username,
                User.active.is_(True),
            )
            .distinct()
            .order_by(RoleAssignment.username)
        )
        return list(self._session.scalars(query))

    def holders(self, role: str, unit_code: str) -> list[str]:
        """Usernames of the active users who hold `role` in unit `unit_code`, sorted."""
        query = (
            _active_assignments()
            .where(RoleAssignment.role == role, RoleAssignment.unit_code == unit_code)
            .order_by(RoleAssignment.username)
        )
        return [row.username for row in self._session.execute(query)]


def _active_assignments() -> Select[str, str, str]:
    """Role assignments of active users, as (username, role, unit_code) rows."""
    return (
        select(RoleAssignment.username, RoleAssignment.role, RoleAssignment.unit_code)
        .join(User, User.username == RoleAssignment.username)
        .where(User.active.is_(True))
    )
