"""Form schemas for user tasks, their bilingual field errors, and the registry that validates data.

A form validates the *shape* of what a person submits for a user task before the engine sees it;
checks against the database (does the division exist, is the signer a leader) happen elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate
from marshmallow.exceptions import SCHEMA

from workflows.calendar import FIRST_DAY, LAST_DAY, within_calendar
from workflows.forms import messages as msg
from workflows.forms.messages import Message, bilingual, bilingual_defaults

FORM_LABEL = ("Biểu mẫu", "Form")

# --- Fields: each takes its Vietnamese and English label first --------------------------------


def dmy(day: dt.date) -> str:
    """A day as forms' messages write it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _labelled(label_vi: str, label_en: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    metadata = {**kwargs.pop("metadata", {}), "label_vi": label_vi, "label_en": label_en}
    return {**kwargs, "metadata": metadata}


class Text(fields.String):
    """A string with surrounding whitespace removed."""

    default_error_messages = bilingual_defaults(fields.String)

    def __init__(self, label_vi: str, label_en: str, **kwargs: Any) -> None:
        super().__init__(**_labelled(label_vi, label_en, kwargs))

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs)).strip()


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Day(fields.Date):
    """A calendar date written YYYY-MM-DD (a ``date``, not a ``datetime``, is accepted too).

    Parsed here rather than by marshmallow, whose parser differs between versions and, on
    Python 3.11, also accepts forms such as ``20230303`` or ``2023-W09-5``. Only days the working
    calendar knows are accepted: a year 9999 or 0001 would break the deadline arithmetic later.
    """

    default_error_messages = bilingual_defaults(fields.Date, out_of_range=msg.DATE_OUT_OF_RANGE)

    def __init__(self, label_vi: str, label_en: str, **kwargs: Any) -> None:
        super().__init__(**_labelled(label_vi, label_en, kwargs))

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> dt.date:
        day: dt.date | None = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value
        elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if day is None:
            raise self.make_error("invalid")
        if not within_calendar(day):
            raise self.make_error("out_of_range", first=dmy(FIRST_DAY), last=dmy(LAST_DAY))
        return day


_DIGITS = re.compile(r"[+-]?[0-9]{1,15}")


class Count(fields.Integer):
    """A whole number; digits in a string (a posted form) are accepted, booleans and fractions not."""

    default_error_messages = bilingual_defaults(fields.Integer)

    def __init__(self, label_vi: str, label_en: str, **kwargs: Any) -> None:
        super().__init__(strict=True, **_labelled(label_vi, label_en, kwargs))

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


_DECIMAL = re.compile(r"([+-]?)([0-9]{1,15})(?:[.,]([0-9]+))?")
NOT_A_NUMBER = Message("not_a_number", "Not a number.", "Không phải là số.")
TOO_MANY_DECIMALS = Message(
    "too_many_decimals", "At most {places} digits after the decimal mark.", "Tối đa {places} chữ số sau dấu thập phân."
)


