"""Import users from an administrator's spreadsheet: a preview first, then one transaction.

The table (`workflows.orgchart.table_files`) has a column per field of a user, by Vietnamese header
or field code: username, full name, position and unit required; initials (from the name when
empty), e-mail, signing mark, roles (``specialist@PHONG_A, admin@VP``: each role in a unit, added to
what the user holds, never taken away) and whether the account is active (``có``/``không``)
optional. Every row is checked with the rules of the users page (`workflows.orgchart.user_admin`)
against the database and the file's other rows, each problem naming the line and the column. An
existing username updates that user in the file's columns only; a new one adds a user without a
password (a reset on the users page gives them the link to set one). Only a file without problems
is applied, as one audit event (``workflows:orgchart:users_imported``) listing every user created,
every field changed and every role granted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.messages import Message
from workflows.orgchart.models import Role, RoleAssignment, Unit, User
from workflows.orgchart.table_files import Column, Table
from workflows.orgchart.table_import import (
    EMPTY,
    NEW,
    SAME,
    TOO_LONG,
    UPDATE,
    ImportPreview,
    ImportProblem,
    RowPreview,
    fold,
    read_header,
)
from workflows.orgchart.user_admin import check_user_fields, clean_fields, initials_of

AUDIT_TAG: Final = "workflows:orgchart:users_imported"
COLUMNS: Final = (
    Column("username", "Tên đăng nhập", "Username", 64),
    Column("full_name", "Họ và tên", "Full name", 255),
    Column("initials", "Chữ viết tắt", "Initials", 16),
    Column("position_title", "Chức vụ", "Position", 128),
    Column("unit_code", "Đơn vị", "Unit", 64),
    Column("email", "Thư điện tử", "Email", 255),
    Column("signs_as", "Ký thay mặt", "Signs as", 8),
    Column("roles", "Vai trò", "Roles", 2_000),
    Column("active", "Đang hoạt động", "Active", 10),
)
BY_FIELD: Final = {column.field: column for column in COLUMNS}
REQUIRED: Final = ("username", "full_name", "position_title", "unit_code")
_YES, _NO = {"có", "co", "x", "1", "yes", "true"}, {"không", "khong", "0", "no", "false"}

FILE_EMPTY = Message("empty", "The file has no rows of users.", "Tệp không có dòng người dùng nào.")
USERNAME_TWICE = Message(
    "username_twice",
    "The username “{value}” is already on line {line}.",
    "Tên đăng nhập “{value}” đã có ở dòng {line}.",
)
BAD_ROLE = Message(
    "bad_role",
    "“{value}” is not a role in a unit written role@UNIT.",
    "“{value}” không viết dạng vai_trò@MÃ_ĐƠN_VỊ.",
)
UNKNOWN_ROLE = Message(
    "unknown_role", "No role “{value}” (roles: {known}).", "Không có vai trò “{value}” (các vai trò: {known})."
)
ROLE_UNIT = Message(
    "role_unit", "No unit “{value}” valid today for the role.", "Không có đơn vị “{value}” còn hiệu lực cho vai trò."
)
BAD_ACTIVE = Message("bad_active", "Write “có” or “không”.", "Ghi “có” hoặc “không”.")


class UserImportInvalid(ValueError):
    """The file has problems; nothing was stored. `preview` lists them."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__("\n".join(map(str, preview.problems)))
        self.preview = preview


