"""Users as administrators keep them: created, edited, deactivated (never deleted), roles granted and withdrawn.

Every change checks its fields first and stores nothing when one is wrong (`UserInvalid` names each
field with a message in both languages); a change that passes is flushed (the boundary commits) with
one audit event carrying the actor and the fields before and after. A user is never deleted: the
trail, the registers and the documents keep their names. A password is never shown nor audited: a
reset only clears it (every session of the user ends with it, `web.accounts.sign_in_sessions`) and
records that it was reset; the new one is set by the user.

The rules of a field (`check_user_fields`) are the chart loader's (`workflows.orgchart.validation`):
the same lengths and signing marks, a unit that exists and is valid on the day of the change, an
e-mail address that looks like one. The users import uses them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.messages import Message
from workflows.orgchart.models import Role, RoleAssignment, Unit, User
from workflows.orgchart.validation import SIGNS_AS

SOURCE: Final = "workflows:orgchart"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
LIMITS: Final = {"username": 64, "full_name": 255, "initials": 16, "position_title": 128, "email": 255}
#: The fields an administrator edits, in the order the forms show them.
FIELDS: Final = ("full_name", "initials", "position_title", "unit_code", "email", "signs_as")

REQUIRED = Message("required", "Must not be empty.", "Không được để trống.")
TOO_LONG = Message("too_long", "Longer than {limit} characters.", "Dài hơn {limit} ký tự.")
BAD_USERNAME = Message(
    "bad_username",
    "Lower-case letters without accents, digits and . _ - only, 2 to 64 characters.",
    "Chỉ gồm chữ thường không dấu, chữ số và các dấu . _ -, từ 2 đến 64 ký tự.",
)
USERNAME_TAKEN = Message(
    "username_taken", "“{value}” is already someone's username.", "Tên đăng nhập “{value}” đã có người dùng."
)
UNKNOWN_UNIT = Message("unknown_unit", "No unit “{value}”.", "Không có đơn vị “{value}”.")
UNIT_ENDED = Message(
    "unit_ended", "The unit “{value}” is not valid on {day}.", "Đơn vị “{value}” không còn hiệu lực ngày {day}."
)
BAD_EMAIL = Message("bad_email", "“{value}” is not an e-mail address.", "“{value}” không phải là địa chỉ thư điện tử.")
BAD_SIGNS_AS = Message("bad_signs_as", "Leave empty or choose one of {marks}.", "Để trống hoặc chọn một trong {marks}.")
UNKNOWN_ROLE = Message("unknown_role", "No role “{value}”.", "Không có vai trò “{value}”.")
ROLE_HELD = Message(
    "role_held", "Already holds this role in this unit.", "Người này đã giữ vai trò này tại đơn vị này."
)
UNKNOWN_USER = Message("unknown_user", "No user “{value}”.", "Không có người dùng “{value}”.")


@dataclass(frozen=True)
class UserProblem:
    """A field and what is wrong with it."""

    field: str
    message: Message


class UserInvalid(ValueError):
    """Some fields are wrong; nothing was stored."""

    def __init__(self, problems: list[UserProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.vi}" for p in problems))
        self.problems = problems


def initials_of(full_name: str) -> str:
    """The initials ND30's "Lưu" line gives a drafter: the first letter of each word, upper case."""
    return "".join(word[0] for word in full_name.split() if word).upper()[: LIMITS["initials"]]


