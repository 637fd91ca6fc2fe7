"""Check a whole org-chart file before anything of it is stored; report every problem at once.

Each problem names its row as the file has it (``users[12]``), the entry's code when it has one, and
the field. A chart that passes holds everything the product later reads from it: the agency and its
names, the place name, the head who signs, every unit kind, role and unit that other rows name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.orgchart import OrgChartError
from workflows.orgchart.models import Role, RoleAssignment, Setting, Unit, UnitKind, User

SECTIONS: Final = ("settings", "unit_kinds", "roles", "units", "recipient_groups", "users")
TOP_LEVEL: Final = frozenset({"format", "version", "notes", *SECTIONS})
#: Settings whose value is a unit code; ``parent_body`` and ``office_unit`` may be left out.
UNIT_SETTINGS: Final = frozenset({"agency", "office_unit", "parent_body"})
#: The role whose holder heads the agency: the signature block names the head's title.
HEAD_ROLE: Final = "director"
#: The kind of the agency's internal units the director names to lead a directive.
LEAD_KIND: Final = "division"
SELECTOR_KEYS: Final = frozenset({"kind", "parent", "parent_kind"})
#: The authority marks a user may sign with instead of the deputy's "KT." (ND30 Phụ lục I).
SIGNS_AS: Final = frozenset({"KT.", "Q.", "TL.", "TUQ.", "TM."})

# Field name -> longest text the column holds; a longer value would fail only when written.
_KIND_FIELDS: Final = {"code": 32, "name": 255}
_ROLE_FIELDS: Final = {"code": 32, "name": 255, "name_en": 255}
_UNIT_FIELDS: Final = {
    "code": 64, "name": 255, "short_name": 255, "header_name": 255, "notation": 32, "display_code": 32,
    "kind": 32, "parent_code": 64, "email": 255, "organ_id": 32, "valid_from": 10, "valid_to": 10, "note": 100_000,
}  # fmt: skip
_GROUP_FIELDS: Final = {"code": 64, "name": 255, "addressee_line": 100_000, "selector": 0}
_USER_FIELDS: Final = {
    "username": 64, "full_name": 255, "initials": 16, "position_title": 128, "unit_code": 64, "email": 255,
    "active": 0, "roles": 0, "signs_as": 8, "note": 100_000,
}  # fmt: skip
_KIND_REQUIRED: Final = frozenset({"code", "name"})
_ROLE_REQUIRED: Final = frozenset({"code", "name"})
_UNIT_REQUIRED: Final = frozenset({"code", "name", "kind", "valid_from"})
_GROUP_REQUIRED: Final = frozenset({"code", "name", "addressee_line", "selector"})
_USER_REQUIRED: Final = frozenset({"username", "full_name", "initials", "position_title", "unit_code"})


@dataclass(frozen=True)
class ChartProblem:
    """One problem of a chart file: its row (``users[12]``), the entry's code, the field, what is wrong."""

    row: str
    field: str
    message: str
    name: str = ""

    def __str__(self) -> str:
        named = f" ({self.name})" if self.name else ""
        at = f" {self.field}" if self.field else ""
        return f"{self.row}{named}{at}: {self.message}"


class OrgChartInvalid(OrgChartError):
    """A chart file has problems; nothing of it was stored. ``problems`` lists every one."""

    def __init__(self, problems: list[ChartProblem]) -> None:
        first = problems[0]
        super().__init__(first.row, first.message)
        self.problems = problems

    def __str__(self) -> str:
        count = len(self.problems)
        return "\n".join([f"the org chart has {count} problem{'s' if count > 1 else ''}:", *map(str, self.problems)])


@dataclass
class ChartDocument:
    """The sections of a chart file, each a list of objects (settings an object)."""

    settings: dict[str, Any] = field(default_factory=dict)
    unit_kinds: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    recipient_groups: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)


def parse_date(value: object) -> date | None:
    """An ISO date from the chart, or None when the value is not one."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def role_pairs(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (role, unit code) pairs of a user entry's "role@UNIT" strings (checked before)."""
    pairs = []
    for text in entry.get("roles") or []:
        role, _, unit_code = str(text).partition("@")
        pairs.append((role, unit_code))
    return pairs


