"""Load an org chart from a JSON file into the database, idempotently (upsert by natural key)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.orgchart import OrgChartError
from workflows.orgchart.models import (
    ROLES,
    UNIT_KINDS,
    RecipientGroup,
    RoleAssignment,
    Setting,
    Unit,
    User,
)

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_CHART = DATA_DIR / "lang_son_2023.json"

# Settings whose value is a unit code; a typo there would break every workflow, so check it here.
UNIT_SETTINGS = frozenset({"agency", "office_unit", "parent_body"})
SELECTOR_KEYS = frozenset({"kind", "parent", "parent_kind"})

_UNIT_REQUIRED = frozenset({"code", "name", "kind", "valid_from"})
_UNIT_OPTIONAL = frozenset(
    {
        "short_name",
        "header_name",
        "notation",
        "display_code",
        "parent_code",
        "email",
        "organ_id",
        "valid_to",
        "note",
    }
)
_GROUP_REQUIRED = frozenset({"code", "name", "addressee_line", "selector"})
_USER_REQUIRED = frozenset({"username", "full_name", "initials", "position_title", "unit_code"})
# "note" on a user documents where the data comes from; it is not stored.
_USER_OPTIONAL = frozenset({"email", "active", "roles", "signs_as", "note"})
#: The authority marks a user may sign with instead of the deputy's "KT." (ND30 Phụ lục I).
SIGNS_AS = frozenset({"KT.", "Q.", "TL.", "TUQ.", "TM."})
_TOP_LEVEL = frozenset({"format", "version", "notes", "settings", "units", "recipient_groups", "users"})


@dataclass
class LoadSummary:
    """Rows created, updated and removed per entity (unit, group, user, role, setting)."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the load changed anything in the database."""
        return any(self.created.values()) or any(self.updated.values()) or any(self.removed.values())


def _bump(bucket: dict[str, int], entity: str) -> None:
    bucket[entity] = bucket.get(entity, 0) + 1