class _Checker:
    """Checks the rows of one table against the database and one another."""

    def __init__(self, session: Session, columns: list[Column | None], on: date) -> None:
        self.session = session
        self.columns = columns
        self.on = on
        self.stored = {user.username: user for user in session.scalars(select(User))}
        self.held = {(a.username, a.role, a.unit_code) for a in session.scalars(select(RoleAssignment))}
        roles = list(session.scalars(select(Role).order_by(Role.position, Role.code)))
        self.roles = {role.code for role in roles}
        self.known_roles = ", ".join(role.code for role in roles)
        self.open_units = {u.code for u in session.scalars(select(Unit)) if u.is_valid_on(on)}
        self.seen: dict[str, int] = {}

    def row(self, line: int, cells: list[str]) -> RowPreview:
        text = {c.field: (cells[i] if i < len(cells) else "") for i, c in enumerate(self.columns) if c is not None}
        username = text.get("username", "")
        preview = RowPreview(line, username, text.get("full_name", ""))

        def problem(name: str, message: Message) -> None:
            preview.problems.append(ImportProblem(line, BY_FIELD[name], message))

        for name, value in text.items():
            if name in REQUIRED and not value:
                problem(name, EMPTY)
            elif len(value) > BY_FIELD[name].limit:
                problem(name, TOO_LONG.format(limit=BY_FIELD[name].limit))
        stored = self.stored.get(username)
        if username and username in self.seen:
            problem("username", USERNAME_TWICE.format(value=username, line=self.seen[username]))
        self.seen.setdefault(username, line)
        fields = {name: value for name, value in text.items() if name not in ("roles", "active")}
        values = clean_fields(fields)
        if stored is not None and values.get("unit_code") == stored.unit_code:
            values.pop("unit_code")  # an ended unit the user already belongs to is no new choice
        already = {p.column.field for p in preview.problems if p.column is not None}
        for found in check_user_fields(self.session, values, self.on, new=stored is None and bool(username)):
            if found.field not in already:
                problem(found.field, found.message)
        if stored is not None and "unit_code" not in values and "unit_code" in text:
            values["unit_code"] = stored.unit_code
        if "active" in text:
            answer = fold(text["active"])
            if answer and answer not in _YES | _NO:
                problem("active", BAD_ACTIVE)
            values["active"] = answer not in _NO if answer else True
        roles = self._roles(text.get("roles", ""), username, problem)
        self._plan(preview, values, stored, roles)
        return preview

    def _roles(self, text: str, username: str, problem: Any) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for item in (part.strip() for part in text.replace(",", ";").split(";")):
            if not item:
                continue
            role, at, unit = item.partition("@")
            if not at or not role or not unit:
                problem("roles", BAD_ROLE.format(value=item))
            elif role not in self.roles:
                problem("roles", UNKNOWN_ROLE.format(value=role, known=self.known_roles))
            elif unit not in self.open_units:
                problem("roles", ROLE_UNIT.format(value=unit))
            elif (username, role, unit) not in self.held and (role, unit) not in pairs:
                pairs.append((role, unit))
        return pairs

    def _plan(
        self, preview: RowPreview, values: dict[str, Any], stored: User | None, roles: list[tuple[str, str]]
    ) -> None:
        values.pop("username", None)
        if stored is None:
            values.setdefault("active", True)
            if not values.get("initials"):
                values["initials"] = initials_of(values.get("full_name") or "")
            preview.values = {**values, "roles": roles}
            preview.action = NEW
            return
        preview.changes = {
            name: (getattr(stored, name), value) for name, value in values.items() if getattr(stored, name) != value
        }
        if roles:
            preview.changes["roles"] = ("", "; ".join(f"{role}@{unit}" for role, unit in roles))
        preview.values = {**values, "roles": roles}
        preview.action = UPDATE if preview.changes else SAME


def preview_import(session: Session, table: Table, on: date) -> ImportPreview:
    """What importing `table` on day `on` would do to the stored users, and every problem of it; writes nothing."""
    columns, header_problems = read_header(table, COLUMNS, REQUIRED)
    checker = _Checker(session, columns, on)
    rows = [checker.row(line, cells) for line, cells in table.rows]
    return ImportPreview(table.filename, header_problems, rows)


def apply_import(session: Session, table: Table, *, actor: str, at: datetime, on: date) -> ImportPreview:
    """Check `table` again and store it: users added and changed, roles granted, one audit event; flush only.

    UserImportInvalid when the file has any problem; then nothing is written.
    """
    preview = preview_import(session, table, on)
    if not preview.ok:
        raise UserImportInvalid(preview)
    stored = {user.username: user for user in session.scalars(select(User))}
    created: list[str] = []
    updated: dict[str, dict[str, list[Any]]] = {}
    granted: list[str] = []
    for row in preview.rows:
        values = {name: value for name, value in row.values.items() if name != "roles"}
        if row.action == NEW:
            session.add(User(username=row.code, **values))
            created.append(row.code)
        elif row.action == UPDATE:
            user = stored[row.code]
            for name, (before, after) in row.changes.items():
                if name != "roles":
                    setattr(user, name, after)
                    updated.setdefault(row.code, {})[name] = [before, after]
    session.flush()  # the users exist before their roles refer to them
    for row in preview.rows:
        for role, unit in row.values.get("roles", []):
            session.add(RoleAssignment(username=row.code, role=role, unit_code=unit))
            granted.append(f"{row.code}: {role}@{unit}")
    session.flush()
    if created or updated or granted:
        changes: dict[str, Any] = {}
        if created or updated:
            changes["user"] = {"created": created, "updated": updated}
        if granted:
            changes["role_assignment"] = {"granted": granted}
        audit.append(session, AUDIT_TAG, actor=actor, at=at, after={"file": table.filename, "changes": changes})
    return preview
