"""Form schemas that validate each user task's data, with errors in Vietnamese and English."""

from workflows.forms.base import (
    FieldError,
    FormError,
    FormInvalid,
    FormRegistry,
    FormSchema,
    UnknownForm,
)
from workflows.forms.messages import Message

__all__ = [
    "FieldError",
    "FormError",
    "FormInvalid",
    "FormRegistry",
    "FormSchema",
    "Message",
    "UnknownForm",
]
