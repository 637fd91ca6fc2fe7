"""A designed form's form-js schema as a form schema: the one that draws the task page and validates it.

The design was checked when it was saved (workflows/forms/designed.py `design_problems`), so every
component here is of a supported type with a valid, unique key. Each component becomes a labelled
field of :class:`workflows.forms.base.FormSchema` with the rules the administrator set (required,
lengths, pattern, bounds, allowed values, dates not in the past), so the task page and the server's
validation read the same definition, and the errors are bilingual and name the field, as the coded
forms' are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, cast

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from workflows.forms import messages as msg
from workflows.forms.base import Amount, Count, Day, FormSchema, Items, Text, at_least_items, at_most, dmy, matches
from workflows.forms.messages import Message, bilingual_defaults

#: A text field's length when the design sets none: a line, or a few paragraphs in a box.
TEXTFIELD_MAX = 1000
TEXTAREA_MAX = 5000

TOO_SHORT = Message("too_short", "At least {min} characters.", "Tối thiểu {min} ký tự.")
BELOW_MIN = Message("below_min", "Must be at least {min}.", "Phải lớn hơn hoặc bằng {min}.")
ABOVE_MAX = Message("above_max", "Must be at most {max}.", "Phải nhỏ hơn hoặc bằng {max}.")
NO_MATCH = Message("no_match", "Not in the required format.", "Không đúng định dạng yêu cầu.")
NOT_AN_EMAIL = Message("not_an_email", "Not an e-mail address.", "Không phải là địa chỉ thư điện tử.")
MUST_TICK = Message("must_tick", "This box must be ticked.", "Cần đánh dấu ô này.")
PAST_DAY = Message(
    "past_day", "The date may not be before today ({today}).", "Ngày không được trước hôm nay ({today})."
)
NOT_A_BOOLEAN = Message("not_a_boolean", "Must be ticked or not.", "Phải là có hoặc không.")

_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s.]+"


class Tick(fields.Boolean):
    """A checkbox: ticked or not."""

    default_error_messages = bilingual_defaults(fields.Boolean, invalid=NOT_A_BOOLEAN)

    def __init__(self, label_vi: str, label_en: str, **kwargs: Any) -> None:
        metadata = {**kwargs.pop("metadata", {}), "label_vi": label_vi, "label_en": label_en}
        super().__init__(metadata=metadata, **kwargs)


def _ticked(value: bool) -> bool:
    if not value:
        raise ValidationError(MUST_TICK)
    return True


class DesignedSchema(FormSchema):
    """Base of the schemas built from designs: a blank answer is no answer, and past days are refused."""

    #: The keys of date fields whose design forbids days before today.
    no_past_days: ClassVar[tuple[str, ...]] = ()

    @pre_load
    def _blank_is_missing(self, data: Any, **kwargs: Any) -> Any:
        # A posted form sends "" for a field left empty: it is then "not given", so that a required
        # field says "required" and an optional one keeps no value rather than failing its rules.
        if not isinstance(data, Mapping):
            return data
        return {key: value for key, value in data.items() if not (isinstance(value, str) and not value.strip())}

    @validates_schema(skip_on_field_errors=False)
    def _not_in_the_past(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        today = self.form_context.get("today")
        if not isinstance(today, date):
            return
        errors = {
            key: [PAST_DAY.format(today=dmy(today))]
            for key in self.no_past_days
            if isinstance(data.get(key), date) and data[key] < today
        }
        if errors:
            raise ValidationError(errors)


def _labels(component: Mapping[str, Any]) -> tuple[str, str]:
    label = str(component.get("dateLabel") if component.get("type") == "datetime" else component.get("label"))
    properties = component.get("properties") or {}
    return label.strip(), str(properties.get("label_en") or label).strip()


def _choices(component: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [(str(v["value"]), str(v["label"]), str(v.get("label_en") or v["label"])) for v in component["values"]]


def _text(component: Mapping[str, Any], rules: Mapping[str, Any], kwargs: dict[str, Any]) -> fields.Field[Any]:
    default_max = TEXTAREA_MAX if component["type"] == "textarea" else TEXTFIELD_MAX
    checks: list[validate.Validator] = [at_most(int(rules.get("maxLength") or default_max))]
    if rules.get("minLength"):
        checks.append(validate.Length(min=int(rules["minLength"]), error=TOO_SHORT))
    if rules.get("pattern"):
        checks.append(matches(str(rules["pattern"]), NO_MATCH))
    if rules.get("validationType") == "email":
        checks.append(matches(_EMAIL, NOT_AN_EMAIL))
    return Text(*_labels(component), validate=checks, **kwargs)


def _number(component: Mapping[str, Any], rules: Mapping[str, Any], kwargs: dict[str, Any]) -> fields.Field[Any]:
    places = int(component.get("decimalDigits") or 0)
    if places:
        kwargs["metadata"]["designed"] = "decimal"
        low, high = (None if rules.get(bound) is None else Decimal(str(rules[bound])) for bound in ("min", "max"))
        return Amount(*_labels(component), places=places, bounds=(BELOW_MIN, low, ABOVE_MAX, high), **kwargs)
    checks: list[validate.Validator] = []
    if rules.get("min") is not None:
        checks.append(validate.Range(min=int(rules["min"]), error=BELOW_MIN))
    if rules.get("max") is not None:
        checks.append(validate.Range(max=int(rules["max"]), error=ABOVE_MAX))
    return Count(*_labels(component), validate=checks, **kwargs)


def _field(component: Mapping[str, Any]) -> fields.Field[Any]:
    """The form field of one component of a checked design."""
    kind = component["type"]
    rules: Mapping[str, Any] = component.get("validate") or {}
    required = bool(rules.get("required"))
    metadata: dict[str, Any] = {"designed": kind}
    if component.get("description"):
        metadata["hint"] = str(component["description"])
    kwargs: dict[str, Any] = {"required": required, "metadata": metadata}
    if not required:
        kwargs["load_default"] = [] if kind == "checklist" else False if kind == "checkbox" else None
    if kind in ("textfield", "textarea"):
        return _text(component, rules, kwargs)
    if kind == "number":
        return _number(component, rules, kwargs)
    if kind == "datetime":
        return Day(*_labels(component), **kwargs)
    if kind == "checkbox":
        return Tick(*_labels(component), validate=[_ticked] if required else [], **kwargs)
    metadata["choices"] = _choices(component)
    # The message lists the labels the person chose among, not the stored codes.
    allowed = validate.OneOf(
        [value for value, _, _ in metadata["choices"]],
        labels=[f'"{label}"' for _, label, _ in metadata["choices"]],
        error=msg.NOT_ALLOWED,
    )
    if kind == "checklist":
        inner = Text(*_labels(component), validate=[allowed])
        return Items(*_labels(component), inner, validate=[at_least_items(1)] if required else [], **kwargs)
    return Text(*_labels(component), validate=[allowed], **kwargs)


def schema_from_design(design: Mapping[str, Any], name: str) -> type[FormSchema]:
    """The form schema of a checked design, its fields in the design's order."""
    components = [c for c in design.get("components", []) if isinstance(c, Mapping)]
    declared = {str(c["key"]): _field(c) for c in components}
    no_past = tuple(str(c["key"]) for c in components if c["type"] == "datetime" and c.get("disallowPassedDates"))
    schema = cast("type[DesignedSchema]", DesignedSchema.from_dict(declared, name=name))
    schema.no_past_days = no_past
    return schema
