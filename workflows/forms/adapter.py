"""The forms as the engine's FormValidator port: shape first, then the facts only the database knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import InvalidTaskData
from workflows.calendar import LOCAL_TZ, WorkingCalendar
from workflows.orgchart.calendar_days import StoredCalendar

from .base import FieldError, FormInvalid, FormRegistry, FormSchema, validate_with
from .designed import DesignedSchemas, is_designed

# A check that needs the database: given the cleaned data, it returns the errors it finds.
DomainCheck = Callable[[Session, Mapping[str, Any]], list[FieldError]]


class EngineForms:
    """Validates a task's data with the registered schema and the domain checks of its form.

    ``calendar`` is the working calendar deadlines are counted in (the one the scripts use), so a
    form can refuse a deadline on a day off; None (what the application passes) is the database's,
    with the administrators' days off and working days as they are in the command's transaction.
    """

    def __init__(
        self,
        registry: FormRegistry,
        checks: Mapping[str, DomainCheck] | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.registry = registry
        # Forms designed in the browser, by the version a task names (designed:<key>:<version>).
        self.designed = DesignedSchemas()
        self.checks = dict(checks or {})
        self.calendar = calendar

    def __call__(self, session: Session) -> _BoundForms:
        return _BoundForms(self, session)

    def schema_for(self, session: Session, form_key: str) -> type[FormSchema]:
        """The form a task names: a designed form's version read from the database, else a coded one."""
        if is_designed(form_key):
            return self.designed.schema_for(session, form_key)
        return self.registry.schema_for(form_key)


class _BoundForms:
    def __init__(self, forms: EngineForms, session: Session) -> None:
        self.forms = forms
        self.session = session

    def validate(
        self, form_key: str, data: Mapping[str, Any], *, now: datetime, task_data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The cleaned data, or InvalidTaskData naming every bad field (nothing is stored)."""
        # Dates in forms are days in Vietnam: "today" is the local day of the engine's clock.
        context = {
            "today": now.astimezone(LOCAL_TZ).date(),
            "calendar": self.forms.calendar or StoredCalendar(self.session),
            "task_data": MappingProxyType(dict(task_data or {})),
        }
        try:
            schema = self.forms.schema_for(self.session, form_key)
            cleaned = validate_with(schema, form_key, data, context)
        except FormInvalid as exc:
            raise InvalidTaskData(form_key, exc.errors) from exc
        check = self.forms.checks.get(form_key)
        errors = check(self.session, cleaned) if check else []
        if errors:
            raise InvalidTaskData(form_key, errors)
        return cleaned
