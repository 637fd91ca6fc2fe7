"""Forms designed in the browser: their checks, their immutable versions, and their schemas by form key.

An administrator designs a task's form with the form-js editor; the design (form-js JSON) is
checked here before it is stored: only the component types the task page can draw and the server
can validate, keys that are names and unique, static choices, sizes within bounds. Each save of a
changed design stores a new version (``workflows.forms.designed_models.DesignedForm``) and an audit
event; nothing stored is ever changed. A BPMN user task names one version by its form key,
``designed:<key>:<version>``, so a process version keeps the form it was deployed with while a
newer process version may name a newer form version.

Versions never change, so the schema built from one is cached by key and version in each process
and is right in every process: each builds it from the same row.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from workflows.forms.base import FormSchema, UnknownForm
from workflows.forms.designed_models import DesignedForm
from workflows.forms.designed_schema import schema_from_design
from workflows.forms.messages import Message

PREFIX: Final = "designed"
AUDIT_TAG: Final = "workflows:form:saved"
_FORM_KEY = re.compile(r"designed:([a-z][a-z0-9_]{0,63}):([1-9][0-9]{0,8})")
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
FIELD_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")

#: What one design may hold (a form a person fills in, not a database).
MAX_BYTES: Final = 200_000
MAX_COMPONENTS: Final = 100
MAX_CHOICES: Final = 200
MAX_LABEL: Final = 255
MAX_DESCRIPTION: Final = 500
MAX_VALUE: Final = 100
MAX_TEXT_LENGTH: Final = 20_000
MAX_PATTERN: Final = 500
MAX_NUMBER: Final = 10**15 - 1
#: Digits after the decimal mark a number may have (money in millions of đồng, a rate in per cent).
MAX_DECIMAL_DIGITS: Final = 4
NAME_MAX: Final = 255

#: The component types the task page draws and the server validates.
SUPPORTED: Final = ("textfield", "textarea", "number", "checkbox", "checklist", "select", "radio", "datetime")
CHOICE_TYPES: Final = ("select", "radio", "checklist")
#: The rules ("validate") of form-js each type may carry.
RULES: Final = {
    "textfield": {"required", "minLength", "maxLength", "pattern", "validationType"},
    "textarea": {"required", "minLength", "maxLength"},
    "number": {"required", "min", "max"},
    "datetime": {"required"},
    "checkbox": {"required"},
    "checklist": {"required"},
    "select": {"required"},
    "radio": {"required"},
}

NOT_A_DESIGN = Message(
    "not_a_design", "Not a form design (form-js JSON).", "Không phải thiết kế biểu mẫu (JSON form-js)."
)
TOO_LARGE = Message("too_large", "The design is larger than {max} bytes.", "Thiết kế lớn hơn {max} byte.")
TOO_MANY = Message("too_many", "More than {max} fields.", "Nhiều hơn {max} trường.")
NO_FIELDS = Message("no_fields", "The form has no field.", "Biểu mẫu chưa có trường nào.")
UNSUPPORTED = Message(
    "unsupported",
    'The component type "{kind}" is not supported (supported: {supported}).',
    "Loại thành phần “{kind}” chưa được hỗ trợ (các loại được hỗ trợ: {supported}).",
)
BAD_FIELD_KEY = Message(
    "bad_key",
    "The key must start with a letter and hold only letters, digits and _ (at most 64).",
    "Khóa phải bắt đầu bằng chữ cái, chỉ gồm chữ cái không dấu, chữ số và dấu _ (tối đa 64 ký tự).",
)
KEY_TWICE = Message("key_twice", 'The key "{key}" is used twice.', "Khóa “{key}” được dùng hai lần.")
NO_LABEL = Message("no_label", "The field needs a label.", "Trường cần có nhãn.")
LONG = Message("long", "{what} is longer than {max} characters.", "{what_vi} dài hơn {max} ký tự.")
UNKNOWN_RULE = Message(
    "unknown_rule",
    'The rule "{rule}" is not supported for this type.',
    "Ràng buộc “{rule}” không được hỗ trợ cho loại trường này.",
)
BAD_RULE = Message("bad_rule", 'The rule "{rule}" has a bad value.', "Ràng buộc “{rule}” có giá trị không hợp lệ.")
RULES_ORDER = Message("rules_order", "{low} may not be more than {high}.", "Giá trị {low} không được lớn hơn {high}.")
BAD_PATTERN = Message(
    "bad_pattern",
    "The pattern is not a valid regular expression.",
    "Mẫu (pattern) không phải biểu thức chính quy hợp lệ.",
)
ONLY_EMAIL = Message(
    "only_email", "Of the validation types only e-mail is supported.", "Trong các kiểu kiểm tra chỉ hỗ trợ e-mail."
)
DECIMAL_DIGITS = Message(
    "decimal_digits",
    "Decimal digits must be a whole number from 0 to {max}.",
    "Số chữ số thập phân phải là số nguyên từ 0 đến {max}.",
)
ONLY_DATES = Message("only_dates", "Only dates are supported (subtype date).", "Chỉ hỗ trợ kiểu ngày (subtype date).")
STATIC_VALUES = Message(
    "static_values",
    "Choices must be a static list of 1 to {max} values.",
    "Các lựa chọn phải là danh sách cố định từ 1 đến {max} giá trị.",
)
BAD_CHOICE = Message(
    "bad_choice",
    "Choice {index} needs a label and a value (at most {max} characters).",
    "Lựa chọn {index} cần có nhãn và giá trị (giá trị tối đa {max} ký tự).",
)
CHOICE_TWICE = Message("choice_twice", 'The value "{value}" is there twice.', "Giá trị “{value}” có hai lần.")
NO_CONDITIONS = Message(
    "no_conditions",
    "Conditions (hide if) are not supported: the server would validate a hidden field.",
    "Chưa hỗ trợ điều kiện ẩn trường: máy chủ vẫn kiểm tra trường bị ẩn.",
)
BAD_NAME = Message(
    "bad_name", "The form needs a name of at most {max} characters.", "Biểu mẫu cần có tên, tối đa {max} ký tự."
)
BAD_KEY = Message(
    "bad_form_key",
    "The form's key must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 64).",
    "Mã biểu mẫu phải bắt đầu bằng chữ thường, chỉ gồm a-z, 0-9 và dấu _ (tối đa 64 ký tự).",
)


@dataclass(frozen=True)
class DesignProblem:
    """One reason a design cannot be saved; `where` names the component (its key, else its place)."""

    where: str
    message_vi: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message_vi}" if self.where else self.message_vi


class DesignInvalid(ValueError):
    """A design that cannot be saved, with every problem found."""

    def __init__(self, problems: list[DesignProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def form_key(key: str, version: int) -> str:
    """The form key a BPMN user task writes to use one version of a designed form."""
    return f"{PREFIX}:{key}:{version}"


def parse_form_key(value: str) -> tuple[str, int] | None:
    """The key and version a designed form key names; None for any other form key."""
    found = _FORM_KEY.fullmatch(value)
    return (found.group(1), int(found.group(2))) if found else None


def is_designed(value: str) -> bool:
    """Whether a form key names a designed form (rather than a form of code)."""
    return value.startswith(f"{PREFIX}:")


# --- checking a design ------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[DesignProblem] = []

    def add(self, where: str, message: Message, **values: Any) -> None:
        filled = message.format(**values)
        self.problems.append(DesignProblem(where, filled.vi, filled.en))

    def design(self, design: Any) -> None:
        if not isinstance(design, Mapping) or not isinstance(design.get("components"), list):
            self.add("", NOT_A_DESIGN)
            return
        if len(json.dumps(design, ensure_ascii=False).encode()) > MAX_BYTES:
            self.add("", TOO_LARGE, max=f"{MAX_BYTES:,}")
            return
        components = design["components"]
        if not components:
            self.add("", NO_FIELDS)
        if len(components) > MAX_COMPONENTS:
            self.add("", TOO_MANY, max=MAX_COMPONENTS)
            return
        seen: set[str] = set()
        for index, component in enumerate(components, start=1):
            if not isinstance(component, Mapping):
                self.add(f"#{index}", NOT_A_DESIGN)
                continue
            where = self.component(component, index)
            key = component.get("key")
            if isinstance(key, str) and key in seen:
                self.add(where, KEY_TWICE, key=key)
            if isinstance(key, str):
                seen.add(key)

    def component(self, component: Mapping[str, Any], index: int) -> str:
        kind = component.get("type")
        key = component.get("key")
        label = component.get("dateLabel") if kind == "datetime" else component.get("label")
        where = key if isinstance(key, str) and key else f"#{index}"
        if isinstance(label, str) and label.strip():
            where = f"{where} ({label.strip()[:60]})"
        if kind not in SUPPORTED:
            self.add(where, UNSUPPORTED, kind=str(kind)[:40], supported=", ".join(SUPPORTED))
            return where
        if not isinstance(key, str) or not FIELD_KEY.fullmatch(key):
            self.add(where, BAD_FIELD_KEY)
        self.texts(where, component, label)
        if component.get("conditional"):
            self.add(where, NO_CONDITIONS)
        places = component.get("decimalDigits") if kind == "number" else None
        if places is not None and not _whole(places, 0, MAX_DECIMAL_DIGITS):
            self.add(where, DECIMAL_DIGITS, max=MAX_DECIMAL_DIGITS)
            places = None
        self.rules(where, str(kind), component.get("validate") or {}, decimals=bool(places))
        if kind == "datetime" and component.get("subtype", "date") != "date":
            self.add(where, ONLY_DATES)
        if kind in CHOICE_TYPES:
            self.choices(where, component)
        return where

    def texts(self, where: str, component: Mapping[str, Any], label: Any) -> None:
        if not isinstance(label, str) or not label.strip():
            self.add(where, NO_LABEL)
        elif len(label) > MAX_LABEL:
            self.add(where, LONG, what="The label", what_vi="Nhãn", max=MAX_LABEL)
        label_en = (
            (component.get("properties") or {}).get("label_en")
            if isinstance(component.get("properties"), Mapping)
            else None
        )
        if label_en is not None and (not isinstance(label_en, str) or len(label_en) > MAX_LABEL):
            self.add(where, LONG, what="label_en", what_vi="Nhãn tiếng Anh (label_en)", max=MAX_LABEL)
        description = component.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
            self.add(where, LONG, what="The description", what_vi="Mô tả", max=MAX_DESCRIPTION)

    def rules(self, where: str, kind: str, rules: Any, *, decimals: bool = False) -> None:
        if not isinstance(rules, Mapping):
            self.add(where, BAD_RULE, rule="validate")
            return
        for rule, value in rules.items():
            if rule not in RULES[kind]:
                self.add(where, UNKNOWN_RULE, rule=str(rule)[:40])
            elif _bad_value(rule, value, decimals=decimals):
                self.add(where, BAD_RULE, rule=rule)
            elif rule == "pattern" and value:
                self.pattern(where, value)
            elif rule == "validationType" and value not in (None, "", "email"):
                self.add(where, ONLY_EMAIL)
        for low, high in (("minLength", "maxLength"), ("min", "max")):
            lo, hi = rules.get(low), rules.get(high)
            if lo is None or hi is None:
                continue
            if not _bad_value(low, lo, decimals=decimals) and not _bad_value(high, hi, decimals=decimals) and lo > hi:
                self.add(where, RULES_ORDER, low=low, high=high)

    def pattern(self, where: str, value: Any) -> None:
        if not isinstance(value, str) or len(value) > MAX_PATTERN:
            self.add(where, BAD_RULE, rule="pattern")
            return
        try:
            re.compile(value)
        except re.error:
            self.add(where, BAD_PATTERN)

    def choices(self, where: str, component: Mapping[str, Any]) -> None:
        values = component.get("values")
        dynamic = component.get("valuesKey") or component.get("valuesExpression")
        if dynamic or not isinstance(values, list) or not 1 <= len(values) <= MAX_CHOICES:
            self.add(where, STATIC_VALUES, max=MAX_CHOICES)
            return
        seen: set[str] = set()
        for index, choice in enumerate(values, start=1):
            ok = isinstance(choice, Mapping) and all(
                isinstance(choice.get(part), str) and choice[part].strip() for part in ("label", "value")
            )
            if not ok or len(choice["value"]) > MAX_VALUE or len(choice["label"]) > MAX_LABEL:
                self.add(where, BAD_CHOICE, index=index, max=MAX_VALUE)
            elif choice["value"] in seen:
                self.add(where, CHOICE_TWICE, value=choice["value"])
            else:
                seen.add(choice["value"])


def _bad_value(rule: str, value: Any, *, decimals: bool = False) -> bool:
    """Whether a required flag or a bound is not of its kind (None: the rule is off); the bounds of a
    number with decimal digits may have decimals too."""
    if rule == "required":
        return not isinstance(value, bool)
    if rule in ("minLength", "maxLength"):
        return value is not None and not _whole(value, 0, MAX_TEXT_LENGTH)
    if rule in ("min", "max") and decimals:
        return value is not None and not _finite(value, -MAX_NUMBER, MAX_NUMBER)
    if rule in ("min", "max"):
        return value is not None and not _whole(value, -MAX_NUMBER, MAX_NUMBER)
    return False


def _finite(value: Any, low: int, high: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and low <= value <= high


def _whole(value: Any, low: int, high: int) -> bool:
    # form-js writes numbers as JSON numbers; a float such as 5.0 is still a whole number.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return float(value).is_integer() and low <= value <= high


def design_problems(design: Any) -> list[DesignProblem]:
    """Every reason a form-js design cannot be saved, each naming its component; none: it can be."""
    checker = _Checker()
    checker.design(design)
    return checker.problems


# --- versions ---------------------------------------------------------------------------------------


def latest(session: Session, key: str) -> DesignedForm | None:
    """The newest version of a designed form."""
    query = select(DesignedForm).where(DesignedForm.key == key).order_by(DesignedForm.version.desc()).limit(1)
    return session.scalar(query)


def find(session: Session, key: str, version: int) -> DesignedForm | None:
    """One version of a designed form."""
    return session.scalar(select(DesignedForm).where(DesignedForm.key == key, DesignedForm.version == version))


def newest_versions(session: Session) -> list[DesignedForm]:
    """The newest version of every designed form, by key."""
    newest = (
        select(DesignedForm.key, func.max(DesignedForm.version).label("version")).group_by(DesignedForm.key).subquery()
    )
    query = (
        select(DesignedForm)
        .join(newest, (DesignedForm.key == newest.c.key) & (DesignedForm.version == newest.c.version))
        .order_by(DesignedForm.key)
    )
    return list(session.scalars(query))


def _meta_problems(key: str, name: str) -> list[DesignProblem]:
    problems = []
    if not KEY.fullmatch(key):
        problems.append(DesignProblem("", BAD_KEY.vi, BAD_KEY.en))
    if not name.strip() or len(name) > NAME_MAX:
        filled = BAD_NAME.format(max=NAME_MAX)
        problems.append(DesignProblem("", filled.vi, filled.en))
    return problems


def save(session: Session, key: str, name: str, design: Any, *, actor: str, at: datetime) -> DesignedForm:
    """Store the design as the form's next version, audited; an unchanged design stores nothing.

    Raises :class:`DesignInvalid` naming every problem, and then nothing is stored.
    """
    problems = _meta_problems(key, name) + design_problems(design)
    if problems:
        raise DesignInvalid(problems)
    current = latest(session, key)
    if current is not None and current.schema_json == design and current.name == name.strip():
        return current
    row = DesignedForm(
        key=key,
        version=(current.version if current else 0) + 1,
        name=name.strip(),
        schema_json=dict(design),
        created_by=actor,
        created_at=at,
    )
    session.add(row)
    session.flush()
    after = {"key": key, "version": row.version, "name": row.name, "fields": _field_keys(design)}
    audit.append(session, AUDIT_TAG, actor=actor, at=at, after=after)
    return row


def _field_keys(design: Mapping[str, Any]) -> list[str]:
    return [str(c.get("key")) for c in design["components"]]


# --- schemas by form key ----------------------------------------------------------------------------


class DesignedSchemas:
    """The schemas of designed forms by form key, built once per version in each process.

    A version never changes, so an entry never goes stale; each process builds its own from the row.
    """

    def __init__(self) -> None:
        self._schemas: dict[tuple[str, int], type[FormSchema]] = {}
        self._lock = threading.Lock()

    def schema_for(self, session: Session, value: str) -> type[FormSchema]:
        """The schema of the designed form a form key names, or :class:`UnknownForm`."""
        parsed = parse_form_key(value)
        if parsed is None:
            raise UnknownForm(value)
        cached = self._schemas.get(parsed)
        if cached is not None:
            return cached
        row = find(session, *parsed)
        if row is None:
            raise UnknownForm(value)
        schema = schema_from_design(row.schema_json, f"Designed_{row.key}_{row.version}")
        with self._lock:
            return self._schemas.setdefault(parsed, schema)

    def exists(self, session: Session, value: str) -> bool:
        """Whether a designed form key names a stored version."""
        parsed = parse_form_key(value)
        return parsed is not None and (parsed in self._schemas or find(session, *parsed) is not None)
