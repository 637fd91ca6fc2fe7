"""Who may do what: the org chart's users and roles, answered from the database."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction, aliased

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
        return (role, unit_code) in self.roles_of(username)

    def anyone_holds(self, role: str, unit_code: str) -> bool:
        """Whether some active user holds `role` in unit `unit_code`: a task there has someone to do it."""
        return bool(self._session.scalar(_ANYONE_HOLDS, {"role": role, "unit_code": unit_code}))

    def stands_in_for(self, username: str, on: date) -> list[str]:
        """The absent officers whose work `username` may do on day `on` (see workflows.orgchart.substitutes)."""
        return substitutes.stands_in_for(self._session, username, on)

    def reads_only(self, username: str) -> bool:
        """Whether an active user holds only read-only roles (an auditor): they may change nothing."""
        roles = {role for role, _unit in self.roles_of(username)}
        return bool(roles) and roles <= READ_ONLY_ROLES

    def administers(self, username: str) -> bool:
        """Whether an active user holds the administrator's role, in whatever unit."""
        return any(role == ADMIN_ROLE for role, _unit in self.roles_of(username))

    def roles_of(self, username: str) -> frozenset[tuple[str, str]]:
        """The (role, unit code) pairs an active user holds; none for inactive or unknown users.

        Read once per user and transaction: a command asks whether its actor reads only, then whether
        they hold the task's role, and both come from this one query. The answer is asked again while
        the session holds changes not yet written (the query writes them first: a role just given
        counts); a flush and the end of the transaction or of a savepoint forget it.
        """
        session = self._session
        known: dict[str, frozenset[tuple[str, str]]] = session.info.get(_ROLES_OF_USERS) or {}
        if username in known and not (session.new or session.dirty or session.deleted):
            return known[username]
        rows = session.execute(_ROLES_OF, {"username": username})
        roles = frozenset((row.role, row.unit_code) for row in rows)
        session.info.setdefault(_ROLES_OF_USERS, {})[username] = roles
        return roles

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


# The tables' columns rather than the mapped classes': queries on them return plain rows, which the
# session runs without the ORM's machinery for loading objects (about half the cost of each).
_ASSIGNMENTS, _USERS = RoleAssignment.__table__.c, User.__table__.c


def _active_assignments() -> Select[str, str, str]:
    """Role assignments of active users, as (username, role, unit_code) rows."""
    return (
        select(_ASSIGNMENTS.username, _ASSIGNMENTS.role, _ASSIGNMENTS.unit_code)
        .join_from(RoleAssignment.__table__, User.__table__, _USERS.username == _ASSIGNMENTS.username)
        .where(_USERS.active.is_(True))
    )


# Built once: every engine command asks them.
_ROLES_OF = _active_assignments().where(_ASSIGNMENTS.username == bindparam("username"))
_ANYONE_HOLDS = select(
    exists().where(
        _ASSIGNMENTS.role == bindparam("role"),
        _ASSIGNMENTS.unit_code == bindparam("unit_code"),
        _USERS.username == _ASSIGNMENTS.username,
        _USERS.active.is_(True),
    )
)

# The roles each user holds, as read in this transaction (OrgDirectory.roles_of).
_ROLES_OF_USERS = "directory_roles_of"


@listens_for(Session, "after_flush")
def _forget_roles_after_flush(session: Session, _context: Any) -> None:
    session.info.pop(_ROLES_OF_USERS, None)


@listens_for(Session, "after_transaction_end")
def _forget_roles(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_ROLES_OF_USERS, None)