def clean_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Text fields stripped; empty optional ones as None; initials from the name when left empty."""
    values: dict[str, Any] = {name: str(raw.get(name) or "").strip() for name in ("username", *FIELDS) if name in raw}
    for name in ("email", "signs_as"):
        if name in values and not values[name]:
            values[name] = None
    if "initials" in values and not values["initials"] and values.get("full_name"):
        values["initials"] = initials_of(values["full_name"])
    return values


def check_user_fields(
    session: Session, values: dict[str, Any], on: date, *, new: bool, taken: set[str] | None = None
) -> list[UserProblem]:
    """The problems of a user's fields (`clean_fields`' output), on day `on`; `new`: the username too."""
    problems: list[UserProblem] = []

    def problem(name: str, message: Message) -> None:
        problems.append(UserProblem(name, message))

    if new:
        username = values.get("username") or ""
        if not username:
            problem("username", REQUIRED)
        elif not USERNAME.fullmatch(username):
            problem("username", BAD_USERNAME)
        elif username in (taken or set()) or session.scalar(select(User.id).where(User.username == username)):
            problem("username", USERNAME_TAKEN.format(value=username))
    for name in ("full_name", "initials", "position_title", "unit_code"):
        if name in values and not values[name]:
            problem(name, REQUIRED)
    for name, limit in LIMITS.items():
        if name != "username" and len(values.get(name) or "") > limit:
            problem(name, TOO_LONG.format(limit=limit))
    if code := values.get("unit_code"):
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            problem("unit_code", UNKNOWN_UNIT.format(value=code))
        elif not unit.is_valid_on(on):
            problem("unit_code", UNIT_ENDED.format(value=code, day=on.strftime("%d/%m/%Y")))
    if (email := values.get("email")) and not EMAIL.fullmatch(email):
        problem("email", BAD_EMAIL.format(value=email))
    if (signs_as := values.get("signs_as")) and signs_as not in SIGNS_AS:
        problem("signs_as", BAD_SIGNS_AS.format(marks=", ".join(sorted(SIGNS_AS))))
    return problems


def _shown(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in ("username", *FIELDS, "active")}


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserInvalid([UserProblem("username", UNKNOWN_USER.format(value=username))])
    return user


def create_user(session: Session, raw: dict[str, Any], *, actor: str, at: datetime, on: date) -> User:
    """A new active user without a password (set through a reset link); audited; flush only."""
    values = clean_fields({"initials": "", **raw})
    problems = check_user_fields(session, values, on, new=True)
    if problems:
        raise UserInvalid(problems)
    user = User(**{name: values.get(name) for name in ("username", *FIELDS)}, active=True)
    session.add(user)
    session.flush()
    audit.append(session, f"{SOURCE}:user_created", actor=actor, at=at, after=_shown(user))
    return user


def update_user(
    session: Session, username: str, raw: dict[str, Any], *, actor: str, at: datetime, on: date
) -> dict[str, Any]:
    """Change the given fields; audited with each field before and after; the changes (none: no event)."""
    user = _user(session, username)
    values = clean_fields({name: raw[name] for name in FIELDS if name in raw})
    if values.get("unit_code") == user.unit_code:
        # The unit a user already belongs to may have ended since: keeping it is no new choice.
        values.pop("unit_code")
    problems = check_user_fields(session, values, on, new=False)
    if problems:
        raise UserInvalid(problems)
    changes = {name: [getattr(user, name), value] for name, value in values.items() if getattr(user, name) != value}
    for name, (_before, after) in changes.items():
        setattr(user, name, after)
    session.flush()
    if changes:
        audit.append(
            session,
            f"{SOURCE}:user_updated",
            actor=actor,
            at=at,
            before={"username": username, **{n: b for n, (b, _a) in changes.items()}},
            after={"username": username, **{n: a for n, (_b, a) in changes.items()}},
        )
    return changes


def set_active(session: Session, username: str, active: bool, *, actor: str, at: datetime) -> bool:
    """Deactivate (or reactivate) a user: an inactive one signs in nowhere, is offered no task; whether it changed."""
    user = _user(session, username)
    if user.active == active:
        return False
    user.active = active
    session.flush()
    action = "user_reactivated" if active else "user_deactivated"
    audit.append(
        session,
        f"{SOURCE}:{action}",
        actor=actor,
        at=at,
        before={"username": username, "active": not active},
        after={"username": username, "active": active},
    )
    return True


def reset_password(session: Session, username: str, *, actor: str, at: datetime) -> None:
    """Clear the user's password: it no longer signs in, every session ends; the user sets a new one."""
    user = _user(session, username)
    user.password_hash = None
    session.flush()
    audit.append(session, f"{SOURCE}:password_reset", actor=actor, at=at, after={"username": username})


def set_password_hash(session: Session, username: str, password_hash: str, *, actor: str, at: datetime) -> None:
    """Store a password the user chose (hashed by the caller); audited without the hash."""
    user = _user(session, username)
    user.password_hash = password_hash
    session.flush()
    audit.append(session, f"{SOURCE}:password_set", actor=actor, at=at, after={"username": username})


def grant_role(
    session: Session, username: str, role: str, unit_code: str, *, actor: str, at: datetime, on: date
) -> RoleAssignment:
    """Give a user a role in a unit (valid on day `on`); audited; UserInvalid naming role or unit otherwise."""
    _user(session, username)
    problems: list[UserProblem] = []
    if not session.scalar(select(Role.id).where(Role.code == role)):
        problems.append(UserProblem("role", UNKNOWN_ROLE.format(value=role or "—")))
    problems += check_user_fields(session, {"unit_code": unit_code}, on, new=False)
    held = select(RoleAssignment.id).where(
        RoleAssignment.username == username, RoleAssignment.role == role, RoleAssignment.unit_code == unit_code
    )
    if not problems and session.scalar(held):
        problems.append(UserProblem("role", ROLE_HELD))
    if problems:
        raise UserInvalid(problems)
    assignment = RoleAssignment(username=username, role=role, unit_code=unit_code)
    session.add(assignment)
    session.flush()
    after = {"username": username, "role": role, "unit": unit_code}
    audit.append(session, f"{SOURCE}:role_granted", actor=actor, at=at, after=after)
    return assignment


def withdraw_role(session: Session, username: str, assignment_id: int, *, actor: str, at: datetime) -> bool:
    """Take a role away from a user (the trail keeps what it was); audited; False when it was not theirs."""
    assignment = session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.username != username:
        return False
    before = {"username": username, "role": assignment.role, "unit": assignment.unit_code}
    session.delete(assignment)
    session.flush()
    audit.append(session, f"{SOURCE}:role_withdrawn", actor=actor, at=at, before=before)
    return True


def count_users(session: Session) -> int:
    """How many users there are, active or not."""
    return session.scalar(select(func.count()).select_from(User)) or 0
