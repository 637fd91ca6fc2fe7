"""The form registry and the bilingual message catalogue behind every form error."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from marshmallow import Schema, fields

from workflows.directive.forms import register_directive_forms
from workflows.forms import FormRegistry, FormSchema, UnknownForm
from workflows.forms.base import Count, Day, Group, Items, Text
from workflows.forms.messages import MARSHMALLOW_MESSAGES, Message, bilingual


@pytest.fixture
def forms() -> FormRegistry:
    registry = FormRegistry()
    register_directive_forms(registry)
    return registry


# --- The registry -----------------------------------------------------------------------------


def test_an_unknown_form_key_is_a_clear_key_error(forms: FormRegistry) -> None:
    with pytest.raises(KeyError) as caught:
        forms.validate("approve_budget", {})

    assert isinstance(caught.value, UnknownForm)
    assert str(caught.value) == "No form is registered under the key 'approve_budget'."


def test_a_form_key_is_registered_once(forms: FormRegistry) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_directive_forms(forms)


def test_a_form_with_an_unlabelled_or_english_only_field_is_refused() -> None:
    class Careless(FormSchema):
        note = fields.String()

    with pytest.raises(TypeError, match="note: metadata needs label_vi and label_en") as caught:
        FormRegistry().register("careless", Careless)

    assert "note: message 'required' is not bilingual" in str(caught.value)


# --- The message catalogue --------------------------------------------------------------------


@pytest.mark.parametrize(
    "marshmallow_class",
    [fields.String, fields.Date, fields.Integer, fields.List, fields.Nested],
)
def test_every_default_message_of_the_fields_we_use_is_translated(
    marshmallow_class: type[fields.Field[Any]],
) -> None:
    templates: dict[str, str] = {}
    for klass in reversed(marshmallow_class.__mro__):
        templates.update(vars(klass).get("default_error_messages", {}))

    assert set(templates.values()) <= set(MARSHMALLOW_MESSAGES)


def test_every_schema_message_of_marshmallow_is_translated() -> None:
    assert set(Schema._default_error_messages.values()) <= set(MARSHMALLOW_MESSAGES)


def test_our_fields_carry_only_bilingual_messages() -> None:
    made: list[fields.Field[Any]] = [
        Text("a", "a"),
        Day("a", "a"),
        Count("a", "a"),
        Items("a", "a", Text("a", "a")),
        Group("a", "a", FormSchema),
    ]

    for field in made:
        assert all(isinstance(text, Message) for text in field.error_messages.values()), field


@pytest.mark.parametrize(
    ("formatted", "vietnamese"),
    [
        ("Must be one of: thuong, khan.", "Phải là một trong các giá trị: thuong, khan."),
        (
            "Must be greater than or equal to 0 and less than or equal to 5.",
            "Phải lớn hơn hoặc bằng 0 và nhỏ hơn hoặc bằng 5.",
        ),
        ("Must be greater than 0.", "Phải lớn hơn 0."),
        ("Longer than maximum length 10.", "Độ dài tối đa là 10."),
        ("Missing data for required field.", "Trường bắt buộc."),
    ],
)
def test_a_formatted_marshmallow_message_is_read_back_into_vietnamese(formatted: str, vietnamese: str) -> None:
    assert bilingual(formatted).vi == vietnamese


def test_an_unknown_english_message_keeps_its_text_and_gets_a_vietnamese_one() -> None:
    message = bilingual("Division is closed.")

    assert (message.en, message.vi) == ("Division is closed.", "Giá trị không hợp lệ.")


def test_a_message_survives_copy_and_pickle() -> None:
    message = Message("too_long", "At most {max} characters.", "Tối đa {max} ký tự.").format(max=9)

    for again in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert (again.code, again.en, again.vi) == (
            "too_long",
            "At most 9 characters.",
            "Tối đa 9 ký tự.",
        )