class _Checker:
    """Collects the problems of one chart against what the database already holds."""

    def __init__(self, session: Session, chart: ChartDocument) -> None:
        self.session = session
        self.chart = chart
        self.problems: list[ChartProblem] = []
        self.kinds = {str(k.get("code")) for k in chart.unit_kinds} | set(session.scalars(select(UnitKind.code)))
        self.roles = {str(r.get("code")) for r in chart.roles} | set(session.scalars(select(Role.code)))
        self.units = {str(u.get("code")) for u in chart.units} | set(session.scalars(select(Unit.code)))

    def problem(self, row: str, field_name: str, message: str, entry: Mapping[str, Any] | None = None) -> None:
        name = ""
        if entry is not None:
            code = entry.get("code", entry.get("username"))
            name = str(code) if isinstance(code, str) else ""
        self.problems.append(ChartProblem(row, field_name, message, name))

    def fields(
        self, section: str, limits: Mapping[str, int], required: frozenset[str]
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        """Each entry of a section with its row label, after checking its keys, types and lengths."""
        seen: dict[str, str] = {}
        key = "username" if section == "users" else "code"
        for index, entry in enumerate(getattr(self.chart, section)):
            row = f"{section}[{index}]"
            for name in sorted(required - set(entry)):
                self.problem(row, name, "is missing", entry)
            for name in sorted(set(entry) - set(limits)):
                self.problem(row, name, "is not a field of this section", entry)
            for name, limit in limits.items():
                value = entry.get(name)
                if limit and value is not None and not isinstance(value, str):
                    self.problem(row, name, "must be text", entry)
                elif limit and isinstance(value, str) and len(value) > limit:
                    self.problem(row, name, f"is longer than {limit} characters", entry)
                elif name in required and isinstance(value, str) and not value.strip():
                    self.problem(row, name, "is empty", entry)
            code = entry.get(key)
            if isinstance(code, str):
                if code in seen:
                    self.problem(row, key, f"{code!r} is listed twice (first at {seen[code]})", entry)
                else:
                    seen[code] = row
            yield row, entry

    def check(self) -> list[ChartProblem]:
        for _ in self.fields("unit_kinds", _KIND_FIELDS, _KIND_REQUIRED):
            pass
        for row, entry in self.fields("roles", _ROLE_FIELDS, _ROLE_REQUIRED):
            if "@" in str(entry.get("code", "")):
                self.problem(row, "code", "must not contain @", entry)
        self._units()
        self._groups()
        self._users()
        self._settings()
        return self.problems

    def _units(self) -> None:
        parents: dict[str, Any] = {}
        for row, entry in self.fields("units", _UNIT_FIELDS, _UNIT_REQUIRED):
            kind = entry.get("kind")
            if isinstance(kind, str) and kind not in self.kinds:
                self.problem(row, "kind", f"unknown unit kind {kind!r} (declare it in unit_kinds)", entry)
            parent = entry.get("parent_code")
            if isinstance(parent, str) and parent not in self.units:
                self.problem(row, "parent_code", f"unknown parent unit {parent!r}", entry)
            valid_from = parse_date(entry.get("valid_from"))
            if "valid_from" in entry and valid_from is None:
                self.problem(row, "valid_from", f"is not a date written YYYY-MM-DD: {entry['valid_from']!r}", entry)
            valid_to = parse_date(entry.get("valid_to"))
            if entry.get("valid_to") is not None and valid_to is None:
                self.problem(row, "valid_to", f"is not a date written YYYY-MM-DD: {entry['valid_to']!r}", entry)
            if valid_from is not None and valid_to is not None and valid_to < valid_from:
                self.problem(row, "valid_to", "is before valid_from", entry)
            if isinstance(entry.get("code"), str):
                parents[entry["code"]] = (row, parent)
        for code, (row, _) in parents.items():
            seen, parent = {code}, parents[code][1]
            while isinstance(parent, str) and parent in parents:
                if parent in seen:
                    self.problem(row, "parent_code", f"the parents of {code!r} form a cycle")
                    break
                seen.add(parent)
                parent = parents[parent][1]

    def _groups(self) -> None:
        for row, entry in self.fields("recipient_groups", _GROUP_FIELDS, _GROUP_REQUIRED):
            selector = entry.get("selector")
            if "selector" not in entry:
                continue
            if not isinstance(selector, dict) or not isinstance(selector.get("kind"), str):
                self.problem(row, "selector", "must be an object with a kind", entry)
                continue
            for key in sorted(set(selector) - SELECTOR_KEYS):
                self.problem(row, f"selector.{key}", "is not a selector key (kind, parent, parent_kind)", entry)
            for key in ("kind", "parent_kind"):
                if key in selector and selector[key] not in self.kinds:
                    self.problem(row, f"selector.{key}", f"unknown unit kind {selector[key]!r}", entry)
            if "parent" in selector and selector["parent"] not in self.units:
                self.problem(row, "selector.parent", f"unknown unit {selector['parent']!r}", entry)

    def _users(self) -> None:
        for row, entry in self.fields("users", _USER_FIELDS, _USER_REQUIRED):
            unit_code = entry.get("unit_code")
            if isinstance(unit_code, str) and unit_code not in self.units:
                self.problem(row, "unit_code", f"unknown unit {unit_code!r}", entry)
            if entry.get("signs_as") not in (None, *SIGNS_AS):
                self.problem(row, "signs_as", f"{entry['signs_as']!r} is not one of {sorted(SIGNS_AS)}", entry)
            if "active" in entry and not isinstance(entry["active"], bool):
                self.problem(row, "active", "must be true or false", entry)
            roles = entry.get("roles", [])
            if not isinstance(roles, list):
                self.problem(row, "roles", "must be a list of role@UNIT strings", entry)
                continue
            for index, text in enumerate(roles):
                role, sep, unit = str(text).partition("@")
                at = f"roles[{index}]"
                if not isinstance(text, str) or not sep or not role or not unit:
                    self.problem(row, at, f"{text!r} is not written as role@UNIT", entry)
                    continue
                if role not in self.roles:
                    self.problem(row, at, f"unknown role {role!r} (declare it in roles)", entry)
                if unit not in self.units:
                    self.problem(row, at, f"role {role} in unknown unit {unit!r}", entry)

    def _settings(self) -> None:
        settings = self.chart.settings
        stored = {row.key: row.value for row in self.session.scalars(select(Setting))}
        for key in sorted(UNIT_SETTINGS & set(settings)):
            if settings[key] is not None and settings[key] not in self.units:
                self.problem("settings", key, f"unknown unit {settings[key]!r}")
        agency = settings.get("agency", stored.get("agency"))
        if not isinstance(agency, str) or not agency:
            self.problem("settings", "agency", "is missing: the code of the unit that issues the documents")
        place = settings.get("place_name", stored.get("place_name"))
        if place is None or (isinstance(place, str) and not place.strip()):
            self.problem("settings", "place_name", "is missing: the place name written before the date")
        format_check = settings.get("format_check_required", stored.get("format_check_required", False))
        if not isinstance(format_check, bool):
            self.problem("settings", "format_check_required", "must be true or false")
        elif format_check and not settings.get("office_unit", stored.get("office_unit")):
            self.problem("settings", "office_unit", "is missing: format checks are required and the office does them")
        for key in ("place_name", "website", "collective_body"):
            if key in settings and not isinstance(settings[key], str):
                self.problem("settings", key, "must be text")
        if isinstance(agency, str) and agency in self.units and not self._has_division(agency):
            self.problem(
                "settings",
                "agency",
                f"no unit of kind {LEAD_KIND!r} under {agency}: the director names one to lead each directive",
            )
        if isinstance(agency, str) and agency in self.units and not self._has_head(agency):
            self.problem(
                "settings",
                "agency",
                f"no active user holds {HEAD_ROLE}@{agency}: the signature block names the head's title",
            )

    def _has_division(self, agency: str) -> bool:
        in_file = {str(u.get("code")): u for u in self.chart.units}
        if any(u.get("kind") == LEAD_KIND and u.get("parent_code") == agency for u in in_file.values()):
            return True
        stored = self.session.scalars(select(Unit.code).where(Unit.kind == LEAD_KIND, Unit.parent_code == agency))
        return any(code not in in_file for code in stored)

    def _has_head(self, agency: str) -> bool:
        in_file = {str(u.get("username")) for u in self.chart.users}
        for entry in self.chart.users:
            if entry.get("active", True) is True and (HEAD_ROLE, agency) in role_pairs(entry):
                return True
        stored = self.session.scalars(
            select(RoleAssignment.username)
            .join(User, User.username == RoleAssignment.username)
            .where(RoleAssignment.role == HEAD_ROLE, RoleAssignment.unit_code == agency, User.active.is_(True))
        )
        return any(username not in in_file for username in stored)


def read_sections(document: Mapping[str, Any]) -> tuple[ChartDocument, list[ChartProblem]]:
    """The sections of a parsed file, and the problems of its shape (unknown keys, wrong types)."""
    unknown = sorted(set(document) - TOP_LEVEL)
    problems = [ChartProblem("(file)", key, "is not a section of an org chart") for key in unknown]
    chart = ChartDocument()
    settings = document.get("settings", {})
    if isinstance(settings, dict):
        chart.settings = settings
    else:
        problems.append(ChartProblem("settings", "", "must be an object"))
    for section in SECTIONS[1:]:
        entries = document.get(section, [])
        if not isinstance(entries, list):
            problems.append(ChartProblem(section, "", "must be a list of objects"))
            continue
        good = []
        for index, entry in enumerate(entries):
            if isinstance(entry, dict):
                good.append(entry)
            else:
                problems.append(ChartProblem(f"{section}[{index}]", "", "must be an object"))
        setattr(chart, section, good)
    return chart, problems


def validate(session: Session, document: Mapping[str, Any]) -> ChartDocument:
    """The chart's sections when every row is sound; otherwise OrgChartInvalid listing every problem."""
    chart, problems = read_sections(document)
    if not problems:
        problems = _Checker(session, chart).check()
    if problems:
        raise OrgChartInvalid(problems)
    return chart
