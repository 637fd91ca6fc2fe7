"""The two steps every spreadsheet import of the administrators' pages takes (units, users).

The uploaded file is read and checked and its preview shown, nothing stored; a file without problems
comes back with a confirmation form carrying the file's table in a token signed with the application's
secret, so what is confirmed is what was previewed, never rows the browser made up. On confirmation
the table is checked again against the database as it is then: the digest of the preview's plan must
be the same, or the new preview is shown instead of applying it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Final

from flask import current_app
from flask_babel import get_locale
from itsdangerous import URLSafeTimedSerializer

from workflows.forms.messages import Message
from workflows.orgchart.table_files import Column
from workflows.orgchart.table_import import ImportPreview

#: How long a preview may wait for its confirmation.
TOKEN_SECONDS: Final = 3600
#: The token travels in a form field; Flask refuses a field larger than 500 kB.
TOKEN_LIMIT: Final = 450_000


def serializer(salt: str) -> URLSafeTimedSerializer:
    """Signs and reads an import's token; each import its own salt."""
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=salt)


def digest(preview: ImportPreview) -> str:
    """What the preview promised: each row's action and changes (the database may move before confirming)."""
    plan = [[row.line, row.action, sorted((k, repr(v)) for k, v in row.changes.items())] for row in preview.rows]
    return hashlib.sha256(json.dumps(plan).encode()).hexdigest()


def english() -> bool:
    """Whether the page speaks English."""
    return str(get_locale() or "vi").startswith("en")


def say(message: Message) -> str:
    """A message of an import in the page's language."""
    return message.en if english() else message.vi


def header_of(column: Column) -> str:
    """A column's header in the page's language."""
    return column.en if english() else column.vi


def shown(value: Any) -> str:
    """A field's value as a preview shows it: dates dd/mm/yyyy, nothing as a dash."""
    if value is None or value == "":
        return "—"
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
