"""Import units from an administrator's spreadsheet: a preview first, then one transaction.

The table (`workflows.orgchart.unit_import_files`) is checked row by row against the units and unit
kinds the database holds and the file's own rows, with the chart's rules
(`workflows.orgchart.validation`: required fields, a declared kind, a known parent, no cycle, no code
twice, dates in order, the columns' lengths) and two of a spreadsheet's own (dates written
dd/mm/yyyy, an e-mail address that looks like one). Each problem names the row's line in the file
and the column. The preview says of each row whether it adds a unit, changes one (each field before
and after) or changes nothing. Only a file without any problem is applied, as one audit event
(``workflows:orgchart:units_imported``) listing every unit created and every field changed, in the
loader's form (`workflows.orgchart.loader`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.messages import Message
from workflows.orgchart.models import Unit, UnitKind
from workflows.orgchart.table_import import (
    BAD_DATE,
    BAD_EMAIL,
    EMAIL,
    EMPTY,
    NEW,
    SAME,
    TOO_LONG,
    UPDATE,
    ImportPreview,
    ImportProblem,
    RowPreview,
    fold,
    parse_date,
    read_header,
)
from workflows.orgchart.unit_import_files import BY_FIELD, COLUMNS, REQUIRED, Column, Table

__all__ = [
    "NEW",
    "SAME",
    "UPDATE",
    "ImportPreview",
    "ImportProblem",
    "RowPreview",
    "apply_import",
    "parse_date",
    "preview_import",
]
AUDIT_TAG: Final = "workflows:orgchart:units_imported"
_CODE = re.compile(r"[A-Za-z0-9_.-]+")

BAD_CODE = Message(
    "bad_code",
    "“{value}”: only letters without accents, digits and _ - . are allowed.",
    "“{value}”: chỉ gồm chữ không dấu, chữ số và các dấu _ - .",
)
CODE_TWICE = Message("code_twice", "The code “{value}” is already on line {line}.", "Mã “{value}” đã có ở dòng {line}.")
UNKNOWN_PARENT = Message(
    "unknown_parent",
    "No unit “{value}”, neither stored nor in the file.",
    "Không có đơn vị “{value}”, trong hệ thống cũng như trong tệp.",
)
CYCLE = Message(
    "cycle", "The parent units go round in a circle: {path}.", "Đơn vị cấp trên tạo thành vòng lặp: {path}."
)
DATES_ORDER = Message(
    "dates_order", "Before the start of validity ({start}).", "Trước ngày bắt đầu hiệu lực ({start})."
)
UNKNOWN_KIND = Message(
    "unknown_kind", "No unit kind “{value}” (kinds: {known}).", "Không có loại đơn vị “{value}” (các loại: {known})."
)


class UnitImportInvalid(ValueError):
    """The file has problems; nothing was stored. `preview` lists them."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__("\n".join(map(str, preview.problems)))
        self.preview = preview


