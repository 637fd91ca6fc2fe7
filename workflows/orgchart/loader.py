"""Load an org chart from a JSON file into the database, idempotently (upsert by natural key).

What a load changes is recorded in the audit trail as one event (``workflows:orgchart:loaded``):
each unit, group and user created, each field changed with its value before and after, each role
granted or revoked, and each setting changed; a load that changes nothing records nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from workflows.orgchart.models import (
    RecipientGroup,
    Role,
    RoleAssignment,
    Setting,
    Unit,
    UnitKind,
    User,
)
from workflows.orgchart.validation import ChartProblem, OrgChartInvalid, parse_date, role_pairs, validate

DATA_DIR = Path(__file__).parent / "data"
#: The sample organisation shipped with the product (its notes say which); a deployment loads its own.
DEFAULT_CHART = DATA_DIR / "sample_chart.json"


@dataclass
class LoadSummary:
    """Rows created, updated and removed per entity (unit, group, user, role, setting)."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    #: What changed, for the audit trail: per entity, "created" keys, "updated" {key: {field: [before, after]}},
    #: "removed" keys.
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self, entity: str, how: str, key: str, fields: dict[str, list[Any]] | None = None) -> None:
        """Remember one row created, updated (with its fields before and after) or removed."""
        bucket = self.changes.setdefault(entity, {})
        if how == "updated":
            bucket.setdefault(how, {})[key] = fields or {}
        else:
            bucket.setdefault(how, []).append(key)

    @property
    def changed(self) -> bool:
        """Whether the load changed anything in the database."""
        return any(self.created.values()) or any(self.updated.values()) or any(self.removed.values())


def _bump(bucket: dict[str, int], entity: str) -> None:
    bucket[entity] = bucket.get(entity, 0) + 1


def load_org_chart(
    session: Session, path: str | Path = DEFAULT_CHART, *, actor: str = "setup", at: datetime | None = None
) -> LoadSummary:
    """Upsert the kinds, roles, units, groups, users and settings of a chart file; flush, never commit.

    The whole file is checked first (`workflows.orgchart.validation`): when any row is wrong,
    OrgChartInvalid lists every problem and nothing is written. What changed is recorded in the
    audit trail as done by `actor` at `at` (now when not given).
    """
    chart = validate(session, read_chart(Path(path)))
    summary = LoadSummary()
    _upsert_named(session, UnitKind, chart.unit_kinds, "unit_kind", summary)
    _upsert_named(session, Role, chart.roles, "role_definition", summary)
    _upsert_units(session, chart.units, summary)
    _upsert_groups(session, chart.recipient_groups, summary)
    _upsert_users(session, chart.users, summary)
    _sync_roles(session, chart.users, summary)
    _upsert_settings(session, chart.settings, summary)
    if summary.changed:
        audit.append(
            session,
            "workflows:orgchart:loaded",
            actor=actor,
            at=at or datetime.now(UTC),
            after={"file": Path(path).name, "changes": summary.changes},
        )
    return summary


def read_chart(path: Path) -> dict[str, Any]:
    """The parsed chart file; a file that is not a JSON object is refused as a whole."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OrgChartInvalid([ChartProblem("(file)", "", f"not valid JSON: {exc}")]) from exc
    if not isinstance(document, dict):
        raise OrgChartInvalid([ChartProblem("(file)", "", "must hold a JSON object")])
    return document


def _same(a: object, b: object) -> bool:
    """Equal including JSON types: False == 0 in Python; as settings they differ."""
    return bool(a == b) and json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _apply(row: object, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes that differ; each one's [before, after] (empty: unchanged rows are not rewritten)."""
    changed: dict[str, list[Any]] = {}
    for name, value in values.items():
        before = getattr(row, name)
        if not _same(before, value):
            setattr(row, name, value)
            changed[name] = [_plain(before), _plain(value)]
    return changed


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


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


def _upsert_named(
    session: Session,
    model: type[UnitKind] | type[Role],
    entries: list[dict[str, Any]],
    entity: str,
    summary: LoadSummary,
) -> None:
    """Unit kinds and roles: upserted by code, in file order; those the file leaves out stay."""
    rows: list[UnitKind | Role] = list(session.scalars(select(model)))
    existing = {row.code: row for row in rows}
    for position, entry in enumerate(entries):
        values: dict[str, Any] = {"name": entry["name"], "position": position}
        if model is Role:
            values["name_en"] = entry.get("name_en")
        row = existing.get(entry["code"])
        if row is None:
            session.add(model(code=entry["code"], **values))
            _bump(summary.created, entity)
            summary.note(entity, "created", entry["code"])
        elif changed := _apply(row, values):
            _bump(summary.updated, entity)
            summary.note(entity, "updated", entry["code"], changed)
    session.flush()


def _upsert_units(session: Session, units: list[dict[str, Any]], summary: LoadSummary) -> None:
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for position, entry in _parents_first(units):
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
            "valid_from": parse_date(entry["valid_from"]),
            "valid_to": parse_date(entry.get("valid_to")),
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
            summary.note("unit", "created", entry["code"])
        elif changed := _apply(row, values):
            _bump(summary.updated, "unit")
            summary.note("unit", "updated", entry["code"], changed)
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
            summary.note("group", "created", entry["code"])
        elif changed := _apply(row, values):
            _bump(summary.updated, "group")
            summary.note("group", "updated", entry["code"], changed)
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
            summary.note("user", "created", entry["username"])
        elif changed := _apply(row, values):
            _bump(summary.updated, "user")
            summary.note("user", "updated", entry["username"], changed)
    session.flush()


def _sync_roles(session: Session, users: list[dict[str, Any]], summary: LoadSummary) -> None:
    """Make each listed user's roles those of the file; users not in the file keep theirs."""
    # Authoritative per user: deleting a role from the file must revoke it, not leave it behind.
    wanted = {(entry["username"], role, unit_code) for entry in users for role, unit_code in role_pairs(entry)}
    usernames = [entry["username"] for entry in users]
    current = {
        (r.username, r.role, r.unit_code): r
        for r in session.scalars(select(RoleAssignment).where(RoleAssignment.username.in_(usernames)))
    }
    for key, row in current.items():
        if key not in wanted:
            session.delete(row)
            _bump(summary.removed, "role")
            summary.note("role", "removed", f"{key[0]}: {key[1]}@{key[2]}")
    for username, role, unit_code in sorted(wanted - set(current)):
        session.add(RoleAssignment(username=username, role=role, unit_code=unit_code))
        _bump(summary.created, "role")
        summary.note("role", "created", f"{username}: {role}@{unit_code}")
    session.flush()


def _upsert_settings(session: Session, settings: Mapping[str, Any], summary: LoadSummary) -> None:
    existing = {s.key: s for s in session.scalars(select(Setting))}
    for key, value in settings.items():
        row = existing.get(key)
        if row is None:
            session.add(Setting(key=key, value=value))
            _bump(summary.created, "setting")
            summary.note("setting", "created", key)
        elif changed := _apply(row, {"value": value}):
            _bump(summary.updated, "setting")
            summary.note("setting", "updated", key, changed)
    session.flush()