def load_org_chart(session: Session, path: str | Path = DEFAULT_CHART) -> LoadSummary:
    """Upsert the units, groups, users, roles and settings of a chart file; flush, never commit."""
    document = _read(Path(path))
    units = _entries(document, "units")
    groups = _entries(document, "recipient_groups")
    users = _entries(document, "users")
    settings = document.get("settings", {})
    if not isinstance(settings, dict):
        raise OrgChartError("settings", "must be an object")

    # Validate everything before writing anything, so a bad file leaves the session untouched.
    known_units = _validate_units(session, units)
    _validate_groups(groups, known_units)
    _validate_users(users, known_units)
    _validate_settings(settings, known_units)

    summary = LoadSummary()
    _upsert_units(session, units, summary)
    _upsert_groups(session, groups, summary)
    _upsert_users(session, users, summary)
    _sync_roles(session, users, summary)
    _upsert_settings(session, settings, summary)
    return summary


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OrgChartError(str(path), f"not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise OrgChartError(str(path), "must hold a JSON object")
    unknown = set(document) - _TOP_LEVEL
    if unknown:
        raise OrgChartError(str(path), f"unknown top-level keys {sorted(unknown)}")
    return document


def _entries(document: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    entries = document.get(section, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise OrgChartError(section, "must be a list of objects")
    return entries


def _check_keys(entry: Mapping[str, Any], label: str, required: frozenset[str], optional: frozenset[str]) -> None:
    missing = required - set(entry)
    if missing:
        raise OrgChartError(label, f"missing {sorted(missing)}")
    unknown = set(entry) - required - optional
    if unknown:
        raise OrgChartError(label, f"unknown keys {sorted(unknown)}")


def _parse_date(value: object, label: str, key: str) -> date | None:
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise OrgChartError(label, f"{key} is not an ISO date: {value!r}")


def _check_unique(values: Sequence[str], section: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise OrgChartError(f"{section} {value}", "listed twice")
        seen.add(value)


def _validate_units(session: Session, units: list[dict[str, Any]]) -> set[str]:
    """Check unit entries; return every unit code known after the load."""
    codes = [str(u.get("code")) for u in units]
    _check_unique(codes, "unit")
    known = set(codes) | set(session.scalars(select(Unit.code)))
    for entry in units:
        label = f"unit {entry.get('code')}"
        _check_keys(entry, label, _UNIT_REQUIRED, _UNIT_OPTIONAL)
        if entry["kind"] not in UNIT_KINDS:
            raise OrgChartError(label, f"unknown kind {entry['kind']!r}")
        parent = entry.get("parent_code")
        if parent is not None and parent not in known:
            raise OrgChartError(label, f"unknown parent unit {parent!r}")
        valid_from = _parse_date(entry["valid_from"], label, "valid_from")
        valid_to = _parse_date(entry.get("valid_to"), label, "valid_to")
        if valid_from is None:
            raise OrgChartError(label, "valid_from is required")
        if valid_to is not None and valid_to < valid_from:
            raise OrgChartError(label, "valid_to is before valid_from")
    _check_acyclic(units)
    return known


def _check_acyclic(units: list[dict[str, Any]]) -> None:
    parents = {u["code"]: u.get("parent_code") for u in units}
    for code in parents:
        seen = {code}
        parent = parents.get(code)
        while parent is not None:
            if parent in seen:
                raise OrgChartError(f"unit {code}", "its parents form a cycle")
            seen.add(parent)
            parent = parents.get(parent)


def _validate_groups(groups: list[dict[str, Any]], known_units: set[str]) -> None:
    _check_unique([str(g.get("code")) for g in groups], "recipient group")
    for entry in groups:
        label = f"recipient group {entry.get('code')}"
        _check_keys(entry, label, _GROUP_REQUIRED, frozenset())
        selector = entry["selector"]
        if not isinstance(selector, dict) or "kind" not in selector:
            raise OrgChartError(label, "selector must be an object with a kind")
        unknown = set(selector) - SELECTOR_KEYS
        if unknown:
            raise OrgChartError(label, f"unknown selector keys {sorted(unknown)}")
        for key in ("kind", "parent_kind"):
            if key in selector and selector[key] not in UNIT_KINDS:
                raise OrgChartError(label, f"selector {key} {selector[key]!r} is not a unit kind")
        if "parent" in selector and selector["parent"] not in known_units:
            raise OrgChartError(label, f"selector parent {selector['parent']!r} is not a known unit")


def _validate_users(users: list[dict[str, Any]], known_units: set[str]) -> None:
    _check_unique([str(u.get("username")) for u in users], "user")
    for entry in users:
        label = f"user {entry.get('username')}"
        _check_keys(entry, label, _USER_REQUIRED, _USER_OPTIONAL)
        if entry["unit_code"] not in known_units:
            raise OrgChartError(label, f"unknown unit {entry['unit_code']!r}")
        if entry.get("signs_as") not in (None, *SIGNS_AS):
            raise OrgChartError(label, f"signs_as {entry['signs_as']!r} is not one of {sorted(SIGNS_AS)}")
        for role, unit_code in _role_pairs(entry, label):
            if role not in ROLES:
                raise OrgChartError(label, f"unknown role {role!r}")
            if unit_code not in known_units:
                raise OrgChartError(label, f"role {role} in unknown unit {unit_code!r}")


def _role_pairs(entry: Mapping[str, Any], label: str) -> list[tuple[str, str]]:
    """Parse the "role@UNIT" strings of a user entry."""
    roles = entry.get("roles", [])
    if not isinstance(roles, list):
        raise OrgChartError(label, "roles must be a list of role@UNIT strings")
    pairs: list[tuple[str, str]] = []
    for text in roles:
        role, sep, unit_code = str(text).partition("@")
        if not sep or not role or not unit_code:
            raise OrgChartError(label, f"role {text!r} is not written as role@UNIT")
        pairs.append((role, unit_code))
    return pairs


def _validate_settings(settings: Mapping[str, Any], known_units: set[str]) -> None:
    for key in UNIT_SETTINGS & set(settings):
        if settings[key] not in known_units:
            raise OrgChartError(f"setting {key}", f"unknown unit {settings[key]!r}")


def _same(a: object, b: object) -> bool:
    """Equal including JSON types: False == 0 in Python; as settings they differ."""
    return bool(a == b) and json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _apply(row: object, values: Mapping[str, Any]) -> bool:
    """Set the attributes that differ and say whether any did; unchanged rows are not rewritten."""
    changed = False
    for name, value in values.items():
        if not _same(getattr(row, name), value):
            setattr(row, name, value)
            changed = True
    return changed


def _parents_first(units: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """File order, except that a parent listed later is written before its children (FKs)."""
    by_code = {u["code"]: (position, u) for position, u in enumerate(units)}
    ordered: list[tuple[int, dict[str, Any]]] = []
    placed: set[str] = set()

    def place(code: str) -> None:
        if code in placed or code not in by_code:
            return
        parent = by_code[code][1].get("parent_code")
        if parent is not None:
            place(parent)
        placed.add(code)
        ordered.append(by_code[code])

    for entry in units:
        place(entry["code"])
    return ordered


def _upsert_units(session: Session, units: list[dict[str, Any]], summary: LoadSummary) -> None:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for position, entry in _parents_first(units):
        label = f"unit {entry['code']}"
        notation = entry.get("notation") or entry["code"]
        values: dict[str, Any] = {
            "name": entry["name"],
            "short_name": entry.get("short_name") or entry["name"],
            "header_name": entry.get("header_name"),
            "notation": notation,
            "display_code": entry.get("display_code") or notation,
            "kind": entry["kind"],
            "parent_code": entry.get("parent_code"),
            "email": entry.get("email"),
            "organ_id": entry.get("organ_id"),
            "valid_from": _parse_date(entry["valid_from"], label, "valid_from"),
            "valid_to": _parse_date(entry.get("valid_to"), label, "valid_to"),
            "position": position,
            "note": entry.get("note"),
        }
        row = existing.get(entry["code"])
        if row is None:
            session.add(Unit(code=entry["code"], **values))
            # Flush each new unit: no relationship() tells the unit of work that a parent row must
            # be inserted before its children, so only this order guarantees it.
            session.flush()
            _bump(summary.created, "unit")
        elif _apply(row, values):
            _bump(summary.updated, "unit")
    session.flush()


def _upsert_groups(session: Session, groups: list[dict[str, Any]], summary: LoadSummary) -> None:
    existing = {g.code: g for g in session.scalars(select(RecipientGroup))}
    for position, entry in enumerate(groups):
        values = {
            "name": entry["name"],
            "addressee_line": entry["addressee_line"],
            "selector": dict(entry["selector"]),
            "position": position,
        }
        row = existing.get(entry["code"])
        if row is None:
            session.add(RecipientGroup(code=entry["code"], **values))
            _bump(summary.created, "group")
        elif _apply(row, values):
            _bump(summary.updated, "group")
    session.flush()


def _upsert_users(session: Session, users: list[dict[str, Any]], summary: LoadSummary) -> None:
    existing = {u.username: u for u in session.scalars(select(User))}
    for entry in users:
        # password_hash is absent on purpose: the chart never overwrites a password set later.
        values = {
            "full_name": entry["full_name"],
            "initials": entry["initials"],
            "position_title": entry["position_title"],
            "unit_code": entry["unit_code"],
            "email": entry.get("email"),
            "active": bool(entry.get("active", True)),
            "signs_as": entry.get("signs_as"),
        }
        row = existing.get(entry["username"])
        if row is None:
            session.add(User(username=entry["username"], **values))
            _bump(summary.created, "user")
        elif _apply(row, values):
            _bump(summary.updated, "user")
    session.flush()


def _sync_roles(session: Session, users: list[dict[str, Any]], summary: LoadSummary) -> None:
    """Make each listed user's roles those of the file; users not in the file keep theirs."""
    # Authoritative per user: deleting a role from the file must revoke it, not leave it behind.
    wanted = {
        (entry["username"], role, unit_code)
        for entry in users
        for role, unit_code in _role_pairs(entry, f"user {entry['username']}")
    }
    usernames = [entry["username"] for entry in users]
    current = {
        (r.username, r.role, r.unit_code): r
        for r in session.scalars(select(RoleAssignment).where(RoleAssignment.username.in_(usernames)))
    }
    for key, row in current.items():
        if key not in wanted:
            session.delete(row)
            _bump(summary.removed, "role")
    for username, role, unit_code in sorted(wanted - set(current)):
        session.add(RoleAssignment(username=username, role=role, unit_code=unit_code))
        _bump(summary.created, "role")
    session.flush()


def _upsert_settings(session: Session, settings: Mapping[str, Any], summary: LoadSummary) -> None:
    existing = {s.key: s for s in session.scalars(select(Setting))}
    for key, value in settings.items():
        row = existing.get(key)
        if row is None:
            session.add(Setting(key=key, value=value))
            _bump(summary.created, "setting")
        elif _apply(row, {"value": value}):
            _bump(summary.updated, "setting")
    session.flush()
