"""A unit as administrators change it: its name, kind, parent and validity; abolished or merged into another.

Abolishing a level of government or merging units is a change of data, never of code, and cases that
are running survive it: a unit's validity only decides which units a directive is sent to from then
on (`workflows.orgchart.groups.resolve_recipients` reads it on the day of sending); the tasks already
offered to a unit's officers stay theirs (`workflows.orgchart.directory` does not read validity), so a
unit abolished while it owes a report can still send it. Merging unit A into unit B from a day D ends
A on the day before D and moves A's child units under B; A's people and their roles stay where they
are, so that A's running tasks keep their holders.

Every change checks its fields first and stores nothing when one is wrong (`UnitInvalid` names each
field); a change that passes is flushed with one audit event holding the actor and each field before
and after (dates as ISO text, as the import's events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.messages import Message
from workflows.orgchart.models import Unit, UnitKind
from workflows.orgchart.table_import import BAD_DATE, parse_date
from workflows.orgchart.unit_import import CYCLE, DATES_ORDER

SOURCE: Final = "workflows:orgchart"
#: The fields the edit form changes, in its order; their longest texts are the table's.
FIELDS: Final = ("name", "short_name", "kind", "parent_code", "valid_from", "valid_to")
LIMITS: Final = {"name": 255, "short_name": 255}

REQUIRED = Message("required", "Must not be empty.", "Không được để trống.")
TOO_LONG = Message("too_long", "Longer than {limit} characters.", "Dài hơn {limit} ký tự.")
UNKNOWN_KIND = Message("unknown_kind", "No unit kind “{value}”.", "Không có loại đơn vị “{value}”.")
UNKNOWN_UNIT = Message("unknown_unit", "No unit “{value}”.", "Không có đơn vị “{value}”.")
ITSELF = Message("itself", "A unit cannot be its own parent.", "Đơn vị không thể là cấp trên của chính nó.")
MERGE_ITSELF = Message("merge_itself", "Choose another unit.", "Hãy chọn một đơn vị khác.")
MERGE_BELOW = Message(
    "merge_below",
    "“{value}” is under the unit merged: choose a unit outside it.",
    "“{value}” trực thuộc đơn vị bị sáp nhập: hãy chọn đơn vị ngoài nó.",
)
NOT_VALID_THEN = Message(
    "not_valid_then", "“{value}” is not valid on {day}.", "Đơn vị “{value}” không có hiệu lực ngày {day}."
)
MERGE_TOO_EARLY = Message(
    "merge_too_early",
    "The unit starts on {start}: a merge must come after it.",
    "Đơn vị bắt đầu hiệu lực ngày {start}: ngày sáp nhập phải sau ngày đó.",
)


@dataclass(frozen=True)
class UnitProblem:
    """A field and what is wrong with it."""

    field: str
    message: Message


class UnitInvalid(ValueError):
    """Some fields are wrong; nothing was stored."""

    def __init__(self, problems: list[UnitProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.vi}" for p in problems))
        self.problems = problems


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise UnitInvalid([UnitProblem("code", UNKNOWN_UNIT.format(value=code))])
    return unit


def _ancestors(session: Session, code: str | None) -> list[str]:
    """`code` and the units above it, up to the top (stops at a loop, which the checks refuse)."""
    rows = session.execute(select(Unit.code, Unit.parent_code))
    parents: dict[str, str | None] = {row.code: row.parent_code for row in rows}
    path: list[str] = []
    while code is not None and code not in path:
        path.append(code)
        code = parents.get(code)
    return path


def update_unit(session: Session, code: str, raw: dict[str, str], *, actor: str, at: datetime) -> dict[str, Any]:
    """Change a unit's name, short name, kind, parent and validity (dd/mm/yyyy; an end abolishes it); audited.

    Returns the changes (field: [before, after]); UnitInvalid naming each bad field, nothing stored.
    """
    unit = _unit(session, code)
    text: dict[str, str] = {name: (raw.get(name) or "").strip() for name in FIELDS if name in raw}
    problems: list[UnitProblem] = []

    def problem(name: str, message: Message) -> None:
        problems.append(UnitProblem(name, message))

    values: dict[str, Any] = {}
    for name in ("name", "kind", "valid_from"):
        if name in text and not text[name]:
            problem(name, REQUIRED)
    for name, limit in LIMITS.items():
        if len(text.get(name, "")) > limit:
            problem(name, TOO_LONG.format(limit=limit))
    if text.get("name"):
        values["name"] = text["name"]
    if "short_name" in text:
        values["short_name"] = text["short_name"] or text.get("name") or unit.name
    if kind := text.get("kind"):
        if not session.scalar(select(UnitKind.id).where(UnitKind.code == kind)):
            problem("kind", UNKNOWN_KIND.format(value=kind))
        values["kind"] = kind
    if "parent_code" in text:
        parent = text["parent_code"] or None
        if parent == code:
            problem("parent_code", ITSELF)
        elif parent is not None and not session.scalar(select(Unit.id).where(Unit.code == parent)):
            problem("parent_code", UNKNOWN_UNIT.format(value=parent))
        elif parent is not None and code in (above := _ancestors(session, parent)):
            problem("parent_code", CYCLE.format(path=" → ".join([code, *above[: above.index(code) + 1]])))
        values["parent_code"] = parent
    for name in ("valid_from", "valid_to"):
        if text.get(name):
            values[name] = parse_date(text[name])
            if values[name] is None:
                problem(name, BAD_DATE.format(value=text[name]))
        elif name == "valid_to" and name in text:
            values[name] = None
    start = values.get("valid_from", unit.valid_from)
    end = values.get("valid_to", unit.valid_to)
    if isinstance(start, date) and isinstance(end, date) and end < start:
        problem("valid_to", DATES_ORDER.format(start=start.strftime("%d/%m/%Y")))
    if problems:
        raise UnitInvalid(problems)
    changes = {name: [getattr(unit, name), value] for name, value in values.items() if getattr(unit, name) != value}
    for name, (_before, after) in changes.items():
        setattr(unit, name, after)
    session.flush()
    if changes:
        audit.append(
            session,
            f"{SOURCE}:unit_updated",
            actor=actor,
            at=at,
            before={"code": code, **{n: _plain(b) for n, (b, _a) in changes.items()}},
            after={"code": code, **{n: _plain(a) for n, (_b, a) in changes.items()}},
        )
    return changes


def merge_unit(session: Session, code: str, into: str, on: date, *, actor: str, at: datetime) -> list[str]:
    """Merge unit `code` into `into` from day `on`: it ends the day before, its child units move under `into`.

    Returns the child units moved; UnitInvalid (field ``into`` or ``on``) with nothing stored otherwise.
    """
    unit = _unit(session, code)
    problems: list[UnitProblem] = []
    target = session.scalar(select(Unit).where(Unit.code == into)) if into else None
    shown = on.strftime("%d/%m/%Y")
    if not into:
        problems.append(UnitProblem("into", REQUIRED))
    elif into == code:
        problems.append(UnitProblem("into", MERGE_ITSELF))
    elif target is None:
        problems.append(UnitProblem("into", UNKNOWN_UNIT.format(value=into)))
    elif code in _ancestors(session, into):
        problems.append(UnitProblem("into", MERGE_BELOW.format(value=into)))
    elif not target.is_valid_on(on):
        problems.append(UnitProblem("into", NOT_VALID_THEN.format(value=into, day=shown)))
    if on <= unit.valid_from:
        problems.append(UnitProblem("on", MERGE_TOO_EARLY.format(start=unit.valid_from.strftime("%d/%m/%Y"))))
    if problems:
        raise UnitInvalid(problems)
    before = {"code": code, "valid_to": _plain(unit.valid_to)}
    unit.valid_to = on - timedelta(days=1)
    children = list(session.scalars(select(Unit).where(Unit.parent_code == code).order_by(Unit.position, Unit.code)))
    for child in children:
        child.parent_code = into
    session.flush()
    moved = [child.code for child in children]
    after = {"code": code, "valid_to": _plain(unit.valid_to), "into": into, "from": on.isoformat(), "children": moved}
    audit.append(session, f"{SOURCE}:unit_merged", actor=actor, at=at, before=before, after=after)
    return moved