class Amount(fields.Field):  # type: ignore[type-arg]  # not subscriptable at runtime in marshmallow 3
    """A number with at most `places` digits after the decimal mark, written with a comma (2,5) as
    Vietnamese writes it or with a point; kept as its exact text with a point ("2.5"), never as a
    float that would turn 0.1 into 0.1000000000000000055. Bounds are checked here, on the exact value."""

    default_error_messages = bilingual_defaults(fields.Field, invalid=NOT_A_NUMBER, too_precise=TOO_MANY_DECIMALS)

    def __init__(
        self,
        label_vi: str,
        label_en: str,
        *,
        places: int,
        bounds: tuple[Message, Decimal | None, Message, Decimal | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**_labelled(label_vi, label_en, kwargs))
        self.places = places
        self.bounds = bounds

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = (
            format(Decimal(str(value)), "f")
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
        )
        found = _DECIMAL.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise self.make_error("invalid")
        sign, whole, decimals = found.group(1), found.group(2), (found.group(3) or "").rstrip("0")
        if len(decimals) > self.places:
            raise self.make_error("too_precise", places=self.places)
        number = Decimal(f"{sign}{whole}.{decimals or 0}") + 0  # + 0: -0 is 0
        if self.bounds is not None:
            below, low, above, high = self.bounds
            if low is not None and number < low:
                raise ValidationError(below.format(min=_plain(low)))
            if high is not None and number > high:
                raise ValidationError(above.format(max=_plain(high)))
        return _plain(number)


def _plain(number: Decimal) -> str:
    """A decimal as plain text, without trailing zeros after the point: 2.50 → "2.5", 3.0 → "3"."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Items(fields.List):  # type: ignore[type-arg]  # not subscriptable at runtime in marshmallow 3
    """A list whose items are validated by ``inner``."""

    default_error_messages = bilingual_defaults(fields.List)

    def __init__(self, label_vi: str, label_en: str, inner: fields.Field[Any], **kwargs: Any) -> None:
        super().__init__(inner, **_labelled(label_vi, label_en, kwargs))


class Group(fields.Nested):
    """A nested object validated by another form schema."""

    default_error_messages = bilingual_defaults(fields.Nested)

    def __init__(self, label_vi: str, label_en: str, nested: type[FormSchema], **kwargs: Any) -> None:
        super().__init__(nested, **_labelled(label_vi, label_en, kwargs))


# --- Validators with bilingual messages -------------------------------------------------------


def nonblank(max_length: int | None = None) -> list[validate.Validator]:
    """Text that is not blank and, if given, at most ``max_length`` characters."""
    rules: list[validate.Validator] = [validate.Length(min=1, error=msg.BLANK)]
    if max_length is not None:
        rules.append(at_most(max_length))
    return rules


def at_most(max_length: int) -> validate.Validator:
    """Text of at most ``max_length`` characters."""
    return validate.Length(max=max_length, error=msg.TOO_LONG)


def at_least_items(count: int) -> validate.Validator:
    """A list of at least ``count`` items."""
    return validate.Length(min=count, error=msg.TOO_FEW_ITEMS)


def one_of(choices: Sequence[str]) -> validate.Validator:
    """One of ``choices``; the message quotes them so that an empty choice stays visible."""
    return validate.OneOf(choices, labels=[f'"{choice}"' for choice in choices], error=msg.NOT_ALLOWED)


def non_negative() -> validate.Validator:
    """A number of zero or more."""
    return validate.Range(min=0, error=msg.NON_NEGATIVE)


def matches(pattern: str, message: Message) -> validate.Validator:
    """Text matching ``pattern`` from its start to its end."""
    return validate.Regexp(rf"(?:{pattern})\Z", error=message)


# --- The base schema --------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


class FormSchema(Schema):
    """Base of every form: unknown fields are refused and the result is ready for task data.

    Cross-field rules use ``@validates_schema(skip_on_field_errors=False)`` and raise
    ``ValidationError`` naming the field, so that every problem is reported in one round.
    """

    # marshmallow declares and reads this as a plain class attribute.
    error_messages = {"unknown": msg.UNKNOWN_FIELD, "type": msg.NOT_AN_OBJECT}  # noqa: RUF012

    class Meta:
        unknown = RAISE

    def __init__(self, *, form_context: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Facts from outside the form (today, the acting user…) for rules that need them. Not
        # marshmallow's ``context``, which version 4 removed; nested schemas do not see it.
        self.form_context: Mapping[str, Any] = MappingProxyType(dict(form_context or {}))

    @classmethod
    def for_task(cls, task_data: Mapping[str, Any] | None) -> type[FormSchema]:
        """The form as it stands for one task: itself, unless its fields depend on the case.

        A form whose fields are defined by the case (a unit's report, whose figures and questions
        the directive defines) returns a schema built for that task's data.
        """
        return cls

    @post_load
    def _as_task_data(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # Validators above still see ``date`` objects; the workflow gets ISO strings.
        return {key: _jsonable(value) for key, value in data.items()}


# --- Errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: ``field`` is a dotted path such as ``cc.0.name``."""

    field: str
    label_vi: str
    label_en: str
    message_vi: str
    message_en: str
    code: str = "invalid"

    def __str__(self) -> str:
        where = f"{self.label_vi} ({self.field})" if self.field not in ("", self.label_vi) else self.label_vi
        return f"{where}: {self.message_vi} / {self.message_en}"


class FormError(Exception):
    """Base of the errors raised by forms."""


class UnknownForm(FormError, KeyError):
    """No form is registered under the key a task names."""

    def __init__(self, form_key: str) -> None:
        super().__init__(form_key)
        self.form_key = form_key

    def __str__(self) -> str:
        return f"No form is registered under the key {self.form_key!r}."


class FormInvalid(FormError):
    """The submitted data does not fit the form; ``errors`` names each bad field."""

    def __init__(self, form_key: str, errors: Iterable[FieldError]) -> None:
        self.form_key = form_key
        self.errors: list[FieldError] = list(errors)
        super().__init__(form_key, self.errors)

    def by_field(self) -> dict[str, list[FieldError]]:
        """The errors grouped by field path."""
        grouped: dict[str, list[FieldError]] = {}
        for error in self.errors:
            grouped.setdefault(error.field, []).append(error)
        return grouped

    def __str__(self) -> str:
        lines = [f"Biểu mẫu {self.form_key} không hợp lệ / Form {self.form_key} is invalid:"]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


Path = tuple[str | int, ...]


def _walk(messages: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Flatten marshmallow's nested error messages into (path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, nested in messages.items():
            yield from _walk(nested, path if key == SCHEMA else (*path, key))
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            yield from _walk(item, path)
    else:
        yield path, messages if isinstance(messages, str) else str(messages)


def _fields_by_key(schema: Schema) -> dict[str, fields.Field[Any]]:
    return {field.data_key or name: field for name, field in schema.fields.items()}


def _labels(schema: Schema, path: Path) -> tuple[str, str]:
    """Human labels of a path, e.g. ('Nơi nhận khác › dòng 1 › Tên', 'Copies to › item 1 › Name')."""
    if not path:
        return FORM_LABEL
    vi: list[str] = []
    en: list[str] = []
    node: Schema | fields.Field[Any] | None = schema
    for part in path:
        if isinstance(node, fields.Nested):
            node = node.schema
        if isinstance(node, Schema) and isinstance(part, str) and part in _fields_by_key(node):
            node = _fields_by_key(node)[part]
            vi.append(node.metadata["label_vi"])
            en.append(node.metadata["label_en"])
        elif isinstance(node, fields.List) and isinstance(part, int):
            vi.append(f"dòng {part + 1}")
            en.append(f"item {part + 1}")
            node = node.inner
        else:  # an unknown field is named by its key
            vi.append(str(part))
            en.append(str(part))
            node = None
    return " › ".join(vi), " › ".join(en)


def field_errors(schema: Schema, error: ValidationError) -> list[FieldError]:
    """Turn a marshmallow ``ValidationError`` from ``schema`` into bilingual field errors."""
    found: list[FieldError] = []
    for path, text in _walk(error.messages, ()):
        message = bilingual(text)
        label_vi, label_en = _labels(schema, path)
        field = ".".join(str(part) for part in path)
        found.append(FieldError(field, label_vi, label_en, message.vi, message.en, message.code))
    return found


# --- Registration checks ----------------------------------------------------------------------


def _schema_problems(schema: Schema, where: str) -> Iterator[str]:
    for key, text in schema.error_messages.items():
        if not isinstance(text, Message):
            yield f"{where or 'form'}: schema message {key!r} is not bilingual"
    for name, field in schema.fields.items():
        yield from _field_problems(field, f"{where}{name}", labelled=True)


def _field_problems(field: fields.Field[Any], where: str, *, labelled: bool) -> Iterator[str]:
    if labelled and not all(field.metadata.get(key) for key in ("label_vi", "label_en")):
        yield f"{where}: metadata needs label_vi and label_en"
    for key, text in field.error_messages.items():
        if not isinstance(text, Message):
            yield f"{where}: message {key!r} is not bilingual"
    for rule in field.validators:
        if isinstance(rule, validate.Validator) and not isinstance(getattr(rule, "error", None), Message):
            yield f"{where}: validator {rule!r} has no bilingual message"
    if isinstance(field, fields.List):
        yield from _field_problems(field.inner, f"{where}[]", labelled=False)
    if isinstance(field, fields.Nested):
        nested = field.schema
        if isinstance(nested, Schema):
            yield from _schema_problems(nested, f"{where}.")


# --- The registry -----------------------------------------------------------------------------


class FormRegistry:
    """Form schemas by form key (the ``formKey`` property of a BPMN user task)."""

    def __init__(self) -> None:
        self._schemas: dict[str, type[FormSchema]] = {}

    def register(self, form_key: str, schema_cls: type[FormSchema]) -> None:
        """Register ``schema_cls`` under ``form_key``; refuse duplicates and unlabelled fields."""
        if form_key in self._schemas:
            raise ValueError(f"A form is already registered under the key {form_key!r}.")
        problems = list(_schema_problems(schema_cls(), ""))
        if problems:
            raise TypeError(f"Form {form_key!r} is not fully bilingual: " + "; ".join(problems))
        self._schemas[form_key] = schema_cls

    def __contains__(self, form_key: object) -> bool:
        return form_key in self._schemas

    def form_keys(self) -> list[str]:
        """The registered form keys, sorted."""
        return sorted(self._schemas)

    def schema_for(self, form_key: str) -> type[FormSchema]:
        """The schema class registered under ``form_key``, or :class:`UnknownForm`."""
        try:
            return self._schemas[form_key]
        except KeyError:
            raise UnknownForm(form_key) from None

    def validate(
        self, form_key: str, data: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return ``data`` cleaned for the workflow (JSON-ready), or raise :class:`FormInvalid`.

        ``context`` is handed to the schema as ``form_context`` for rules that need outside facts.
        """
        return validate_with(self.schema_for(form_key), form_key, data, context)


def validate_with(
    schema_cls: type[FormSchema], form_key: str, data: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``data`` cleaned by ``schema_cls`` (as it stands for the task in ``context``), or :class:`FormInvalid`."""
    task_data = (context or {}).get("task_data")
    schema = schema_cls.for_task(task_data)(form_context=context)
    try:
        cleaned: dict[str, Any] = schema.load(data)
    except ValidationError as error:
        raise FormInvalid(form_key, field_errors(schema, error)) from error
    return cleaned
