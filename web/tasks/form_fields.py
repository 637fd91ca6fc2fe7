"""A task's form for templates: the registered marshmallow schema as fields to render, and back.

The schema that validates a step is also the one that draws it, so a field added to a form
appears on the page without touching a template. `describe` turns a schema, the current values
and the errors of the last attempt into `FieldView`s; `collect` turns a posted form into the
data shape the schema expects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from marshmallow import Schema, fields, missing, validate
from werkzeug.datastructures import MultiDict

from workflows.forms.base import FieldError

#: Rows offered for a list of small records (e.g. the further lines of "Nơi nhận").
MIN_ROWS = 5
#: Text fields allowed at least this many characters get a multi-line box.
TEXTAREA_FROM = 500
#: A posted form may not make us build more rows than this.
MAX_ROWS = 200


@dataclass(frozen=True)
class Choice:
    """One allowed value and what a person reads for it."""

    value: str
    label: str


@dataclass(frozen=True)
class FormOptions:
    """What the schema cannot say about drawing a form, by field key (list indices left out).

    `choices`: allowed values from outside the schema (divisions, signers, recipient groups);
    `labels`: readable labels of coded values (``approve`` → Đồng ý); `hints`: help under a label;
    `first`: keys drawn before the others (a decision before the comment that explains it).
    """

    choices: Mapping[str, Sequence[Choice]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    first: Sequence[str] = ()


@dataclass
class FieldView:
    """One field as a template draws it; `name` is the posted name, a dotted path (``cc.0.name``)."""

    name: str
    label: str
    kind: str  # text, textarea, date, int, radio, select, checkbox, checkboxes, lines, group, rows
    required: bool = False
    value: Any = ""
    choices: list[Choice] = field(default_factory=list)
    children: list[FieldView] = field(default_factory=list)
    rows: list[list[FieldView]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    hint: str | None = None
    maxlength: int | None = None
    # The bounds of a number the browser enforces too (a designed form may allow negative numbers).
    minimum: int | None = 0
    maximum: int | None = None

    @property
    def marked(self) -> bool:
        """Whether the page marks this field, or one inside it, as required (with "*")."""
        return (
            self.required
            or any(child.marked for child in self.children)
            or any(cell.marked for row in self.rows for cell in row)
        )

    @property
    def id(self) -> str:
        """The HTML id of the field's (first) input."""
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

    @property
    def error_id(self) -> str:
        """The id of the field's error message."""
        return f"{self.id}-error"

    @property
    def hint_id(self) -> str:
        """The id of the field's hint."""
        return f"{self.id}-hint"

    @property
    def described_by(self) -> str:
        """The ids for aria-describedby: the hint, then the errors."""
        ids = ([self.hint_id] if self.hint else []) + ([self.error_id] if self.errors else [])
        return " ".join(ids)

    @property
    def text_rows(self) -> int:
        """A textarea's height in lines, from how long its text may be."""
        limit = self.maxlength or 0
        if self.kind == "lines":
            return 12
        return 3 if limit <= 500 else 5 if limit <= 2000 else 10 if limit <= 20_000 else 24


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary at the top of a form, linking to its field."""

    label: str
    message: str
    anchor: str


def english() -> bool:
    """Whether the page is in English (Vietnamese otherwise)."""
    return str(get_locale() or "vi").startswith("en")


def _label(node: fields.Field[Any]) -> str:
    return str(node.metadata.get("label_en" if english() else "label_vi", node.name or ""))


def _key(path: str) -> str:
    """A path without list indices: ``cc.0.tag`` → ``cc.tag``."""
    return ".".join(part for part in path.split(".") if not part.isdigit())


def _one_of(node: fields.Field[Any]) -> list[str] | None:
    for rule in node.validators:
        if isinstance(rule, validate.OneOf):
            return [str(choice) for choice in rule.choices]
    return None


def _length(node: fields.Field[Any], bound: str) -> int | None:
    for rule in node.validators:
        if isinstance(rule, validate.Length) and getattr(rule, bound) is not None:
            return int(getattr(rule, bound))
    return None


#: How each component of a designed form (workflows/forms/designed_schema.py) is drawn.
DESIGNED_KINDS = {
    "textfield": "text",
    "textarea": "textarea",
    "number": "int",
    "decimal": "decimal",
    "datetime": "date",
    "checkbox": "checkbox",
    "checklist": "checkboxes",
    "select": "select",
    "radio": "radio",
}


def kind_of(node: fields.Field[Any], key: str, options: FormOptions, *, in_row: bool = False) -> str:
    """How a field is drawn and read back."""
    designed = DESIGNED_KINDS.get(str(node.metadata.get("designed")))
    if designed is not None:
        return designed
    if isinstance(node, fields.Nested):
        return "group"
    if isinstance(node, fields.List):
        if isinstance(node.inner, fields.Nested):
            return "rows"
        return "checkboxes" if key in options.choices else "lines"
    if isinstance(node, fields.Date):
        return "date"
    if isinstance(node, fields.Integer):
        return "int"
    if key in options.choices:
        return "select"
    if _one_of(node) is not None:
        return "select" if in_row else "radio"
    return "textarea" if (_length(node, "max") or 0) >= TEXTAREA_FROM else "text"


def _schema_fields(schema: Schema) -> list[tuple[str, fields.Field[Any]]]:
    return [(node.data_key or name, node) for name, node in schema.fields.items()]


def _nested(node: fields.Field[Any]) -> Schema:
    target = node.inner if isinstance(node, fields.List) else node
    assert isinstance(target, fields.Nested)
    schema = target.schema
    assert isinstance(schema, Schema)
    return schema


def _bound(node: fields.Field[Any], bound: str) -> int | None:
    for rule in node.validators:
        if isinstance(rule, validate.Range) and getattr(rule, bound) is not None:
            return int(getattr(rule, bound))
    return None


def _default(node: fields.Field[Any]) -> Any:
    value = node.load_default
    if value is missing or value is None:
        return ""
    return value() if callable(value) else value


# --- describe: schema + values + errors → fields ------------------------------------------------


class _Describer:
    def __init__(self, options: FormOptions, errors: Sequence[FieldError]) -> None:
        self.options = options
        self.errors = list(errors)
        self.views: dict[str, FieldView] = {}

    def schema(self, schema: Schema, values: Mapping[str, Any], prefix: str, *, in_row: bool) -> list[FieldView]:
        ordered = sorted(_schema_fields(schema), key=lambda item: _key(prefix + item[0]) not in self.options.first)
        return [
            self.field(node, f"{prefix}{key}", values.get(key, _default(node)), in_row=in_row) for key, node in ordered
        ]

    def field(self, node: fields.Field[Any], path: str, value: Any, *, in_row: bool) -> FieldView:
        key = _key(path)
        kind = kind_of(node, key, self.options, in_row=in_row)
        min_items = _length(node, "min") if isinstance(node, fields.List) else None
        view = FieldView(
            name=path,
            label=_label(node),
            kind=kind,
            # Inside a row "required" holds only for rows in use; spare rows are not marked.
            required=not in_row and (bool(node.required) or bool(min_items)),
            hint=self.options.hints.get(key) or node.metadata.get("hint"),
            maxlength=_length(node, "max") if kind in ("text", "textarea") else None,
        )
        if "designed" in node.metadata and kind == "int":
            view.minimum, view.maximum = _bound(node, "min"), _bound(node, "max")
        self.views[path] = view
        if kind == "group":
            view.children = self.schema(
                _nested(node), value if isinstance(value, Mapping) else {}, f"{path}.", in_row=in_row
            )
        elif kind == "rows":
            items = [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
            count = max(MIN_ROWS, len(items) + 2)
            padded = [*items, *([{}] * (count - len(items)))]
            view.rows = [
                self.schema(_nested(node), item, f"{path}.{index}.", in_row=True) for index, item in enumerate(padded)
            ]
        elif kind == "checkboxes":
            view.value = [str(item) for item in value] if isinstance(value, list) else []
        elif kind == "lines":
            view.value = "\n".join(str(item) for item in value) if isinstance(value, list) else str(value or "")
        elif kind == "checkbox":
            view.value = value is True or value in ("true", "on")
        else:
            view.value = "" if value is None else str(value)
        if kind in ("radio", "select", "checkboxes"):
            view.choices = self.choices(node, key)
        return view

    def choices(self, node: fields.Field[Any], key: str) -> list[Choice]:
        designed = node.metadata.get("choices")
        if designed is not None:  # (value, Vietnamese label, English label) as the designer wrote them
            return [Choice(value, label_en if english() else label_vi) for value, label_vi, label_en in designed]
        if key in self.options.choices:
            return list(self.options.choices[key])
        codes = _one_of(node) or []
        return [Choice(code, self.options.labels.get(code, code)) for code in codes]

    def place_errors(self) -> list[SummaryItem]:
        """Put each error at its field (or the nearest field above it); the summary links to them."""
        summary = []
        for error in self.errors:
            label = error.label_en if english() else error.label_vi
            message = error.message_en if english() else error.message_vi
            view = self._nearest(error.field)
            if view is None:
                summary.append(SummaryItem(label, message, "task-form"))
                continue
            # An error deeper than any drawn field (e.g. the 3rd line of a list) names where it is.
            view.errors.append(message if view.name == error.field else f"{label}: {message}")
            summary.append(SummaryItem(label, message, view.id))
        return summary

    def _nearest(self, path: str) -> FieldView | None:
        parts = path.split(".") if path else []
        while parts:
            found = self.views.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return None


def describe(
    schema_cls: type[Schema],
    values: Mapping[str, Any],
    options: FormOptions,
    errors: Sequence[FieldError] = (),
) -> tuple[list[FieldView], list[SummaryItem]]:
    """The fields of a form filled with `values`, with `errors` at their fields, and the error summary."""
    describer = _Describer(options, errors)
    views = describer.schema(schema_cls(), values, "", in_row=False)
    return views, describer.place_errors()


# --- collect: posted form → data in the schema's shape ------------------------------------------


def _row_indices(form: MultiDict[str, str], path: str) -> list[int]:
    pattern = re.compile(rf"{re.escape(path)}\.([0-9]{{1,4}})\.")
    found = {int(m.group(1)) for name in form if (m := pattern.match(name))}
    return sorted(found)[:MAX_ROWS]


def _blank(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_blank(item) for item in value.values())
    return value in ("", None, [])


def _collect(
    schema: Schema, form: MultiDict[str, str], prefix: str, options: FormOptions, *, in_row: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, node in _schema_fields(schema):
        path = f"{prefix}{key}"
        kind = kind_of(node, _key(path), options, in_row=in_row)
        if kind == "group":
            data[key] = _collect(_nested(node), form, f"{path}.", options, in_row=in_row)
        elif kind == "rows":
            rows = [
                _collect(_nested(node), form, f"{path}.{i}.", options, in_row=True) for i in _row_indices(form, path)
            ]
            # Rows left empty are the spare ones the page offers, not entries.
            data[key] = [row for row in rows if not _blank(row)]
        elif kind == "checkboxes":
            data[key] = [value for value in form.getlist(path) if value]
        elif kind == "lines":
            data[key] = [line.strip() for line in form.get(path, "").splitlines() if line.strip()]
        elif kind == "checkbox":
            # An unticked box is not posted at all.
            data[key] = path in form
        elif path in form:
            value = form.get(path, "")
            # A blank date or number means "not given": the schema's default or its "required".
            if not (kind in ("date", "int", "decimal") and not value.strip()):
                data[key] = value
    return data


def collect(schema_cls: type[Schema], form: MultiDict[str, str], options: FormOptions) -> dict[str, Any]:
    """The posted form as the data the schema validates: lists, nested records, raw text kept."""
    return _collect(schema_cls(), form, "", options, in_row=False)