class _Checker:
    """Checks the rows of one table against the database and one another."""

    def __init__(self, session: Session, columns: list[Column | None]) -> None:
        self.columns = columns
        self.present = {column.field for column in columns if column is not None}
        self.stored = {unit.code: unit for unit in session.scalars(select(Unit))}
        kinds = list(session.scalars(select(UnitKind).order_by(UnitKind.position, UnitKind.code)))
        self.kinds = {fold(k.code): k.code for k in kinds} | {fold(k.name): k.code for k in kinds}
        self.known_kinds = ", ".join(k.code for k in kinds)
        self.seen: dict[str, int] = {}

    def row(self, line: int, cells: list[str], in_file: set[str]) -> RowPreview:
        text = {c.field: (cells[i] if i < len(cells) else "") for i, c in enumerate(self.columns) if c is not None}
        preview = RowPreview(line, text.get("code", ""), text.get("name", ""))

        def problem(name: str, message: Message) -> None:
            preview.problems.append(ImportProblem(line, BY_FIELD[name], message))

        for name, value in text.items():
            limit = BY_FIELD[name].limit
            if name in REQUIRED and not value:
                problem(name, EMPTY)
            elif len(value) > limit:
                problem(name, TOO_LONG.format(limit=limit))
        code = preview.code
        values: dict[str, Any] = {name: value or None for name, value in text.items()}
        if code and not _CODE.fullmatch(code):
            problem("code", BAD_CODE.format(value=code))
        if code and code in self.seen:
            problem("code", CODE_TWICE.format(value=code, line=self.seen[code]))
        self.seen.setdefault(code, line)
        if kind := text.get("kind"):
            values["kind"] = self.kinds.get(fold(kind))
            if values["kind"] is None:
                problem("kind", UNKNOWN_KIND.format(value=kind, known=self.known_kinds))
        parent = text.get("parent_code")
        if parent and parent not in self.stored and parent not in in_file:
            problem("parent_code", UNKNOWN_PARENT.format(value=parent))
        for name in ("valid_from", "valid_to"):
            if text.get(name):
                values[name] = parse_date(text[name])
                if values[name] is None:
                    problem(name, BAD_DATE.format(value=text[name]))
        start, end = values.get("valid_from"), values.get("valid_to")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            problem("valid_to", DATES_ORDER.format(start=start.strftime("%d/%m/%Y")))
        if (email := text.get("email")) and not EMAIL.fullmatch(email):
            problem("email", BAD_EMAIL.format(value=email))
        self._plan(preview, values)
        return preview

    def _plan(self, preview: RowPreview, values: dict[str, Any]) -> None:
        """What the row does to the stored unit: its values with the loader's defaults, and the changes."""
        stored = self.stored.get(preview.code)
        values.pop("code", None)
        # A new unit takes every field (those the file leaves out empty); a stored one only the file's columns.
        names = set(values) if stored else {column.field for column in COLUMNS[1:]}
        values = {name: values.get(name) for name in names}
        if "short_name" in values and not values["short_name"]:
            values["short_name"] = values.get("name") or (stored.name if stored else None)
        if "notation" in values and not values["notation"]:
            values["notation"] = preview.code
        if "display_code" in values and not values["display_code"]:
            values["display_code"] = values.get("notation") or (stored.notation if stored else preview.code)
        preview.values = values
        if stored is None:
            preview.action = NEW
            return
        preview.changes = {
            name: (getattr(stored, name), value) for name, value in values.items() if getattr(stored, name) != value
        }
        preview.action = UPDATE if preview.changes else SAME

    def cycles(self, rows: list[RowPreview]) -> None:
        """Name each row whose unit would be its own ancestor once the file is applied."""
        parents = {code: unit.parent_code for code, unit in self.stored.items()}
        if "parent_code" in self.present:
            parents |= {row.code: row.values.get("parent_code") for row in rows if row.code}
        for row in rows:
            path, parent = [row.code], parents.get(row.code)
            while parent is not None and parent not in path[1:] and len(path) <= len(parents):
                path.append(parent)
                if parent == row.code:
                    cycle = CYCLE.format(path=" → ".join(path))
                    row.problems.append(ImportProblem(row.line, BY_FIELD["parent_code"], cycle))
                    break
                parent = parents.get(parent)


def preview_import(session: Session, table: Table) -> ImportPreview:
    """What importing `table` would do to the stored units, and every problem of it; writes nothing."""
    columns, header_problems = read_header(table, COLUMNS, REQUIRED)
    checker = _Checker(session, columns)
    code_at = next((i for i, c in enumerate(columns) if c is not None and c.field == "code"), None)
    in_file = {cells[code_at] for _, cells in table.rows if code_at is not None and code_at < len(cells)}
    rows = [checker.row(line, cells, in_file) for line, cells in table.rows]
    checker.cycles(rows)
    return ImportPreview(table.filename, header_problems, rows)


def apply_import(session: Session, table: Table, *, actor: str, at: datetime) -> ImportPreview:
    """Check `table` again and store it: units added and changed, one audit event; flush, never commit.

    UnitImportInvalid when the file has any problem; then nothing is written.
    """
    preview = preview_import(session, table)
    if not preview.ok:
        raise UnitImportInvalid(preview)
    stored = {unit.code: unit for unit in session.scalars(select(Unit))}
    position = (session.scalar(select(func.max(Unit.position))) or 0) + 1
    created: list[str] = []
    updated: dict[str, dict[str, list[Any]]] = {}
    for row in _parents_first(preview.rows):
        if row.action == NEW:
            session.add(Unit(code=row.code, position=position, **row.values))
            position += 1
            # One flush per new unit: a parent in the same file must be inserted before its children.
            session.flush()
            created.append(row.code)
        elif row.action == UPDATE:
            unit = stored[row.code]
            for name, (_before, after) in row.changes.items():
                setattr(unit, name, after)
            updated[row.code] = {name: [_plain(b), _plain(a)] for name, (b, a) in row.changes.items()}
    session.flush()
    if created or updated:
        changes: dict[str, Any] = {"created": created} if created else {}
        if updated:
            changes["updated"] = updated
        after = {"file": table.filename, "changes": {"unit": changes}}
        audit.append(session, AUDIT_TAG, actor=actor, at=at, after=after)
    return preview


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _parents_first(rows: list[RowPreview]) -> list[RowPreview]:
    """File order, except that a parent listed later in the file comes before its children."""
    by_code = {row.code: row for row in rows}
    ordered: list[RowPreview] = []
    placed: set[str] = set()

    def place(row: RowPreview) -> None:
        if row.code in placed:
            return
        placed.add(row.code)
        parent = by_code.get(row.values.get("parent_code") or "")
        if parent is not None:
            place(parent)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered
